import { z } from 'zod';
import { Slug } from './ids.js';

/**
 * Analytics admin API (/v1/admin/analytics/*): query strings, responses, and the experiment
 * report. Dates are UTC calendar days 'YYYY-MM-DD'; `to` is inclusive.
 */
export const ANALYTICS_MAX_RANGE_DAYS_DEFAULT = 366;

export const IsoDate = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date YYYY-MM-DD')
  .refine((s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s), 'not a calendar date');

export const DateRangeQuery = z.object({ from: IsoDate, to: IsoDate });
export type DateRangeQuery = z.infer<typeof DateRangeQuery>;

/** Daily series a dashboard can chart; anything else is an unknown metric (400, field `metric`). */
export const TrendMetric = z.enum(['events', 'impressions', 'clicks', 'plays', 'completions', 'active_users', 'watch_seconds', 'purchases', 'enrolments', 'ctr']);
export type TrendMetric = z.infer<typeof TrendMetric>;

/** Per-item rankings for the item distribution. */
export const ItemMetric = z.enum(['impressions', 'clicks', 'plays', 'completions', 'watch_seconds', 'likes', 'shares', 'purchases']);
export type ItemMetric = z.infer<typeof ItemMetric>;

export const TrendsQuery = DateRangeQuery.extend({
  metrics: z
    .string()
    .default('events,active_users,plays,ctr')
    .transform((s) => s.split(',').map((m) => m.trim()).filter(Boolean))
    .pipe(z.array(TrendMetric).min(1).max(10)),
});
export const ItemsQuery = DateRangeQuery.extend({ metric: ItemMetric.default('plays'), limit: z.coerce.number().int().min(1).max(200).default(20) });
export const VideoQuery = DateRangeQuery.extend({ itemId: Slug.optional() });
const validTimeZone = (tz: string) => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
};
export const HeatmapQuery = DateRangeQuery.extend({
  timeZone: z.string().min(1).max(64).default('UTC').refine(validTimeZone, 'unknown IANA time zone'),
  suggestions: z.coerce.number().int().min(1).max(24).default(3),
});
export const ScheduleStatsQuery = z.object({ timeZone: z.string().min(1).max(64).default('UTC').refine(validTimeZone, 'unknown IANA time zone') });
/**
 * Publishing outcomes from the Scheduler's schedule events in events_raw (type 'schedule'), counted
 * once per (schedule, occurrence). Pending schedules live in the Scheduler, not here.
 */
export const ScheduleStats = z.object({
  timeZone: z.string(),
  publishedToday: z.number(),
  publishedThisWeek: z.number(),
  unpublishedToday: z.number(),
  failedThisWeek: z.number(),
  source: z.enum(['schedule_events', 'empty']),
});
export type ScheduleStats = z.infer<typeof ScheduleStats>;
export const HotCoursesQuery = DateRangeQuery.extend({ limit: z.coerce.number().int().min(1).max(100).default(10) });

export const Overview = z.object({
  from: IsoDate,
  to: IsoDate,
  events: z.number(),
  activeUsers: z.number(),
  activeItems: z.number(),
  impressions: z.number(),
  clicks: z.number(),
  ctr: z.number(),
  plays: z.number(),
  completions: z.number(),
  completionRate: z.number(),
  watchHours: z.number(),
  purchases: z.number(),
  revenueCents: z.number(),
  enrolments: z.number(),
  /** Learners who completed a course (the catalogue's course_complete events). */
  courseCompletions: z.number(),
});
export type Overview = z.infer<typeof Overview>;

export const TrendPoint = z.object({ day: IsoDate }).catchall(z.number());
export const Trends = z.object({ metrics: z.array(TrendMetric), points: z.array(TrendPoint) });
export type Trends = z.infer<typeof Trends>;

export const ItemDistribution = z.object({
  metric: ItemMetric,
  items: z.array(z.object({ itemId: z.string(), value: z.number(), share: z.number() })),
  /** Histogram of the metric over all items (log2 buckets): how concentrated attention is. */
  buckets: z.array(z.object({ low: z.number(), high: z.number(), items: z.number() })),
  totalItems: z.number(),
  giniCoefficient: z.number(),
});
export type ItemDistribution = z.infer<typeof ItemDistribution>;

