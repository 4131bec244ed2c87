import type { ClickHouseClient } from '@vidplat/analytics';
import { toClickHouseTime, Topics, type ItemHeatWindowRow, type ItemStatsUpdate } from '@vidplat/contracts';
import type { Producer } from '../../kafka/client.js';
import type { FeatureSnapshotWriter } from '../../features/snapshot-writer.js';
import { chTime, insertRows, isoTime } from '../../windows/clickhouse-writer.js';
import { sendUpdateBatches } from '../../sinks/update-batches.js';
import type { FiredWindow } from '../../windows/partition-windows.js';
import type { WindowOutput } from '../../windows/windowed-job.js';
import { hotListQuery } from '@vidplat/analytics/stream/window-queries';
import type { ItemHeatAcc } from './item-heat-window.js';

export function itemHeatRow(w: FiredWindow<ItemHeatAcc>, emittedAt: number): ItemHeatWindowRow {
  const a = w.acc;
  return {
    tenant_id: a.tenantId,
    scenario: a.scenario,
    item_id: a.itemId,
    window_start: chTime(w.start),
    window_end: chTime(w.end),
    source_partition: w.partition,
    events: w.count,
    ...a.counts,
    heat_micro: a.heatMicro,
    version: w.count,
    emitted_at: chTime(emittedAt),
  };
}

export function itemStatsUpdate(w: FiredWindow<ItemHeatAcc>): ItemStatsUpdate {
  const a = w.acc;
  return {
    tenantId: a.tenantId,
    scenario: a.scenario,
    itemId: a.itemId,
    windowStart: isoTime(w.start),
    windowEnd: isoTime(w.end),
    sourcePartition: w.partition,
    events: w.count,
    counts: { ...a.counts },
    heat: a.heatMicro / 1e6,
    final: w.final,
  };
}

/**
 * Item heat sink: ClickHouse rows, `item-stats-updates` messages, and after the commit the
 * tenant/scenario hot lists (top-N of the newest closed window, summed over partitions) in Redis.
 */
export class ItemHeatOutput implements WindowOutput<ItemHeatAcc> {
  /** Newest window published per tenant/scenario: a late re-fire of an older window never rolls back. */
  private readonly published = new Map<string, number>();

  constructor(
    private readonly ch: ClickHouseClient,
    private readonly producer: Producer | null,
    private readonly snapshots: FeatureSnapshotWriter | null,
    private readonly hotListSize: number,
  ) {}

  async write(fired: FiredWindow<ItemHeatAcc>[]): Promise<void> {
    const now = Date.now();
    // Both must land before the offsets are committed; they go out at the same time.
    await Promise.all([
      insertRows(this.ch, 'item_heat_windows', fired.map((w) => itemHeatRow(w, now))),
      this.producer && sendUpdateBatches(this.producer, Topics.itemStatsUpdates, fired, (w) => w.acc.tenantId, itemStatsUpdate),
    ]);
  }

  async afterCommit(fired: FiredWindow<ItemHeatAcc>[]): Promise<void> {
    if (!this.snapshots) return;
    const newest = new Map<string, { tenantId: string; scenario: string; start: number }>();
    for (const w of fired) {
      if (!w.acc.scenario) continue;
      const k = `${w.acc.tenantId}|${w.acc.scenario}`;
      if ((newest.get(k)?.start ?? -Infinity) < w.start) newest.set(k, { tenantId: w.acc.tenantId, scenario: w.acc.scenario, start: w.start });
    }
    for (const [k, n] of newest) {
      if ((this.published.get(k) ?? -Infinity) > n.start) continue;
      const rows = await hotListQuery(this.ch, n.tenantId, n.scenario, toClickHouseTime(n.start), this.hotListSize);
      await this.snapshots.publishHotList(n.tenantId, n.scenario, rows.map((r) => ({ itemId: r.itemId, score: r.heat })));
      this.published.set(k, n.start);
    }
  }
}
