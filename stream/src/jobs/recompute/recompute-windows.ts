import type { ClickHouseClient } from '@vidplat/analytics';
import { BehaviourEvent } from '@vidplat/contracts';
import { PanedPartitionWindows, isPaneAggregator } from '../../windows/pane-windows.js';
import { PartitionWindows, type FiredWindow, type PartitionState } from '../../windows/partition-windows.js';
import type { WindowLaneConfig } from '../../windows/windowed-job.js';

export interface RecomputeRange {
  tenantId: string;
  fromMs: number;
  toMs: number;
}

export interface RecomputeReport {
  /** The range start used: never before the window tables' retention (their TTL drops older rows at insert). */
  fromMs: number;
  events: number;
  partitions: number;
  /** Windows written per job (those lying inside the range). */
  windows: Record<string, number>;
}

/** Widest window of the jobs (item heat: 1 hour), read on both sides so boundary windows are whole. */
const MARGIN_MS = 3_600_000;
/** TTL of the window tables (analytics/migrations 0002-0004, 0008: window start + 90 days), less a day. */
export const WINDOW_RETENTION_DAYS = 89;

/**
 * Recomputes a tenant's windows over [from, to) from events_raw (live and backfilled events
 * alike), per source partition — window rows are keyed by it, so a recomputed row replaces the
 * live one (ReplacingMergeTree, version = event count: it holds at least as many events). Only
 * windows lying wholly inside the range are written, through each job's own output (`write`:
 * ClickHouse rows and the `*-updates` topics); hot-list and profile snapshots are left to the
 * real-time jobs, which own the present. Events are folded in event-time order, so none is late.
 * The range starts no earlier than the window tables keep rows (90 days).
 */
export async function recomputeWindows(ch: ClickHouseClient, lanes: WindowLaneConfig<unknown>[], asked: RecomputeRange, nowMs = Date.now()): Promise<RecomputeReport> {
  // Rows older than the window tables' TTL would be dropped as they are written: not recomputed.
  const retained = Math.ceil((nowMs - WINDOW_RETENTION_DAYS * 86_400_000) / 3_600_000) * 3_600_000;
  const range = { ...asked, fromMs: Math.max(asked.fromMs, retained) };
  const parts = await (
    await ch.query({
      query: `SELECT DISTINCT kafka_partition AS p FROM events_raw WHERE tenant_id = {t:String} AND event_time >= fromUnixTimestamp64Milli({f:Int64}) AND event_time < fromUnixTimestamp64Milli({to:Int64}) ORDER BY p`,
      query_params: { t: range.tenantId, f: range.fromMs - MARGIN_MS, to: range.toMs + MARGIN_MS },
      format: 'JSONEachRow',
    })
  ).json<{ p: number }>();
  const report: RecomputeReport = { fromMs: range.fromMs, events: 0, partitions: parts.length, windows: Object.fromEntries(lanes.map((l) => [l.job, 0])) };
  for (const { p: partition } of parts) {
    const rows = await (
      await ch.query({
        query: `SELECT payload FROM events_raw FINAL WHERE tenant_id = {t:String} AND kafka_partition = {p:UInt32}
                AND event_time >= fromUnixTimestamp64Milli({f:Int64}) AND event_time < fromUnixTimestamp64Milli({to:Int64}) ORDER BY event_time, event_id`,
        query_params: { t: range.tenantId, p: partition, f: range.fromMs - MARGIN_MS, to: range.toMs + MARGIN_MS },
        format: 'JSONEachRow',
      })
    ).json<{ payload: string }>();
    const states: PartitionState<BehaviourEvent, unknown>[] = lanes.map((l) =>
      isPaneAggregator<BehaviourEvent, unknown>(l.aggregator) ? new PanedPartitionWindows(partition, l.spec, l.aggregator) : new PartitionWindows(partition, l.spec, l.aggregator),
    );
    let offset = 0n;
    for (const { payload } of rows) {
      const e = BehaviourEvent.safeParse(JSON.parse(payload));
      if (!e.success) continue; // events_raw holds validated events only
      const t = Date.parse(e.data.eventTime);
      for (const s of states) s.process(offset, e.data.eventId, t, e.data);
      offset++;
      report.events++;
    }
    for (const [i, lane] of lanes.entries()) {
      const s = states[i]!;
      s.advanceTo(Number.MAX_SAFE_INTEGER);
      const fired: FiredWindow<unknown>[] = s.collect().filter((w) => w.final && w.start >= range.fromMs && w.end <= range.toMs);
      await lane.output.write(fired);
      report.windows[lane.job]! += fired.length;
    }
  }
  return report;
}
