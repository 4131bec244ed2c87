import { z } from 'zod';
import { IsoTime } from './envelope.js';
import { ItemId, Slug, TenantId, UserId, UuidV7 } from './ids.js';

export const ScheduleContentKind = z.enum(['video', 'banner', 'announcement', 'recommendation_slot', 'series']);
export const ScheduleAction = z.enum(['publish', 'unpublish']);
/** paused: stopped by an operator (POST …/pause) or at a failed progressive gate; fires nothing until resumed. */
export const ScheduleStatus = z.enum(['pending', 'published', 'failed', 'cancelled', 'expired', 'paused']);
export const Recurrence = z.object({
  frequency: z.enum(['once', 'daily', 'weekly', 'monthly']),
  /** IANA zone: local wall-clock time is kept across DST changes. */
  timeZone: z.string().min(1).max(64),
  until: IsoTime.optional(),
  count: z.number().int().min(1).max(1000).optional(),
});
export const Strategy = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('immediate') }),
  z.object({
    kind: z.literal('progressive'),
    steps: z.array(z.object({ percent: z.number().min(1).max(100), afterMinutes: z.number().int().min(0) })).min(1),
    gates: z
      .object({
        minPlayRate: z.number().min(0).max(1).optional(),
        minCompletionRate: z.number().min(0).max(1).optional(),
      })
      // Strict: a gate the platform cannot measure (e.g. an error rate: no playback-error events
      // exist) is refused naming it, never silently dropped.
      .strict()
      .default({}),
  }),
  z.object({
    kind: z.literal('regional'),
    regions: z.array(z.object({ region: Slug, localTime: z.string().regex(/^\d{2}:\d{2}$/), timeZone: z.string() })).min(1),
    /** What a request from a region not listed (or with no known region) gets: see UnknownRegionPolicy. */
    unknownRegion: z.enum(['after_all', 'hidden', 'with_first']).default('after_all'),
  }),
  z.object({
    kind: z
      .enum(['ab_test', 'ab'])
      .describe('ab_test; ab is accepted as an alias')
      .transform(() => 'ab_test' as const),
    variants: z.array(z.object({ variant: Slug, contentId: ItemId, percent: z.number().min(0).max(100) })).min(2),
  }),
]);
/** Schedules stored before the rename say `ab`: read them as `ab_test`. */
export const normaliseStrategyKind = (v: unknown): unknown =>
  v && typeof v === 'object' && (v as { kind?: unknown }).kind === 'ab' ? { ...(v as object), kind: 'ab_test' } : v;

export const Schedule = z.object({
  id: UuidV7,
  tenantId: TenantId,
  contentKind: ScheduleContentKind,
  contentId: ItemId,
  action: ScheduleAction,
  scheduledAt: IsoTime,
  endAt: IsoTime.nullable().default(null),
  status: ScheduleStatus,
  priority: z.number().int().min(0).max(100).default(50),
  title: z.string().min(1).max(200),
  description: z.string().max(2000).default(''),
  createdBy: UserId,
  recurrence: Recurrence.nullable().default(null),
  strategy: Strategy.default({ kind: 'immediate' }),
  remindMinutesBefore: z.number().int().min(1).max(7 * 24 * 60).nullable().default(null),
  maxRetries: z.number().int().min(0).max(10).default(3),
});
export type Schedule = z.infer<typeof Schedule>;

export const CampaignStatus = z.enum(['draft', 'scheduled', 'sending', 'paused', 'completed', 'failed', 'cancelled']);
export const Campaign = z.object({
  id: UuidV7,
  tenantId: TenantId,
  name: z.string().min(1).max(200),
  message: z.object({ title: z.string().min(1).max(200), body: z.string().min(1).max(4000), link: z.string().url().optional() }),
  audience: z.object({ segment: Slug.optional(), userIds: z.array(UserId).max(1_000_000).optional() }),
  sendAt: IsoTime,
  status: CampaignStatus,
  batchSize: z.number().int().min(1).max(500).default(500),
  ratePerSecond: z.number().positive().max(10_000).default(50),
});
export type Campaign = z.infer<typeof Campaign>;

