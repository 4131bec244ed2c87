import { describe, expect, it } from 'vitest';
import type { BehaviourEvent } from '@vidplat/contracts';
import { syntheticEvents } from '@vidplat/devstack/demo/synthetic-events';
import { PartitionWindows, type FiredWindow } from '../../windows/partition-windows.js';
import { DEFAULT_HEAT } from '../shared/scenario-weights.js';
import { itemHeatPaneRow } from './item-heat-output.js';
import { itemHeatAggregator, itemHeatSpec, PANE, PANES_PER_WINDOW, type ItemHeatAcc } from './item-heat-window.js';

describe('item heat panes', () => {
  it('the pane rows sum to exactly the 1-hour windows (counts, events and integer heat)', () => {
    const start = Date.UTC(2026, 10, 20, 6, 7);
    // ~3 hours of events, out of order within a few seconds.
    const events = syntheticEvents({ tenants: ['t1', 't2'], users: 50, items: 30, count: 3000, seed: 7, startMs: start }).map(
      (e, i): BehaviourEvent => ({ ...e, eventTime: new Date(start + i * 3600 - (i % 5) * 700).toISOString() }),
    );
    const p = new PartitionWindows(0, itemHeatSpec(5000, 60_000), itemHeatAggregator(() => DEFAULT_HEAT));
    const fired: FiredWindow<ItemHeatAcc>[] = [];
    events.forEach((e, i) => {
      p.process(BigInt(i), e.eventId, Date.parse(e.eventTime), e);
      if (i % 100 === 0) fired.push(...p.collect());
    });
    p.advanceTo(start + 86_400_000);
    fired.push(...p.collect());
    // Newest version of each window (a window may fire, then finalise).
    const windows = new Map<string, FiredWindow<ItemHeatAcc>>();
    for (const w of fired) windows.set(`${w.key}|${w.start}`, w);
    const panes = new Map<string, NonNullable<ReturnType<typeof itemHeatPaneRow>>>();
    for (const w of windows.values()) {
      const row = itemHeatPaneRow(w, 0);
      if (row) panes.set(`${w.key}|${w.end - PANE}`, row);
    }
    expect(panes.size).toBeGreaterThan(0);
    expect(panes.size).toBeLessThan(windows.size);
    for (const w of windows.values()) {
      let events = 0;
      let heat = 0;
      let clicks = 0;
      for (let k = 0; k < PANES_PER_WINDOW; k++) {
        const pane = panes.get(`${w.key}|${w.end - (k + 1) * PANE}`);
        if (!pane) continue;
        events += pane.events;
        clicks += pane.clicks;
        heat += pane.heat_micro[k]!;
      }
      expect({ events, clicks, heat }).toEqual({ events: w.count, clicks: w.acc.counts.clicks, heat: w.acc.heatMicro });
    }
  });
});
