import { z } from 'zod';
import { IsoTime } from './envelope.js';
import { ItemId, Slug, TenantId, UserId } from './ids.js';

/**
 * Outputs of the stream window processors: Kafka messages on the `*-updates` topics and the
 * ClickHouse window rows. Window rows are per source partition (the processors aggregate each
 * Kafka partition on its own so a replay after a crash rebuilds exactly the same rows); readers
 * sum over `source_partition`. `version` is the number of events in the row, so the most complete
 * version of a window wins in ReplacingMergeTree.
 */

export const WindowBounds = z.object({ windowStart: IsoTime, windowEnd: IsoTime });

/** Counts per action type inside one window. */
export const ActionCounts = z.object({
  impressions: z.number().int().min(0),
  clicks: z.number().int().min(0),
  plays: z.number().int().min(0),
  completes: z.number().int().min(0),
  likes: z.number().int().min(0),
  shares: z.number().int().min(0),
  comments: z.number().int().min(0),
  purchases: z.number().int().min(0),
  /** Negative feedback (dislike, hide); 0 in messages written before these events existed. */
  dislikes: z.number().int().min(0).default(0),
  hides: z.number().int().min(0).default(0),
});
export type ActionCounts = z.infer<typeof ActionCounts>;

/** `item-stats-updates`: one item's heat in one 1-hour window (15-minute hop), one source partition. */
export const ItemStatsUpdate = WindowBounds.extend({
  tenantId: TenantId,
  scenario: z.string().max(128),
  itemId: ItemId,
  sourcePartition: z.number().int().min(0),
  events: z.number().int().min(0),
  counts: ActionCounts,
  /** Σ weight(action) × 2^(−age/halfLife), age measured to the window end. */
  heat: z.number().min(0),
  final: z.boolean().describe('false while late events within the allowed lateness may still update it'),
});
export type ItemStatsUpdate = z.infer<typeof ItemStatsUpdate>;

/** `user-profile-updates`: one user's activity in one 5-minute window. */
export const UserProfileUpdate = WindowBounds.extend({
  tenantId: TenantId,
  userId: UserId,
  events: z.number().int().min(0),
  counts: ActionCounts,
  watchSeconds: z.number().min(0),
  /** Interaction weight per category / author / item seen in the window (catalogue lookups). */
  categories: z.record(z.string(), z.number()),
  authors: z.record(z.string(), z.number()),
  activeHours: z.array(z.number().int().min(0).max(23)),
  recentItems: z.array(ItemId).max(50),
  final: z.boolean(),
});
export type UserProfileUpdate = z.infer<typeof UserProfileUpdate>;

/** `recommendation-metrics`: one tenant/scenario/item/variant in one 1-minute window. */
export const RecommendationMetric = WindowBounds.extend({
  tenantId: TenantId,
  scenario: z.string().max(128),
  itemId: ItemId,
  experimentId: z.string().max(128),
  variant: z.string().max(128),
  sourcePartition: z.number().int().min(0),
  impressions: z.number().int().min(0),
  clicks: z.number().int().min(0),
  plays: z.number().int().min(0),
  completes: z.number().int().min(0),
  interactions: z.number().int().min(0),
  watchSeconds: z.number().min(0),
  ctr: z.number().min(0),
  completionRate: z.number().min(0),
  avgWatchSeconds: z.number().min(0),
  interactionRate: z.number().min(0),
  final: z.boolean(),
});
export type RecommendationMetric = z.infer<typeof RecommendationMetric>;

/**
 * What a message on an `*-updates` topic carries: up to UPDATE_BATCH_MAX updates of one tenant,
 * keyed by tenant (so one tenant's updates stay in order). One message per window row cost the
 * broker more than all the window rows in ClickHouse (~68k messages/s against a few hundred
 * thousand rows per window close), so updates travel in batches.
 */
export const UPDATE_BATCH_MAX = 500;
const updateBatch = <T extends z.ZodType>(update: T) => z.object({ tenantId: TenantId, updates: z.array(update).min(1).max(UPDATE_BATCH_MAX) });
/** `item-stats-updates` message, version 1 (one object per update; superseded by ItemStatsUpdateChunk). */
export const ItemStatsUpdateBatch = updateBatch(ItemStatsUpdate);
export type ItemStatsUpdateBatch = z.infer<typeof ItemStatsUpdateBatch>;