export const BroadcasterTask = z.object({
  taskId: Slug,
  tenantId: TenantId,
  targetUrl: z.string().url(),
  /** Name of the secret used for the HMAC signature; the secret itself lives in the environment. */
  secretRef: z.string().min(1).max(64),
  intervalSeconds: z.number().int().min(60).max(86_400).default(180),
  active: z.boolean(),
});
export type BroadcasterTask = z.infer<typeof BroadcasterTask>;

// ---------------------------------------------------------------------------------------------
// Content schedules: API bodies, history, templates, calendar (Scheduler Durable Object).

/** Gates checked right before a publish; a gate that does not hold makes the attempt fail (retried). */
export const ScheduleCondition = z.discriminatedUnion('kind', [
  /** The video's transcode finished (catalogue `videos.status = ready`). */
  z.object({ kind: z.literal('transcode_ready'), videoId: ItemId.optional() }),
  /** The previous episode is published (catalogue course status or a schedule publish of it). */
  z.object({ kind: z.literal('previous_published'), contentId: ItemId }),
  /** A behaviour metric of some content (e.g. the trailer) over the last `windowHours` reaches `min`. */
  z.object({
    kind: z.literal('metric'),
    metric: z.enum(['play_rate', 'completion_rate']),
    contentId: ItemId,
    min: z.number().min(0).max(1),
    windowHours: z.number().int().min(1).max(24 * 90).default(24),
  }),
]);
export type ScheduleCondition = z.infer<typeof ScheduleCondition>;

const scheduleFields = {
  contentKind: ScheduleContentKind,
  contentId: ItemId,
  action: ScheduleAction.default('publish'),
  scheduledAt: IsoTime,
  endAt: IsoTime.nullable().default(null),
  priority: z.number().int().min(0).max(100).default(50),
  title: z.string().min(1).max(200),
  description: z.string().max(2000).default(''),
  recurrence: Recurrence.nullable().default(null),
  strategy: Strategy.default({ kind: 'immediate' }),
  remindMinutesBefore: z.number().int().min(1).max(7 * 24 * 60).nullable().default(null),
  maxRetries: z.number().int().min(0).max(10).default(3),
  conditions: z.array(ScheduleCondition).max(10).default([]),
  notifySubscribers: z.boolean().default(false),
};
export const CreateScheduleRequest = z.object({ ...scheduleFields, templateId: UuidV7.optional() });
export type CreateScheduleRequest = z.infer<typeof CreateScheduleRequest>;

/** Only a pending schedule can be changed; its future actions are re-planned. */
export const UpdateScheduleRequest = z
  .object({
    scheduledAt: IsoTime,
    endAt: IsoTime.nullable(),
    priority: z.number().int().min(0).max(100),
    title: z.string().min(1).max(200),
    description: z.string().max(2000),
    recurrence: Recurrence.nullable(),
    remindMinutesBefore: z.number().int().min(1).max(7 * 24 * 60).nullable(),
    maxRetries: z.number().int().min(0).max(10),
  })
  .partial();
export type UpdateScheduleRequest = z.infer<typeof UpdateScheduleRequest>;

export const ScheduleView = Schedule.extend({
  conditions: z.array(ScheduleCondition),
  notifySubscribers: z.boolean(),
  /** Next due action of this schedule (publish, unpublish, reminder, retry), if any. */
  nextActionAt: IsoTime.nullable(),
  occurrencesDone: z.number().int().min(0),
  attempts: z.number().int().min(0),
  lastError: z.string().nullable(),
  createdAt: IsoTime,
  updatedAt: IsoTime,
});
export type ScheduleView = z.infer<typeof ScheduleView>;

export const ScheduleListQuery = z.object({
  status: ScheduleStatus.optional(),
  contentKind: ScheduleContentKind.optional(),
  contentId: ItemId.optional(),
  createdBy: UserId.optional(),
  /** Title search: schedules whose title contains every word (case-insensitive). */
  q: z.string().trim().min(1).max(200).optional(),
  from: IsoTime.optional(),
  to: IsoTime.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: z.string().max(200).optional(),
});
export type ScheduleListQuery = z.infer<typeof ScheduleListQuery>;
export const ScheduleListResponse = z.object({ items: z.array(ScheduleView), nextCursor: z.string().nullable() });

