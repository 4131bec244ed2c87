import { describe, expect, it } from 'vitest';
import { UPDATE_CHUNK_MAX, ItemStatsMessage, ItemStatsUpdate, ItemStatsUpdateChunk, itemStatsUpdatesOf } from '@vidplat/contracts';
import type { FiredWindow } from '../../windows/partition-windows.js';
import { buildChunks } from '../../sinks/update-chunks.js';
import { DEFAULT_HEAT } from '../shared/scenario-weights.js';
import { countAction, emptyCounts } from '../shared/action-counts.js';
import { itemStatsChunks, itemStatsUpdate } from './item-heat-output.js';
import type { ItemHeatAcc } from './item-heat-window.js';

const types = ['impression', 'click', 'play_start', 'play_complete', 'like', 'share', 'comment', 'purchase'] as const;

function fired(i: number, itemId = `item-${i}`, scenario = ['', 'home', 'sc "quoted" \\ ü', 'x'.repeat(128)][i % 4]!): FiredWindow<ItemHeatAcc> {
  const counts = emptyCounts();
  for (let k = 0; k < i % 17; k++) countAction(counts, types[(i * 7 + k) % types.length]!);
  const acc: ItemHeatAcc = {
    tenantId: `tenant-${i % 3}`,
    scenario,
    itemId,
    counts,
    heatMicro: [0, 1, 999_999, 1_000_000, 123_456_789_012, Math.round(Math.PI * 1e6 * i)][i % 6]!,
    params: DEFAULT_HEAT,
    panes: null,
  };
  const start = Date.UTC(2026, 10, 20, 6, (i % 4) * 15);
  return { partition: i % 4, key: 'k', start, end: start + 3_600_000, acc, count: i + 1, final: i % 2 === 0 };
}

describe('item-stats-updates chunks', () => {
  it('carry exactly the per-window updates (valid v2 messages keyed by tenant, order kept per window)', () => {
    // 5,000 windows over 3 tenants × 4 scenarios × 4 window starts × 4 partitions × final/not: some
    // groups exceed UPDATE_CHUNK_MAX when the same items recur, so chunks split too.
    const windows = Array.from({ length: 5000 }, (_, i) => fired(i));
    windows.push(...Array.from({ length: 2 * UPDATE_CHUNK_MAX + 7 }, (_, j) => fired(12, `dense-${j}`)));
    const messages = buildChunks(windows, itemStatsChunks);
    const got: ItemStatsUpdate[] = [];
    for (const m of messages) {
      const chunk = ItemStatsUpdateChunk.parse(JSON.parse(m.value));
      expect(m.key).toBe(chunk.tenantId);
      expect(chunk.itemIds.length).toBeLessThanOrEqual(UPDATE_CHUNK_MAX);
      const updates = itemStatsUpdatesOf(ItemStatsMessage.parse(JSON.parse(m.value)));
      for (const u of updates) got.push(ItemStatsUpdate.parse(u));
    }
    const key = (u: ItemStatsUpdate) => `${u.tenantId}|${u.scenario}|${u.windowStart}|${u.sourcePartition}|${u.final}|${u.itemId}`;
    const want = windows.map(itemStatsUpdate);
    expect(got.length).toBe(want.length);
    const byKey = new Map(want.map((u) => [key(u), u]));
    for (const u of got) expect(u).toEqual(byKey.get(key(u)));
    // The dense group's items keep their order across its three chunks.
    expect(got.filter((u) => u.itemId.startsWith('dense-')).map((u) => u.itemId)).toEqual(Array.from({ length: 2 * UPDATE_CHUNK_MAX + 7 }, (_, j) => `dense-${j}`));
  });

  it('stay well under the broker message limit with the longest ids', () => {
    const windows = Array.from({ length: UPDATE_CHUNK_MAX }, (_, j) => fired(5, `${'i'.repeat(120)}-${String(j).padStart(4, '0')}`, 's'.repeat(128)));
    for (const w of windows) {
      w.acc.heatMicro = 123_456_789_012_345;
      w.count = 2 ** 40;
      for (const k of Object.keys(w.acc.counts) as (keyof typeof w.acc.counts)[]) w.acc.counts[k] = 2 ** 40;
    }
    const [m, ...rest] = buildChunks(windows, itemStatsChunks);
    expect(rest).toEqual([]);
    expect(Buffer.byteLength(m!.value)).toBeLessThan(500_000); // message.max.bytes: 1,000,000
    expect(ItemStatsMessage.parse(JSON.parse(m!.value))).toBeTruthy();
  });

  it('v1 batches still read through itemStatsUpdatesOf', () => {
    const u = itemStatsUpdate(fired(3));
    expect(itemStatsUpdatesOf(ItemStatsMessage.parse({ tenantId: u.tenantId, updates: [u] }))).toEqual([u]);
  });
});
