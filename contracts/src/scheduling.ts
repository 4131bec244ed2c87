import { z } from 'zod';
import { IsoTime } from './envelope.js';
import { ItemId, Slug, TenantId, UserId, UuidV7 } from './ids.js';

export const ScheduleContentKind = z.enum(['video', 'banner', 'announcement', 'recommendation_slot', 'series']);
export const ScheduleAction = z.enum(['publish', 'unpublish']);
export const ScheduleStatus = z.enum(['pending', 'published', 'failed', 'cancelled', 'expired']);
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
        maxErrorRate: z.number().min(0).max(1).optional(),
      })
      .default({}),
  }),
  z.object({ kind: z.literal('regional'), regions: z.array(z.object({ region: Slug, localTime: z.string().regex(/^\d{2}:\d{2}$/), timeZone: z.string() })).min(1) }),
  z.object({ kind: z.literal('ab'), variants: z.array(z.object({ variant: Slug, contentId: ItemId, percent: z.number().min(0).max(100) })).min(2) }),
]);

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