export const ScheduleActionKind = z.enum(['publish', 'unpublish', 'remind', 'step', 'rollback', 'cancel', 'create', 'update', 'pause', 'resume', 'promote']);
export const ScheduleHistoryRow = z.object({
  id: z.number().int(),
  scheduleId: UuidV7,
  occurrence: z.number().int().min(0).nullable(),
  action: ScheduleActionKind,
  actor: z.string().describe('user id, key id, or "alarm" for fired actions'),
  at: IsoTime,
  result: z.enum(['ok', 'error', 'skipped']),
  durationMs: z.number().int().min(0),
  detail: z.string().nullable(),
});
export type ScheduleHistoryRow = z.infer<typeof ScheduleHistoryRow>;

/** Batch create / update / cancel: every item is handled on its own; results come back by index. */
export const ScheduleBatchRequest = z.object({
  create: z.array(z.unknown()).max(200).default([]),
  update: z.array(z.object({ id: UuidV7, patch: z.unknown() })).max(200).default([]),
  cancel: z.array(UuidV7).max(200).default([]),
});
export const ScheduleBatchItemResult = z.object({
  index: z.number().int().min(0),
  ok: z.boolean(),
  schedule: ScheduleView.optional(),
  error: z.object({ code: z.string(), message: z.string(), field: z.string().optional() }).optional(),
});
export const ScheduleBatchResponse = z.object({
  create: z.array(ScheduleBatchItemResult),
  update: z.array(ScheduleBatchItemResult),
  cancel: z.array(ScheduleBatchItemResult),
});
export type ScheduleBatchResponse = z.infer<typeof ScheduleBatchResponse>;

export const ScheduleTemplate = z.object({
  id: UuidV7,
  name: z.string().min(1).max(100),
  scope: z.enum(['system', 'user']),
  /** Defaults a schedule created from the template starts with; the request overrides them. */
  defaults: z.object({
    contentKind: ScheduleContentKind.optional(),
    action: ScheduleAction.optional(),
    priority: z.number().int().min(0).max(100).optional(),
    recurrence: Recurrence.nullable().optional(),
    strategy: Strategy.optional(),
    remindMinutesBefore: z.number().int().min(1).max(7 * 24 * 60).nullable().optional(),
    maxRetries: z.number().int().min(0).max(10).optional(),
    durationMinutes: z.number().int().min(1).max(366 * 24 * 60).nullable().optional(),
    notifySubscribers: z.boolean().optional(),
  }),
  usageCount: z.number().int().min(0),
  createdBy: z.string(),
  createdAt: IsoTime,
});
export type ScheduleTemplate = z.infer<typeof ScheduleTemplate>;
export const CreateTemplateRequest = ScheduleTemplate.pick({ name: true, defaults: true }).extend({
  scope: z.enum(['system', 'user']).default('user'),
});
/** Template edit: a new name and/or new defaults (replacing the old defaults as a whole). System templates are not edited. */
export const UpdateTemplateRequest = z
  .object({ name: z.string().min(1).max(100), defaults: ScheduleTemplate.shape.defaults })
  .partial()
  .refine((b) => b.name !== undefined || b.defaults !== undefined, 'give name or defaults');
/** Apply = create a schedule from the template; the body carries what the template lacks. */
export const ApplyTemplateRequest = z.object({
  contentId: ItemId,
  scheduledAt: IsoTime,
  title: z.string().min(1).max(200),
  contentKind: ScheduleContentKind.optional(),
  description: z.string().max(2000).optional(),
});

export const CalendarQuery = z.object({
  view: z.enum(['month', 'week', 'day']).default('month'),
  /** Any local date inside the period, YYYY-MM-DD. */
  date: z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be YYYY-MM-DD'),
  timeZone: z.string().min(1).max(64).default('UTC'),
});
export const CalendarEntry = z.object({
  scheduleId: UuidV7,
  occurrence: z.number().int().min(0),
  at: IsoTime,
  /** A regional schedule has one entry per region, at that region's planned local time. */
  region: Slug.optional(),
  title: z.string(),
  contentKind: ScheduleContentKind,
  contentId: ItemId,
  action: ScheduleAction,
  status: ScheduleStatus,
  priority: z.number().int(),
});
export const CalendarResponse = z.object({
  view: z.enum(['month', 'week', 'day']),
  timeZone: z.string(),
  from: IsoTime,
  to: IsoTime,
  /** Keyed by local date (month/week) or local hour "YYYY-MM-DDTHH" (day). */
  buckets: z.array(z.object({ key: z.string(), count: z.number().int(), entries: z.array(CalendarEntry) })),
});
export type CalendarResponse = z.infer<typeof CalendarResponse>;

