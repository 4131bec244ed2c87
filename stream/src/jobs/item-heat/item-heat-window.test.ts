import { describe, expect, it } from 'vitest';
import type { BehaviourEvent, ItemHeatPaneRow } from '@vidplat/contracts';
import { syntheticEvents } from '@vidplat/devstack/demo/synthetic-events';
import { PanedPartitionWindows } from '../../windows/pane-windows.js';
import { PartitionWindows, type FiredWindow, type PartitionState } from '../../windows/partition-windows.js';
import { DEFAULT_HEAT } from '../shared/scenario-weights.js';
import { itemHeatPaneRow, itemStatsUpdate, paneRows } from './item-heat-output.js';
import { heatMicro, itemHeatAggregator, itemHeatPaneAggregator, itemHeatSpec, PANE, PANES_PER_WINDOW, type ItemHeatAcc } from './item-heat-window.js';

const spec = itemHeatSpec(5000, 60_000);
const engines: [string, () => PartitionState<BehaviourEvent, ItemHeatAcc>][] = [
  ['per window', () => new PartitionWindows(0, spec, itemHeatAggregator(() => DEFAULT_HEAT))],
  ['as panes (the job)', () => new PanedPartitionWindows(0, spec, itemHeatPaneAggregator(() => DEFAULT_HEAT))],
];

/** What the sinks receive for a fired window when it fires: its update and its pane rows. */
const sinkText = (w: FiredWindow<ItemHeatAcc>) =>
  JSON.stringify([w.key, itemStatsUpdate(w), paneRows([w]).map((r) => itemHeatPaneRow(r, 0)).sort((a, b) => a.first_window - b.first_window)]);

describe('item heat panes', () => {
  it('the pane fold fires exactly the windows, updates and pane rows of the per-window fold, at the same collect', () => {
    const events = lateEvents();
    const [ref, paned] = engines.map(([, make]) => {
      const p = make();
      const out: string[][] = [];
      const verdicts: string[] = [];
      const checkpoints: string[] = [];
      events.forEach((e, i) => {
        verdicts.push(p.process(BigInt(i), e.eventId, Date.parse(e.eventTime), e));
        if (i % 100 === 0) {
          out.push(p.collect().map(sinkText).sort());
          checkpoints.push(JSON.stringify(p.checkpoint(), (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)));
        }
      });
      p.advanceTo(Date.parse(events[0]!.eventTime) + 86_400_000);
      out.push(p.collect().map(sinkText).sort());
      return { out, verdicts, checkpoints };
    });
    expect(paned!.verdicts).toEqual(ref!.verdicts);
    expect(paned!.out).toEqual(ref!.out);
    // Same commit point and watermark checkpoint after every collect.
    expect(paned!.checkpoints).toEqual(ref!.checkpoints);
    expect(ref!.out.flat().length).toBeGreaterThan(900);
  });

  it.each(engines)('the pane rows sum to exactly the 1-hour windows (counts, events and integer heat), late events included (%s)', (_name, make) => {
    const events = lateEvents();
    const p = make();
    const fired: FiredWindow<ItemHeatAcc>[] = [];
    const verdicts = new Map<string, number>();
    events.forEach((e, i) => {
      const v = p.process(BigInt(i), e.eventId, Date.parse(e.eventTime), e);
      verdicts.set(v, (verdicts.get(v) ?? 0) + 1);
      if (i % 100 === 0) fired.push(...p.collect());
    });
    p.advanceTo(Date.parse(events[0]!.eventTime) + 86_400_000);
    fired.push(...p.collect());
    expect(verdicts.get('late')).toBeGreaterThan(0);
    checkPanesSumToWindows(fired);
  });
});

function lateEvents(): BehaviourEvent[] {
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
  return events;
}

function checkPanesSumToWindows(fired: FiredWindow<ItemHeatAcc>[]): void {
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
}

describe('early results of the open pane', () => {
  it('give each item the heat its current pane adds to the next window, and change nothing the windows later fire', () => {
    const events = lateEvents();
    const peeked = new PanedPartitionWindows(0, spec, itemHeatPaneAggregator(() => DEFAULT_HEAT));
    const plain = new PanedPartitionWindows(0, spec, itemHeatPaneAggregator(() => DEFAULT_HEAT));
    const firedPeeked: string[] = [];
    const firedPlain: string[] = [];
    let checked = 0;
    events.forEach((e, i) => {
      const t = Date.parse(e.eventTime);
      peeked.process(BigInt(i), e.eventId, t, e);
      plain.process(BigInt(i), e.eventId, t, e);
      if (i % 50 === 0) {
        const early = peeked.peekOpenPane();
        for (const w of early) {
          expect(w.final).toBe(false);
          expect(w.end - w.start).toBe(spec.sizeMs);
          // The pane's own events only, heat decayed to the window end: what the window's last pane will contribute.
          const mine = events.slice(0, i + 1).filter((x) => `${x.tenantId}|${x.scenario ?? ''}|${x.itemId}` === w.key && Date.parse(x.eventTime) >= w.end - PANE && Date.parse(x.eventTime) < w.end);
          const ids = new Set(mine.map((x) => x.eventId));
          expect(w.count).toBeLessThanOrEqual(ids.size);
          checked++;
        }
        firedPeeked.push(...peeked.collect().map(sinkText));
        firedPlain.push(...plain.collect().map(sinkText));
      }
    });
    peeked.advanceTo(Date.parse(events[0]!.eventTime) + 86_400_000);
    plain.advanceTo(Date.parse(events[0]!.eventTime) + 86_400_000);
    firedPeeked.push(...peeked.collect().map(sinkText));
    firedPlain.push(...plain.collect().map(sinkText));
    expect(checked).toBeGreaterThan(50);
    expect(firedPeeked).toEqual(firedPlain);
  });

  it('a burst on one item in the open pane tops the early result before the window fires', () => {
    const p = new PanedPartitionWindows(0, spec, itemHeatPaneAggregator(() => DEFAULT_HEAT));
    const t0 = Date.UTC(2026, 11, 7, 12, 1, 0);
    const ev = (i: number, itemId: string): BehaviourEvent => ({ eventId: `0190a0a0-0000-7000-8000-${String(i).padStart(12, '0')}`, tenantId: 't', eventTime: new Date(t0 + i * 100).toISOString(), schemaVersion: 1, userId: `u${i}`, itemId, scenario: 'feed', type: 'click' }) as BehaviourEvent;
    let i = 0;
    for (; i < 30; i++) p.process(BigInt(i), ev(i, `calm-${i % 10}`).eventId, t0 + i * 100, ev(i, `calm-${i % 10}`));
    for (; i < 130; i++) p.process(BigInt(i), ev(i, 'spike').eventId, t0 + i * 100, ev(i, 'spike'));
    expect(p.collect()).toEqual([]);
    const early = p.peekOpenPane().sort((a, b) => b.acc.heatMicro - a.acc.heatMicro);
    expect(early[0]!.acc.itemId).toBe('spike');
    expect(early[0]!.count).toBe(100);
    expect(early[0]!.end).toBe(Date.UTC(2026, 11, 7, 12, 15, 0));
    expect(early[0]!.acc.heatMicro).toBe(Array.from({ length: 100 }, (_, k) => heatMicro('click', t0 + (30 + k) * 100, early[0]!.end, DEFAULT_HEAT)).reduce((s, x) => s + x, 0));
  });
});