export const Behaviour = z.object({
  byType: z.array(z.object({ type: z.string(), events: z.number(), users: z.number() })),
  funnel: z.array(z.object({ step: z.string(), users: z.number(), rateFromPrevious: z.number() })),
  byDevice: z.array(z.object({ device: z.string(), events: z.number() })),
  eventsPerUser: z.object({ mean: z.number(), p50: z.number(), p90: z.number(), p99: z.number() }),
});
export type Behaviour = z.infer<typeof Behaviour>;

export const VideoStats = z.object({
  plays: z.number(),
  uniqueViewers: z.number(),
  completions: z.number(),
  completionRate: z.number(),
  /** Mean of max(position)/duration per (viewer, video) play session. */
  avgCompletion: z.number(),
  watchHours: z.number(),
  /** Viewer–video pairs that reached 25 / 50 / 75 % (the server's progress milestones) and the end (completion). */
  reached: z.object({ p25: z.number(), p50: z.number(), p75: z.number(), p100: z.number() }),
  byDay: z.array(z.object({ day: IsoDate, plays: z.number(), uniqueViewers: z.number(), completions: z.number(), avgCompletion: z.number() })),
  topVideos: z.array(z.object({ itemId: z.string(), plays: z.number(), uniqueViewers: z.number(), completions: z.number(), avgCompletion: z.number() })),
});
export type VideoStats = z.infer<typeof VideoStats>;

export const PublishHeatmap = z.object({
  timeZone: z.string(),
  /** 7×24 cells, weekday 1=Monday … 7=Sunday (ISO), hour 0–23 in timeZone. */
  cells: z.array(z.object({ weekday: z.number().int().min(1).max(7), hour: z.number().int().min(0).max(23), engagement: z.number(), users: z.number() })),
  /** Best publish slots: the hours with the most engaged users, best first. */
  suggestions: z.array(z.object({ weekday: z.number().int(), hour: z.number().int(), score: z.number(), reason: z.string() })),
});
export type PublishHeatmap = z.infer<typeof PublishHeatmap>;

export const HotCourses = z.object({
  /**
   * score: enrolments weighted by recency (half-life 7 days) with paid ones counting double;
   * completions: learners who completed the course in the range (course_complete events).
   */
  courses: z.array(
    z.object({ courseId: z.string(), enrolments: z.number(), paid: z.number(), learners: z.number(), completions: z.number(), lastEnrolment: z.string(), score: z.number() }),
  ),
});
export type HotCourses = z.infer<typeof HotCourses>;

// ---- experiments ----------------------------------------------------------------------------

export const ExperimentMetric = z.enum(['click_rate', 'play_rate', 'completion_rate', 'purchase_rate', 'watch_seconds', 'revenue_cents', 'events_per_user']);
export type ExperimentMetric = z.infer<typeof ExperimentMetric>;

const metricList = z
  .string()
  .transform((s) => s.split(',').map((m) => m.trim()).filter(Boolean))
  .pipe(z.array(ExperimentMetric).max(7));

export const ExperimentQuery = DateRangeQuery.extend({
  control: Slug.optional(),
  primary: ExperimentMetric.default('click_rate'),
  secondary: metricList.default(['watch_seconds', 'play_rate']),
  guardrail: metricList.default(['completion_rate']),
  /** Configured split, e.g. "control:50,b:50"; equal weights when omitted. */
  weights: z
    .string()
    .regex(/^[A-Za-z0-9_.:-]+:\d+(\.\d+)?(,[A-Za-z0-9_.:-]+:\d+(\.\d+)?)*$/, 'must be variant:weight[,variant:weight…]')
    .optional(),
  alpha: z.coerce.number().gt(0).lt(0.5).default(0.05),
  /** Minimum detectable effect relative to control, for the sample-size target. */
  mde: z.coerce.number().gt(0).lt(10).default(0.1),
});
export type ExperimentQuery = z.infer<typeof ExperimentQuery>;

export const IntervalSchema = z.object({ low: z.number(), high: z.number(), level: z.number() });

export const MetricRole = z.enum(['primary', 'secondary', 'guardrail']);
export const Decision = z.enum(['ship', 'rollback', 'stop_guardrail', 'invalid_srm', 'keep_running', 'no_difference', 'insufficient_data']);
export type Decision = z.infer<typeof Decision>;