export const SchedulingStats = z.object({
  byStatus: z.record(z.string(), z.number().int()),
  dueNext24h: z.number().int(),
  actions: z.object({ ok: z.number().int(), error: z.number().int(), avgDurationMs: z.number() }),
  /** Fired actions by kind (publish, unpublish, remind, step): successes and failed attempts, for a success rate. */
  actionsByKind: z.record(z.string(), z.object({ ok: z.number().int(), error: z.number().int() })),
  /** Schedules by content kind (type share) and by strategy kind (strategy use). */
  byContentKind: z.record(z.string(), z.number().int()),
  byStrategy: z.record(z.string(), z.number().int()),
  nextAlarmAt: IsoTime.nullable(),
  outboxPending: z.number().int(),
  /** Completed publish/unpublish actions: completion time minus planned time. */
  lateness: z.object({ fired: z.number().int(), p50Ms: z.number(), p99Ms: z.number(), maxMs: z.number() }),
});
export type SchedulingStats = z.infer<typeof SchedulingStats>;

export const ScheduleSettings = z.object({
  retryBaseMs: z.number().int().min(100).max(3_600_000).default(30_000),
  defaultTimeZone: z.string().min(1).max(64).default('UTC'),
});
export type ScheduleSettings = z.infer<typeof ScheduleSettings>;

/** Legacy rows `video_id, scheduled_publish_at` from the old system. */
export const LegacyScheduleRow = z.object({ video_id: ItemId, scheduled_publish_at: z.string().min(1) });
/** Promote the winner of an A/B publish: its content to everyone from now on, the other variants hidden. */
export const PromoteWinnerRequest = z.object({ variant: Slug });
/** Resume a paused schedule: a held step and whatever fell due while paused run now; `skipGates` runs a held step without re-checking its gates. */
export const ResumeScheduleRequest = z.object({ skipGates: z.boolean().default(false) });

export const SuggestTimeQuery = z.object({
  timeZone: z.string().min(1).max(64).default('UTC'),
  days: z.coerce.number().int().min(1).max(90).default(28),
  n: z.coerce.number().int().min(1).max(10).default(3),
});
export const SuggestTimeResponse = z.object({
  timeZone: z.string(),
  /** Best hours first; `nextAt` is the next future instant of that weekday/hour in the zone. */
  suggestions: z.array(z.object({ weekday: z.number().int().min(1).max(7), hour: z.number().int().min(0).max(23), users: z.number().int(), nextAt: IsoTime })),
});
export type SuggestTimeResponse = z.infer<typeof SuggestTimeResponse>;

export const ImportLegacyRequest = z.object({ rows: z.array(z.unknown()).min(1).max(1000) });

/** What the Scheduler emits on the event path (through the outbox) when it changes content state. */
export const ScheduleEventBody = z.object({
  scheduleId: UuidV7,
  occurrence: z.number().int().min(0),
  action: z.enum(['publish', 'unpublish', 'remind', 'step', 'rollback', 'gate_failed']),
  contentKind: ScheduleContentKind,
  contentId: ItemId,
  percent: z.number().min(0).max(100).optional(),
  /** Set on a publish whose schedule asked for subscriber notification. */
  notifySubscribers: z.boolean().optional(),
  /** Who caused it: a user or key id, or "alarm" for a fired action. */
  actor: z.string().min(1).max(128),
});
export type ScheduleEventBody = z.infer<typeof ScheduleEventBody>;


// ---------------------------------------------------------------------------------------------
// Stats broadcaster (Broadcaster Durable Object, one per tenant).

export const BroadcastItem = z.object({
  itemId: ItemId,
  platform: Slug,
  /** The platform's own video id for live statistics (YouTube video id, TikTok / Douyin item id); default itemId. */
  externalId: z.string().min(1).max(128).regex(/^[A-Za-z0-9_@.:=-]+$/, 'a platform video id').optional(),
});
export type BroadcastItem = z.infer<typeof BroadcastItem>;

/**
 * Where a task's numbers come from: `platform` = this platform's own play/like counts in ClickHouse;
 * `live` = each item's live statistics from its platform's API (YouTube Data API, TikTok Display
 * API, Douyin open platform) through the broadcaster's statistics fetchers.
 */
