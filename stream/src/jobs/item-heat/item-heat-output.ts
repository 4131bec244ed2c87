import type { ClickHouseClient } from '@vidplat/analytics';
import { UPDATE_CHUNK_MAX, toClickHouseTime, Topics, type ItemHeatPaneRow, type ItemStatsUpdate, type ItemStatsUpdateChunk } from '@vidplat/contracts';
import type { Producer } from '../../kafka/client.js';
import type { FeatureSnapshotWriter } from '../../features/snapshot-writer.js';
import { chTime, isoTime } from '../../windows/clickhouse-writer.js';
import { insertRowBinary, type RowBinaryWriter } from '../../windows/row-binary.js';
import { sendChunks, windowChunkGroup, windowChunkHead, type ChunkSpec } from '../../sinks/update-chunks.js';
import type { FiredWindow } from '../../windows/partition-windows.js';
import type { WindowOutput } from '../../windows/windowed-job.js';
import { earlyHotListQuery, hotListQuery } from '@vidplat/analytics/stream/window-queries';
import { PANE, type ItemHeatAcc, type ItemHeatPane } from './item-heat-window.js';

/** Early rows kept per tenant/scenario and partition, in multiples of the hot-list size (the list is the top of their sum over partitions). */
export const EARLY_ROWS_PER_LIST = 4;

/** One `item_heat_early` row (migration 0010). */
interface ItemHeatEarlyRow {
  tenant_id: string;
  scenario: string;
  item_id: string;
  pane_end: string;
  source_partition: number;
  events: number;
  heat_micro: number;
  emitted_at: string;
}

/** One `item_heat_panes` row: a pane recorded by a fired window (see ItemHeatAcc.panes). */
export interface PaneOfWindow {
  w: FiredWindow<ItemHeatAcc>;
  pane: ItemHeatPane;
}

/** The pane rows a fired window carries (usually its last pane; late corrections too). */
export function paneRows(fired: readonly FiredWindow<ItemHeatAcc>[]): PaneOfWindow[] {
  const out: PaneOfWindow[] = [];
  for (const w of fired) if (w.acc.panes) for (const pane of w.acc.panes) out.push({ w, pane });
  return out;
}

export function itemHeatPaneRow({ w, pane: p }: PaneOfWindow, emittedAt: number): ItemHeatPaneRow {
  const a = w.acc;
  const paneEnd = w.end - p.first * PANE;
  return {
    tenant_id: a.tenantId,
    scenario: a.scenario,
    item_id: a.itemId,
    pane_start: chTime(paneEnd - PANE),
    pane_end: chTime(paneEnd),
    source_partition: w.partition,
    first_window: p.first,
    events: p.events,
    ...p.counts,
    heat_micro: [...p.heat],
    version: p.events,
    emitted_at: chTime(emittedAt),
  };
}

/** `item_heat_panes` columns, in the order itemHeatPaneRowBinary writes them (same values as itemHeatPaneRow). */
export const ITEM_HEAT_PANE_COLUMNS = ['tenant_id', 'scenario', 'item_id', 'pane_start', 'pane_end', 'source_partition', 'first_window', 'events', 'impressions', 'clicks', 'plays', 'completes', 'likes', 'shares', 'comments', 'purchases', 'dislikes', 'hides', 'heat_micro', 'version', 'emitted_at'] as const;