export const MetricReport = z.object({
  metric: ExperimentMetric,
  role: MetricRole,
  kind: z.enum(['proportion', 'mean']),
  higherIsBetter: z.boolean(),
  variants: z.array(z.object({ variant: z.string(), n: z.number(), estimate: z.number(), interval: IntervalSchema })),
  comparisons: z.array(
    z.object({
      variant: z.string(),
      test: z.enum(['welch_t', 'two_proportion_z']),
      difference: z.number(),
      relative: z.number().nullable(),
      interval: IntervalSchema,
      statistic: z.number(),
      df: z.number().optional(),
      pValue: z.number(),
      alwaysValidPValue: z.number(),
      significant: z.boolean(),
      outcome: z.enum(['better', 'worse', 'inconclusive']),
    }),
  ),
});
export type MetricReport = z.infer<typeof MetricReport>;

export const ExperimentReport = z.object({
  experimentId: z.string(),
  from: IsoDate,
  to: IsoDate,
  control: z.string(),
  alpha: z.number(),
  variants: z.array(z.object({ variant: z.string(), units: z.number(), weight: z.number() })),
  srm: z.object({ chiSquare: z.number(), df: z.number(), pValue: z.number(), mismatch: z.boolean() }),
  metrics: z.array(MetricReport),
  sampleSize: z.object({ metric: ExperimentMetric, requiredPerVariant: z.number(), smallestVariant: z.number(), mde: z.number() }).nullable(),
  allocation: z.array(z.object({ variant: z.string(), probabilityBest: z.number(), share: z.number() })),
  looks: z.number().int(),
  verdict: z.object({ decision: Decision, variant: z.string().nullable(), summary: z.string(), reasons: z.array(z.string()) }),
});
export type ExperimentReport = z.infer<typeof ExperimentReport>;

export const ExperimentList = z.object({
  experiments: z.array(z.object({ experimentId: z.string(), variants: z.array(z.string()), users: z.number(), firstSeen: z.string(), lastSeen: z.string() })),
});
export type ExperimentList = z.infer<typeof ExperimentList>;

/** Sample-size calculator: units per variant to detect a relative change `mde` of the baseline. */
export const SampleSizeQuery = z
  .object({
    kind: z.enum(['proportion', 'mean']).default('proportion'),
    baseline: z.coerce.number().refine(Number.isFinite, 'must be a number'),
    mde: z.coerce.number().gt(0).lt(10),
    sd: z.coerce.number().gt(0).optional(),
    alpha: z.coerce.number().gt(0).lt(0.5).default(0.05),
    power: z.coerce.number().gt(0.5).lt(1).default(0.8),
    variants: z.coerce.number().int().min(2).max(10).default(2),
  })
  .superRefine((q, ctx) => {
    if (q.kind === 'proportion' && !(q.baseline > 0 && q.baseline < 1)) ctx.addIssue({ code: 'custom', path: ['baseline'], message: 'a proportion baseline must be in (0, 1)' });
    if (q.kind === 'proportion' && q.baseline * (1 + q.mde) >= 1) ctx.addIssue({ code: 'custom', path: ['mde'], message: 'baseline × (1 + mde) must stay below 1' });
    if (q.kind === 'mean' && q.sd === undefined) ctx.addIssue({ code: 'custom', path: ['sd'], message: 'sd is required for a mean' });
    if (q.kind === 'mean' && q.baseline === 0) ctx.addIssue({ code: 'custom', path: ['baseline'], message: 'a relative effect needs a non-zero baseline' });
  });
export type SampleSizeQuery = z.infer<typeof SampleSizeQuery>;
export const SampleSizeResult = z.object({ perVariant: z.number().int(), total: z.number().int(), query: z.object({}).catchall(z.unknown()) });
export type SampleSizeResult = z.infer<typeof SampleSizeResult>;

// ---- export ---------------------------------------------------------------------------------

export const ExportDataset = z.enum(['interactions', 'items', 'profiles']);
export type ExportDataset = z.infer<typeof ExportDataset>;
export const ExportFormat = z.enum(['ndjson', 'csv']);
export type ExportFormat = z.infer<typeof ExportFormat>;
