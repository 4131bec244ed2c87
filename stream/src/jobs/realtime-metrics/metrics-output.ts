import type { ClickHouseClient } from '@vidplat/analytics';
import { metricRatios, Topics, UPDATE_CHUNK_MAX, type MetricsWindowRow, type RecommendationMetric, type RecommendationMetricChunk } from '@vidplat/contracts';
import type { Producer } from '../../kafka/client.js';
import { chTime, isoTime } from '../../windows/clickhouse-writer.js';
import { insertRowBinary, type RowBinaryWriter } from '../../windows/row-binary.js';
import { sendChunks, windowChunkGroup, windowChunkHead, type ChunkSpec } from '../../sinks/update-chunks.js';
import type { FiredWindow } from '../../windows/partition-windows.js';
import type { WindowOutput } from '../../windows/windowed-job.js';
import type { MetricsAcc } from './metrics-window.js';

export function metricsRow(w: FiredWindow<MetricsAcc>, emittedAt: number): MetricsWindowRow {
  const { tenantId, scenario, itemId, experimentId, variant, impressions, clicks, plays, completes, interactions, watchMs } = w.acc;
  return {
    tenant_id: tenantId,
    scenario,
    item_id: itemId,
    experiment_id: experimentId,
    variant,
    window_start: chTime(w.start),
    window_end: chTime(w.end),
    source_partition: w.partition,
    events: w.count,
    impressions,
    clicks,
    plays,
    completes,
    interactions,
    watch_ms: watchMs,
    version: w.count,
    emitted_at: chTime(emittedAt),
  };
}

/** `metrics_windows` columns, in the order metricsRowBinary writes them (same values as metricsRow). */
export const METRICS_COLUMNS = ['tenant_id', 'scenario', 'item_id', 'experiment_id', 'variant', 'window_start', 'window_end', 'source_partition', 'events', 'impressions', 'clicks', 'plays', 'completes', 'interactions', 'watch_ms', 'version', 'emitted_at'] as const;

export function metricsRowBinary(out: RowBinaryWriter, w: FiredWindow<MetricsAcc>, emittedAt: number): void {
  const a = w.acc;
  out.string(a.tenantId).string(a.scenario).string(a.itemId).string(a.experimentId).string(a.variant).dateTime64ms(w.start).dateTime64ms(w.end).uint16(w.partition);
  out.uint64(w.count).uint64(a.impressions).uint64(a.clicks).uint64(a.plays).uint64(a.completes).uint64(a.interactions).uint64(a.watchMs).uint64(w.count).dateTime64ms(emittedAt);
}

export function recommendationMetric(w: FiredWindow<MetricsAcc>): RecommendationMetric {
  const a = w.acc;
  const counts = { impressions: a.impressions, clicks: a.clicks, plays: a.plays, completes: a.completes, interactions: a.interactions, watchSeconds: a.watchMs / 1000 };
  return {
    tenantId: a.tenantId,
    scenario: a.scenario,
    itemId: a.itemId,
    experimentId: a.experimentId,
    variant: a.variant,
    windowStart: isoTime(w.start),
    windowEnd: isoTime(w.end),
    sourcePartition: w.partition,
    ...counts,
    ...metricRatios(counts),
    final: w.final,
  };
}

/**
 * `recommendation-metrics` as columnar chunks (RecommendationMetricChunk): one per tenant/scenario/
 * window/partition/final; recommendationMetricsOf(chunk) gives back exactly recommendationMetric(w)
 * for each of its windows (metrics-output.test.ts).
 */
export const recommendationMetricChunks: ChunkSpec<FiredWindow<MetricsAcc>, RecommendationMetricChunk> = {
  max: UPDATE_CHUNK_MAX,
  group: windowChunkGroup,
  tenant: (w) => w.acc.tenantId,
  open: (w) => ({
    ...windowChunkHead(w),
    itemIds: [],
    experimentIds: [],
    variants: [],
    impressions: [],
    clicks: [],
    plays: [],
    completes: [],
    interactions: [],
    watchSeconds: [],
  }),
  append: (c, { acc: a }) => {
    c.itemIds.push(a.itemId);
    c.experimentIds.push(a.experimentId);
    c.variants.push(a.variant);
    c.impressions.push(a.impressions);
    c.clicks.push(a.clicks);
    c.plays.push(a.plays);
    c.completes.push(a.completes);
    c.interactions.push(a.interactions);
    c.watchSeconds.push(a.watchMs / 1000);
  },
};

/** Real-time metrics sink: ClickHouse `metrics_windows` and `recommendation-metrics`. */
export class MetricsOutput implements WindowOutput<MetricsAcc> {
  constructor(
    private readonly ch: ClickHouseClient,
    private readonly producer: Producer | null,
  ) {}

  async write(fired: FiredWindow<MetricsAcc>[]): Promise<void> {
    const now = Date.now();
    // Both must land before the offsets are committed; they go out at the same time.
    await Promise.all([
      insertRowBinary(this.ch, 'metrics_windows', METRICS_COLUMNS, fired, (out, w) => metricsRowBinary(out, w, now)),
      this.producer && sendChunks(this.producer, Topics.recommendationMetrics, fired, recommendationMetricChunks),
    ]);
  }
}