/**
 * `item-stats-updates` message, version 2 (what the item-heat job sends): the same per-item meaning
 * as ItemStatsUpdate, columnar — one tenant/scenario/window/source partition and up to
 * UPDATE_CHUNK_MAX items, value i of every array belonging to itemIds[i]. A window close sends
 * one update per item window (263k for the 200k-event benchmark); as objects that was ~53 MB of
 * JSON and the largest write of the flush, columnar it is about a quarter of that, serialised natively.
 * `itemStatsUpdatesOf` turns either version of the message back into ItemStatsUpdate objects.
 */
export const UPDATE_CHUNK_MAX = 1000;
const column = <T extends z.ZodType>(v: T) => z.array(v).min(1).max(UPDATE_CHUNK_MAX);
const countColumn = column(z.number().int().min(0));
/** What every v2 chunk message shares: one tenant/scenario/window/source partition/final flag. */
const WindowChunkHead = WindowBounds.extend({
  v: z.literal(2),
  tenantId: TenantId,
  scenario: z.string().max(128),
  sourcePartition: z.number().int().min(0),
  final: z.boolean(),
});

/** Per-item columns of ItemStatsUpdateChunk besides itemIds, in wire order. */
export const ITEM_STATS_COLUMNS = ['events', 'impressions', 'clicks', 'plays', 'completes', 'likes', 'shares', 'comments', 'purchases', 'heat'] as const;
export const ItemStatsUpdateChunk = WindowChunkHead.extend({
  itemIds: column(ItemId),
  events: countColumn,
  impressions: countColumn,
  clicks: countColumn,
  plays: countColumn,
  completes: countColumn,
  likes: countColumn,
  shares: countColumn,
  comments: countColumn,
  purchases: countColumn,
  /** Absent in chunks written before dislike/hide events existed. */
  dislikes: countColumn.optional(),
  hides: countColumn.optional(),
  heat: column(z.number().min(0)),
}).refine((c) => ITEM_STATS_COLUMNS.every((k) => c[k].length === c.itemIds.length) && (c.dislikes?.length ?? c.itemIds.length) === c.itemIds.length && (c.hides?.length ?? c.itemIds.length) === c.itemIds.length, { message: 'every column has one value per item', path: ['itemIds'] });
export type ItemStatsUpdateChunk = z.infer<typeof ItemStatsUpdateChunk>;
/** Anything on `item-stats-updates`: v2 chunks, or v1 batches written before them. */
export const ItemStatsMessage = z.union([ItemStatsUpdateChunk, ItemStatsUpdateBatch]);
export type ItemStatsMessage = z.infer<typeof ItemStatsMessage>;

/** The per-item updates a message carries, whichever version it is. */
export function itemStatsUpdatesOf(m: ItemStatsMessage): ItemStatsUpdate[] {
  if (!('v' in m)) return m.updates;
  return m.itemIds.map((itemId, i) => ({
    windowStart: m.windowStart,
    windowEnd: m.windowEnd,
    tenantId: m.tenantId,
    scenario: m.scenario,
    itemId,
    sourcePartition: m.sourcePartition,
    events: m.events[i]!,
    counts: {
      impressions: m.impressions[i]!,
      clicks: m.clicks[i]!,
      plays: m.plays[i]!,
      completes: m.completes[i]!,
      likes: m.likes[i]!,
      shares: m.shares[i]!,
      comments: m.comments[i]!,
      purchases: m.purchases[i]!,
      dislikes: m.dislikes?.[i] ?? 0,
      hides: m.hides?.[i] ?? 0,
    },
    heat: m.heat[i]!,
    final: m.final,
  }));
}
/** `user-profile-updates` message. */
export const UserProfileUpdateBatch = updateBatch(UserProfileUpdate);
export type UserProfileUpdateBatch = z.infer<typeof UserProfileUpdateBatch>;
/** `recommendation-metrics` message, version 1 (one object per metric; superseded by RecommendationMetricChunk). */
export const RecommendationMetricBatch = updateBatch(RecommendationMetric);
export type RecommendationMetricBatch = z.infer<typeof RecommendationMetricBatch>;

/**
 * `recommendation-metrics` message, version 2 (what the real-time metrics job sends): one
 * tenant/scenario/1-minute window/source partition and up to UPDATE_CHUNK_MAX item × variant
 * rows, columnar like ItemStatsUpdateChunk. The ratios (CTR, completion, …) are not sent: they are
 * functions of the counts (metricRatios), which `recommendationMetricsOf` applies.
 */
