import { describe, expect, it } from 'vitest';
import { ItemStatsUpdate } from '@vidplat/contracts';
import type { FiredWindow } from '../../windows/partition-windows.js';
import { DEFAULT_HEAT } from '../shared/scenario-weights.js';
import { countAction, emptyCounts } from '../shared/action-counts.js';
import { itemStatsUpdate, itemStatsUpdateJson } from './item-heat-output.js';
import type { ItemHeatAcc } from './item-heat-window.js';

describe('itemStatsUpdateJson', () => {
  it('is exactly JSON.stringify of the update object, and a valid ItemStatsUpdate', () => {
    const types = ['impression', 'click', 'play_start', 'play_complete', 'like', 'share', 'comment', 'purchase'] as const;
    for (let i = 0; i < 200; i++) {
      const counts = emptyCounts();
      for (let k = 0; k < i % 17; k++) countAction(counts, types[(i * 7 + k) % types.length]!);
      const acc: ItemHeatAcc = {
        tenantId: `tenant-${i % 3}`,
        scenario: ['', 'home', 'sc "quoted" \\ ü', 'x'.repeat(128)][i % 4]!,
        itemId: `item-${i}`,
        counts,
        heatMicro: [0, 1, 999_999, 1_000_000, 123_456_789_012, Math.round(Math.PI * 1e6 * i)][i % 6]!,
        params: DEFAULT_HEAT,
        panes: null,
      };
      const start = Date.UTC(2026, 10, 20, 6, (i % 4) * 15);
      const w: FiredWindow<ItemHeatAcc> = { partition: i % 4, key: 'k', start, end: start + 3_600_000, acc, count: i + 1, final: i % 2 === 0 };
      const text = itemStatsUpdateJson(w);
      expect(text).toBe(JSON.stringify(itemStatsUpdate(w)));
      expect(ItemStatsUpdate.parse(JSON.parse(text))).toEqual(itemStatsUpdate(w));
    }
  });
});