export const BroadcastStatsSource = z.enum(['platform', 'live']);
export type BroadcastStatsSource = z.infer<typeof BroadcastStatsSource>;

/** Platforms whose numbers count into the receiver's `yt_*` fields unless a task maps them elsewhere. */
export const DEFAULT_PLATFORM_MAPPING: Readonly<Record<string, string>> = { youtube: 'yt', douyin: 'yt' };

/** A receiver bucket: the prefix of `<bucket>_view_count` / `<bucket>_like_count`. */
export const BroadcastBucket = z.string().regex(/^[a-z][a-z0-9]{0,31}$/, 'a bucket is lowercase letters and digits, e.g. yt');

export const CreateBroadcasterTaskRequest = z.object({
  taskId: Slug,
  targetUrl: z.string().url().refine((u) => /^https?:/.test(u), 'must be http(s)'),
  secretRef: z.string().min(1).max(64),
  intervalSeconds: z.number().int().min(60).max(86_400).default(180),
  active: z.boolean().default(true),
  siteName: z.string().min(1).max(100),
  /** The receiver's project this task reports for (its `project_id`). */
  projectId: z.uuid(),
  /** The receiver's numeric task id (its `task_id`). */
  receiverTaskId: z.number().int().positive().max(Number.MAX_SAFE_INTEGER),
  /** The receiver's `duration` for this task, passed through as given. */
  duration: z.number().int().min(0).max(10_000_000),
  statsSource: BroadcastStatsSource.default('platform'),
  items: z.array(BroadcastItem).max(500).default([]),
  /**
   * Platform → receiver bucket its numbers count into. Merged over DEFAULT_PLATFORM_MAPPING
   * (youtube and douyin → yt), so {tiktok: "yt"} also folds TikTok into yt_*.
   */
  platformMapping: z.record(Slug, BroadcastBucket).default({}),
  maxRetries: z.number().int().min(0).max(10).default(3),
});
export type CreateBroadcasterTaskRequest = z.infer<typeof CreateBroadcasterTaskRequest>;

export const BroadcasterTaskView = BroadcasterTask.extend({
  siteName: z.string(),
  projectId: z.string(),
  receiverTaskId: z.number().int(),
  duration: z.number().int(),
  statsSource: BroadcastStatsSource,
  items: z.array(BroadcastItem),
  platformMapping: z.record(z.string(), z.string()),
  maxRetries: z.number().int(),
  nextRunAt: IsoTime.nullable(),
  lastRunAt: IsoTime.nullable(),
  lastStatus: z.number().int().nullable(),
  lastError: z.string().nullable(),
  consecutiveFailures: z.number().int(),
  /** True when the last post re-sent some last good numbers because their source failed. */
  stale: z.boolean(),
  /** Why statistics were stale or missing on the last run, one line per failed source or item. */
  statsErrors: z.array(z.string()),
});
export type BroadcasterTaskView = z.infer<typeof BroadcasterTaskView>;

const COUNT_FIELD = /^[a-z][a-z0-9]{0,31}_(view|like)_count$/;

/**
 * One task's numbers in the receiver's (X2C Pool) format. `account_count` and `yt_account_count`
 * are always 0; a `<bucket>_view_count` / `<bucket>_like_count` is present only when at least one
 * of the task's items has a value for it (no data → the field is absent, never 0 or null).
 */
export const BroadcastStat = z
  .object({
    project_id: z.uuid(),
    task_id: z.number().int().positive(),
    duration: z.number().int().min(0),
    account_count: z.literal(0),
    yt_account_count: z.literal(0),
    yt_view_count: z.number().int().min(0).optional(),
    yt_like_count: z.number().int().min(0).optional(),
  })
  .loose()
  .superRefine((o, ctx) => {
    for (const [k, v] of Object.entries(o)) {
      if (['project_id', 'task_id', 'duration', 'account_count', 'yt_account_count'].includes(k)) continue;
      if (!COUNT_FIELD.test(k)) ctx.addIssue({ code: 'custom', message: `unknown field ${k}`, path: [k] });
      else if (!Number.isSafeInteger(v) || (v as number) < 0) ctx.addIssue({ code: 'custom', message: 'a count is a non-negative integer', path: [k] });
    }
  });
export type BroadcastStat = z.infer<typeof BroadcastStat>;