export function itemHeatPaneRowBinary(out: RowBinaryWriter, { w, pane: p }: PaneOfWindow, emittedAt: number): void {
  const a = w.acc;
  const c = p.counts;
  const paneEnd = w.end - p.first * PANE;
  out.string(a.tenantId).string(a.scenario).string(a.itemId).dateTime64ms(paneEnd - PANE).dateTime64ms(paneEnd).uint16(w.partition).uint8(p.first).uint64(p.events);
  out.uint64(c.impressions).uint64(c.clicks).uint64(c.plays).uint64(c.completes).uint64(c.likes).uint64(c.shares).uint64(c.comments).uint64(c.purchases).uint64(c.dislikes).uint64(c.hides);
  out.arrayInt64(p.heat).uint64(p.events).dateTime64ms(emittedAt);
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
 * `item-stats-updates` as columnar chunks (ItemStatsUpdateChunk): one per tenant/scenario/window/
 * partition/final and up to UPDATE_CHUNK_MAX items; itemStatsUpdatesOf(chunk) gives back
 * exactly itemStatsUpdate(w) for each of its windows (item-heat-output.test.ts).
 */
export const itemStatsChunks: ChunkSpec<FiredWindow<ItemHeatAcc>, ItemStatsUpdateChunk> = {
  max: UPDATE_CHUNK_MAX,
  group: windowChunkGroup,
  tenant: (w) => w.acc.tenantId,
  open: (w) => ({
    ...windowChunkHead(w),
    itemIds: [],
    events: [],
    impressions: [],
    clicks: [],
    plays: [],
    completes: [],
    likes: [],
    shares: [],
    comments: [],
    purchases: [],
    dislikes: [],
    hides: [],
    heat: [],
  }),
  append: (c, w) => {
    const a = w.acc;
    const n = a.counts;
    c.itemIds.push(a.itemId);
    c.events.push(w.count);
    c.impressions.push(n.impressions);
    c.clicks.push(n.clicks);
    c.plays.push(n.plays);
    c.completes.push(n.completes);
    c.likes.push(n.likes);
    c.shares.push(n.shares);
    c.comments.push(n.comments);
    c.purchases.push(n.purchases);
    c.dislikes!.push(n.dislikes);
    c.hides!.push(n.hides);
    c.heat.push(a.heatMicro / 1e6);
  },
};

/**
 * Item heat sink: ClickHouse rows, `item-stats-updates` messages, and after the commit the
 * tenant/scenario hot lists (top-N of the newest closed window, summed over partitions) in Redis.
 */
export class ItemHeatOutput implements WindowOutput<ItemHeatAcc> {
  /** Newest window published per tenant/scenario: a late re-fire of an older window never rolls back. */
  private readonly published = new Map<string, number>();
  /** Hot-list publications one at a time: an early list never lands after its window's final one. */
  private publishing: Promise<unknown> = Promise.resolve();
  private inOrder<T>(fn: () => Promise<T>): Promise<T> {
    const next = this.publishing.then(fn, fn);
    this.publishing = next.catch(() => undefined);
    return next;
  }

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
      insertRowBinary(this.ch, 'item_heat_panes', ITEM_HEAT_PANE_COLUMNS, paneRows(fired), (out, r) => itemHeatPaneRowBinary(out, r, now)),
      this.producer && sendChunks(this.producer, Topics.itemStatsUpdates, fired, itemStatsChunks),
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
      await this.inOrder(async () => {
        await this.snapshots!.publishHotList(n.tenantId, n.scenario, rows.map((r) => ({ itemId: r.itemId, score: r.heat })));
        this.published.set(k, n.start);
      });
    }
  }

  /**
   * Early hot lists: the open pane's heat per item (this process's partitions; the best
   * EARLY_ROWS_PER_LIST × hotListSize per tenant/scenario and partition) into item_heat_early, then
   * each touched tenant/scenario's hot list for the still-open window from its closed panes and
   * every partition's early rows. Never after that window's final list (no roll-back).
   */
  async early(open: FiredWindow<ItemHeatAcc>[]): Promise<void> {
    if (!this.snapshots) return;
    // Copied before any await: the accumulators are live engine state.
    const groups = new Map<string, { tenantId: string; scenario: string; start: number; end: number; rows: { itemId: string; partition: number; events: number; heat: number }[] }>();
    for (const w of open) {
      const a = w.acc;
      // Scenario '' (events without one: the catalogue's own enrol, play and course_complete) has
      // early rows too, read by the long-range heat ranking (hot courses), but no hot list.
      if (a.heatMicro <= 0) continue;
      const k = `${a.tenantId}|${a.scenario}|${w.end}`;
      let g = groups.get(k);
      if (!g) groups.set(k, (g = { tenantId: a.tenantId, scenario: a.scenario, start: w.start, end: w.end, rows: [] }));
      g.rows.push({ itemId: a.itemId, partition: w.partition, events: w.count, heat: a.heatMicro });
    }
    if (!groups.size) return;
    const keep = this.hotListSize * EARLY_ROWS_PER_LIST;
    const rows: ItemHeatEarlyRow[] = [];
    const now = Date.now();
    for (const g of groups.values()) {
      const byPartition = new Map<number, typeof g.rows>();
      for (const r of g.rows) byPartition.set(r.partition, [...(byPartition.get(r.partition) ?? []), r]);
      for (const list of byPartition.values()) {
        list.sort((x, y) => y.heat - x.heat || (x.itemId < y.itemId ? -1 : 1));
        for (const r of list.slice(0, keep)) {
          rows.push({ tenant_id: g.tenantId, scenario: g.scenario, item_id: r.itemId, pane_end: chTime(g.end), source_partition: r.partition, events: r.events, heat_micro: r.heat, emitted_at: chTime(now) });
        }
      }
    }
    await this.ch.insert({ table: 'item_heat_early', values: rows, format: 'JSONEachRow' });
    for (const g of groups.values()) {
      if (!g.scenario) continue;
      const k = `${g.tenantId}|${g.scenario}`;
      if ((this.published.get(k) ?? -Infinity) >= g.start) continue;
      const list = await earlyHotListQuery(this.ch, g.tenantId, g.scenario, toClickHouseTime(g.start), this.hotListSize);
      await this.inOrder(async () => {
        // The final list may have been published while the query ran.
        if ((this.published.get(k) ?? -Infinity) >= g.start) return;
        await this.snapshots!.publishHotList(g.tenantId, g.scenario, list.map((r) => ({ itemId: r.itemId, score: r.heat })));
      });
    }
  }
}