export const METRIC_COLUMNS = ['experimentIds', 'variants', 'impressions', 'clicks', 'plays', 'completes', 'interactions', 'watchSeconds'] as const;
export const RecommendationMetricChunk = WindowChunkHead.extend({
  itemIds: column(ItemId),
  experimentIds: column(z.string().max(128)),
  variants: column(z.string().max(128)),
  impressions: countColumn,
  clicks: countColumn,
  plays: countColumn,
  completes: countColumn,
  interactions: countColumn,
  watchSeconds: column(z.number().min(0)),
}).refine((c) => METRIC_COLUMNS.every((k) => c[k].length === c.itemIds.length), { message: 'every column has one value per row', path: ['itemIds'] });
export type RecommendationMetricChunk = z.infer<typeof RecommendationMetricChunk>;
/** Anything on `recommendation-metrics`: v2 chunks, or v1 batches written before them. */
export const RecommendationMetricMessage = z.union([RecommendationMetricChunk, RecommendationMetricBatch]);
export type RecommendationMetricMessage = z.infer<typeof RecommendationMetricMessage>;

/** The per-row metrics a message carries, ratios included, whichever version it is. */
export function recommendationMetricsOf(m: RecommendationMetricMessage): RecommendationMetric[] {
  if (!('v' in m)) return m.updates;
  return m.itemIds.map((itemId, i) => {
    const counts = { impressions: m.impressions[i]!, clicks: m.clicks[i]!, plays: m.plays[i]!, completes: m.completes[i]!, interactions: m.interactions[i]!, watchSeconds: m.watchSeconds[i]! };
    return {
      windowStart: m.windowStart,
      windowEnd: m.windowEnd,
      tenantId: m.tenantId,
      scenario: m.scenario,
      itemId,
      experimentId: m.experimentIds[i]!,
      variant: m.variants[i]!,
      sourcePartition: m.sourcePartition,
      ...counts,
      ...metricRatios(counts),
      final: m.final,
    };
  });
}

/** Ratios derived from counts; 0 when the denominator is 0. */
export function metricRatios(m: { impressions: number; clicks: number; plays: number; completes: number; interactions: number; watchSeconds: number }) {
  const div = (a: number, b: number) => (b > 0 ? a / b : 0);
  return {
    ctr: div(m.clicks, m.impressions),
    completionRate: div(m.completes, m.plays),
    avgWatchSeconds: div(m.watchSeconds, m.plays),
    interactionRate: div(m.interactions, m.impressions),
  };
}

/**
 * ClickHouse `item_heat_panes` (what the item-heat job writes; the earlier one-row-per-window
 * `item_heat_windows` is kept for its history only). heat_micro[k] = the pane's heat decayed to the end of the k-th
 * 1-hour window containing it (k = 0..3, window end = pane_end + 15·k min), × 10⁶ rounded per event.
 */
export const ItemHeatPaneRow = z.object({
  tenant_id: z.string(),
  scenario: z.string(),
  item_id: z.string(),
  pane_start: z.string(),
  pane_end: z.string(),
  source_partition: z.number().int(),
  /** 0 for the pane's own row; k > 0 for a late correction that counts from the pane's k-th window on. */
  first_window: z.number().int().min(0).max(3),
  events: z.number().int(),
  impressions: z.number().int(),
  clicks: z.number().int(),
  plays: z.number().int(),
  completes: z.number().int(),
  likes: z.number().int(),
  shares: z.number().int(),
  comments: z.number().int(),
  purchases: z.number().int(),
  dislikes: z.number().int(),
  hides: z.number().int(),
  heat_micro: z.array(z.number().int()).length(4),
  version: z.number().int(),
  emitted_at: z.string(),
});
export type ItemHeatPaneRow = z.infer<typeof ItemHeatPaneRow>;

/** ClickHouse `metrics_windows`. */
export const MetricsWindowRow = z.object({
  tenant_id: z.string(),
  scenario: z.string(),
  item_id: z.string(),
  experiment_id: z.string(),
  variant: z.string(),
  window_start: z.string(),
  window_end: z.string(),
  source_partition: z.number().int(),
  events: z.number().int(),
  impressions: z.number().int(),
  clicks: z.number().int(),
  plays: z.number().int(),
  completes: z.number().int(),
  interactions: z.number().int(),
  watch_ms: z.number().int(),
  version: z.number().int(),
  emitted_at: z.string(),
});
export type MetricsWindowRow = z.infer<typeof MetricsWindowRow>;