/** Body of every webhook post (the receiver's format); signed as HMAC-SHA256 over `${X-Timestamp}.${body}`. */
export const BroadcastPayload = z.object({ site_name: z.string().min(1), stats: z.array(BroadcastStat).min(1) }).strict();
export type BroadcastPayload = z.infer<typeof BroadcastPayload>;

export const CallbackLogRow = z.object({
  id: z.number().int(),
  taskId: z.string(),
  at: IsoTime,
  attempt: z.number().int(),
  trigger: z.enum(['alarm', 'manual']),
  ok: z.boolean(),
  status: z.number().int().nullable(),
  durationMs: z.number().int(),
  error: z.string().nullable(),
  /** The post carried some last good numbers because their live source failed. */
  stale: z.boolean(),
});
export type CallbackLogRow = z.infer<typeof CallbackLogRow>;

export const BroadcasterStatus = z.object({
  running: z.boolean(),
  nextAlarmAt: IsoTime.nullable(),
  tasks: z.array(BroadcasterTaskView),
});

/** Scheduling's string config (vars and secrets), parsed from the Worker bindings. */
export const SchedulingEnv = z.object({
  MESSAGING_API_URL: z.string().url().optional(),
  MESSAGING_API_TOKEN: z.string().optional(),
  MESSAGING_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  /** First retry delay of a failed campaign batch (doubling, capped at a minute). */
  CAMPAIGN_RETRY_BASE_MS: z.coerce.number().int().min(100).max(60_000).default(2_000),
  BROADCAST_WEBHOOK_SECRETS: z
    .string()
    .default('{}')
    .refine((s) => {
      try {
        const v = JSON.parse(s);
        return typeof v === 'object' && v !== null && Object.values(v).every((x) => typeof x === 'string' && x.length >= 16);
      } catch {
        return false;
      }
    }, 'must be a JSON object {secretRef: secret of at least 16 characters}'),
  BROADCAST_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5_000),
  /** Analytics for broadcaster stats; absent → last known numbers are re-sent, flagged stale. */
  CLICKHOUSE_URL: z.string().url().optional(),
  CLICKHOUSE_DATABASE: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).default('vidplat'),
  CLICKHOUSE_USER: z.string().default('default'),
  CLICKHOUSE_PASSWORD: z.string().default(''),
  /** Live statistics fetchers (secrets; a platform without one answers "not configured" and its items stay stale). */
  YOUTUBE_API_KEY: z.string().min(1).optional(),
  YOUTUBE_API_URL: z.string().url().default('https://www.googleapis.com/youtube/v3'),
  /** TikTok Display API user access token (scope video.list) of the account that owns the videos. */
  TIKTOK_ACCESS_TOKEN: z.string().min(1).optional(),
  TIKTOK_API_URL: z.string().url().default('https://open.tiktokapis.com'),
  /** Douyin open platform user access token and the open_id it was issued for. */
  DOUYIN_ACCESS_TOKEN: z.string().min(1).optional(),
  DOUYIN_OPEN_ID: z.string().min(1).optional(),
  DOUYIN_API_URL: z.string().url().default('https://open.douyin.com'),
  /** Per-request timeout of a statistics fetch, and how many times a transient failure is retried. */
  STATS_FETCH_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(4_000),
  STATS_FETCH_RETRIES: z.coerce.number().int().min(0).max(5).default(2),
  STATS_FETCH_RETRY_BASE_MS: z.coerce.number().int().min(10).max(10_000).default(250),
});
export type SchedulingEnv = z.infer<typeof SchedulingEnv>;

// ---------------------------------------------------------------------------------------------
// Message campaigns (Campaign Durable Object, one per campaign).

/** Multicast limit of the messaging API (LINE: 500 recipients per request). */
export const CAMPAIGN_MAX_BATCH = 500;

/** A message template variable: `{{name}}` in the title or body. */
export const TemplateVariable = z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]{0,39}$/, 'variable names are letters, digits and _ (up to 40)');
/** Variables every message can use without a default: the recipient's platform user id. */
export const BUILTIN_MESSAGE_VARIABLES = ['userId'] as const;

/**
 * Platform users (listed and/or a segment). Each is addressed through its linked LINE user id
 * (line_links); users without a link are counted as skipped, never sent.
 */
