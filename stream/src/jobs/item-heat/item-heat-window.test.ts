import { describe, expect, it } from 'vitest';
import type { BehaviourEvent, ItemHeatPaneRow } from '@vidplat/contracts';
import { syntheticEvents } from '@vidplat/devstack/demo/synthetic-events';
import { PartitionWindows, type FiredWindow } from '../../windows/partition-windows.js';
import { DEFAULT_HEAT } from '../shared/scenario-weights.js';
import { itemHeatPaneRow, paneRows } from './item-heat-output.js';
import { itemHeatAggregator, itemHeatSpec, PANE, PANES_PER_WINDOW, type ItemHeatAcc } from './item-heat-window.js';

describe('item heat panes', () => {
  it('the pane rows sum to exactly the 1-hour windows (counts, events and integer heat), late events included', () => {
    const start = Date.UTC(2026, 10, 20, 6, 7);
    // ~3 hours of events, out of order within a few seconds; every 40th is followed by an event
    // 10–50 minutes older: late for the window ending with its own pane (allowed lateness 60 s) but
    // on time for one or more later windows containing it, or late for all of them.
    const base = syntheticEvents({ tenants: ['t1', 't2'], users: 50, items: 30, count: 3000, seed: 7, startMs: start });
    const events: BehaviourEvent[] = [];
    base.forEach((e, i) => {
      const t = start + i * 3600 - (i % 5) * 700;
      events.push({ ...e, eventTime: new Date(t).toISOString() });
      if (i % 40 === 39) events.push({ ...e, eventId: `${e.eventId}-late`, eventTime: new Date(t - (10 + (i % 41)) * 60_000).toISOString() });
    });
    const p = new PartitionWindows(0, itemHeatSpec(5000, 60_000), itemHeatAggregator(() => DEFAULT_HEAT));
    const fired: FiredWindow<ItemHeatAcc>[] = [];
    const verdicts = new Map<string, number>();
    events.forEach((e, i) => {
      const v = p.process(BigInt(i), e.eventId, Date.parse(e.eventTime), e);
      verdicts.set(v, (verdicts.get(v) ?? 0) + 1);
      if (i % 100 === 0) fired.push(...p.collect());
    });
    p.advanceTo(start + 86_400_000);
    fired.push(...p.collect());
    expect(verdicts.get('late')).toBeGreaterThan(0);
    // Newest version of each window (a window may fire, then finalise; ReplacingMergeTree keeps the newest row).
    const windows = new Map<string, FiredWindow<ItemHeatAcc>>();
    for (const w of fired) windows.set(`${w.key}|${w.start}`, w);
    const rows = paneRows([...windows.values()]).map((r) => ({ key: r.w.key, row: itemHeatPaneRow(r, 0) }));
    const panes = new Map<string, ItemHeatPaneRow[]>();
    for (const { key, row } of rows) {
      const k = `${key}|${Date.parse(`${row.pane_end.replace(' ', 'T')}Z`)}`;
      panes.set(k, [...(panes.get(k) ?? []), row]);
      expect(row.heat_micro.slice(0, row.first_window).every((h) => h === 0)).toBe(true);
    }
    expect(rows.length).toBeLessThan(windows.size);
    // Late corrections exist for every offset a late event can have.
    expect(new Set(rows.map((r) => r.row.first_window))).toEqual(new Set([0, 1, 2, 3]));
    for (const w of windows.values()) {
      let events = 0;
      let heat = 0;
      let clicks = 0;
      for (let k = 0; k < PANES_PER_WINDOW; k++) {
        for (const pane of panes.get(`${w.key}|${w.end - k * PANE}`) ?? []) {
          if (pane.first_window > k) continue; // what the view does: WHERE k >= first_window
          events += pane.events;
          clicks += pane.clicks;
          heat += pane.heat_micro[k]!;
        }
      }
      expect({ events, clicks, heat }).toEqual({ events: w.count, clicks: w.acc.counts.clicks, heat: w.acc.heatMicro });
    }
  });
});