/** ClickHouse `user_profile_windows`. Map columns hold interaction weights in 10⁻³ units. */
export const UserProfileWindowRow = z.object({
  tenant_id: z.string(),
  user_id: z.string(),
  window_start: z.string(),
  window_end: z.string(),
  source_partition: z.number().int(),
  events: z.number().int(),
  impressions: z.number().int(),
  clicks: z.number().int(),
  plays: z.number().int(),
  completes: z.number().int(),
  likes: z.number().int(),
  shares: z.number().int(),
  comments: z.number().int(),
  purchases: z.number().int(),
  dislikes: z.number().int(),
  hides: z.number().int(),
  watch_ms: z.number().int(),
  categories: z.record(z.string(), z.number().int()),
  authors: z.record(z.string(), z.number().int()),
  items: z.record(z.string(), z.number().int()),
  /** item → last interaction in the window, epoch ms (feeds the edge's recent-items list). */
  items_last: z.record(z.string(), z.number().int()),
  /** item → last dislike/hide in the window, epoch ms (repairs the edge's real-time negative list). */
  items_negative: z.record(z.string(), z.number().int()),
  active_hours: z.array(z.number().int()),
  version: z.number().int(),
  emitted_at: z.string(),
});
export type UserProfileWindowRow = z.infer<typeof UserProfileWindowRow>;

/**
 * ClickHouse `late_events`: events a window job did not fold, with the reason: `late` (arrived after
 * their windows were finalised, by their tenant's watermark) or `future` (dated beyond their Kafka
 * message time + the allowed skew).
 */
export const LateEventReason = z.enum(['late', 'future']);
export type LateEventReason = z.infer<typeof LateEventReason>;
export const LateEventRow = z.object({
  job: z.string(),
  tenant_id: z.string(),
  event_id: z.string(),
  event_time: z.string(),
  watermark: z.string(),
  reason: LateEventReason,
  source_partition: z.number().int(),
  source_offset: z.string(),
  payload: z.string(),
  recorded_at: z.string(),
});
export type LateEventRow = z.infer<typeof LateEventRow>;

/** ClickHouse `item_similarity`: top-K item-CF neighbours per item, one build per `version`. */
export const ItemSimilarityRow = z.object({
  tenant_id: z.string(),
  item_id: z.string(),
  neighbour_id: z.string(),
  score: z.number(),
  co_users: z.number().int(),
  version: z.number().int(),
});
export type ItemSimilarityRow = z.infer<typeof ItemSimilarityRow>;

/** Decayed user profile vector the edge reads at FeatureKeys.userProfile (a JSON string). */
export const UserProfileVector = z.object({
  v: z.number().int().min(0).describe('snapshot version'),
  at: z.number().describe('built at, epoch ms'),
  c: z.record(z.string(), z.number()).describe('category → decayed preference, max 1'),
  a: z.record(z.string(), z.number()).describe('author → decayed preference, max 1'),
  h: z.array(z.number().int().min(0).max(23)).describe('most active hours (UTC), most active first'),
  w: z.number().min(0).describe('decayed watch seconds'),
});
export type UserProfileVector = z.infer<typeof UserProfileVector>;

export const ItemSimilarityRunSummary = z.object({
  tenantId: TenantId,
  items: z.number().int(),
  pairs: z.number().int(),
  version: z.number().int(),
  scenario: Slug.optional(),
  /** The item-item model published: EASE, or the cosine co-occurrence build (fallback). */
  model: z.enum(['ease', 'cosine']).optional(),
  /** EASE's regularisation, when model = ease. */
  lambda: z.number().optional(),
  /** User-CF lists published (users with a list) and their model (EASE whole-history scores, or user-kNN), or why the build was skipped. */
  userCf: z.object({ users: z.number().int(), model: z.enum(['ease', 'knn']), skipped: z.string().optional(), ialsWeight: z.number().optional() }).optional(),
});
export type ItemSimilarityRunSummary = z.infer<typeof ItemSimilarityRunSummary>;