export const CampaignAudience = z
  .object({
    userIds: z.array(UserId).max(1_000_000).optional(),
    /** `enrolled:<courseId>`: every user enrolled in the course (catalogue enrolments). */
    segment: z.string().regex(/^enrolled:[A-Za-z0-9_.:-]+$/, 'supported segments: enrolled:<courseId>').optional(),
    /** Per-user values of the message's template variables (a user without one gets the default). */
    variables: z.record(UserId, z.record(TemplateVariable, z.string().max(500))).optional(),
  })
  .refine((a) => (a.userIds?.length ?? 0) > 0 || a.segment, 'give userIds or a segment');

/** A campaign message: title and body may hold `{{variable}}` placeholders, each with a default (or built in). */
export const CampaignMessage = z.object({
  title: z.string().min(1).max(200),
  body: z.string().min(1).max(4000),
  link: z.string().url().optional(),
  defaults: z.record(TemplateVariable, z.string().max(500)).default({}),
});

export const CreateCampaignRequest = z.object({
  name: z.string().min(1).max(200),
  message: CampaignMessage,
  audience: CampaignAudience,
  /** Absent (and no sendNow): the campaign stays a draft until scheduled or sent now. */
  sendAt: IsoTime.optional(),
  /** Start sending at once (instead of sendAt). */
  sendNow: z.boolean().default(false),
  /** Recurring: the same audience (resolved again) at each occurrence of sendAt, like schedules. */
  recurrence: Recurrence.nullable().default(null),
  batchSize: z.number().int().min(1).max(CAMPAIGN_MAX_BATCH).default(CAMPAIGN_MAX_BATCH),
  ratePerSecond: z.number().positive().max(10_000).default(50),
  maxRetries: z.number().int().min(0).max(10).default(3),
});
export type CreateCampaignRequest = z.infer<typeof CreateCampaignRequest>;
export const ScheduleCampaignRequest = z.object({ sendAt: IsoTime });

/** Delivery counts in messages (recipients), not batches. */
export const CampaignDeliveryStats = z.object({
  /** Audience users with a linked LINE id (addressed). */
  recipients: z.number().int(),
  sent: z.number().int(),
  failed: z.number().int(),
  /** Audience users without a linked LINE id: not sent. */
  skipped: z.number().int(),
  pending: z.number().int(),
});
export const CampaignView = z.object({
  id: UuidV7,
  tenantId: TenantId,
  name: z.string(),
  message: CampaignMessage,
  audience: z.object({ segment: z.string().optional(), userCount: z.number().int() }),
  recurrence: Recurrence.nullable(),
  /** The current run (0-based; a recurring campaign's runs so far are in `runs`). */
  run: z.number().int(),
  /** This run's delivery statistics. */
  stats: CampaignDeliveryStats,
  runs: z.array(CampaignDeliveryStats.extend({ run: z.number().int(), startedAt: IsoTime.nullable(), completedAt: IsoTime })),
  sendAt: IsoTime.nullable(),
  status: CampaignStatus,
  batchSize: z.number().int(),
  ratePerSecond: z.number(),
  recipients: z.number().int().describe('resolved recipients (0 before the send starts)'),
  batches: z.object({ total: z.number().int(), sent: z.number().int(), pending: z.number().int(), failed: z.number().int() }),
  sentCount: z.number().int(),
  error: z.string().nullable(),
  createdBy: z.string(),
  createdAt: IsoTime,
  updatedAt: IsoTime,
});
export type CampaignView = z.infer<typeof CampaignView>;

export const CampaignBatchView = z.object({
  batchNo: z.number().int(),
  size: z.number().int(),
  state: z.enum(['pending', 'sending', 'sent', 'failed']),
  idempotencyKey: z.string(),
  attempts: z.number().int(),
  lastError: z.string().nullable(),
  sentAt: IsoTime.nullable(),
});
export type CampaignBatchView = z.infer<typeof CampaignBatchView>;
/** GET /v1/admin/campaigns/{id}/batches: the current run's batches in order. */
export const CampaignBatchListResponse = z.array(CampaignBatchView);
/** GET /v1/admin/campaigns: the tenant's latest campaigns (newest first, at most 200). */
export const CampaignSummary = z.object({ id: UuidV7, name: z.string(), status: CampaignStatus, sendAt: IsoTime.nullable(), sentCount: z.number().int(), updatedAt: IsoTime });
export const CampaignListResponse = z.object({ items: z.array(CampaignSummary) });
