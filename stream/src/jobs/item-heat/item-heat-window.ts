import type { ActionCounts, BehaviourEvent } from '@vidplat/contracts';
import type { PaneAggregator } from '../../windows/pane-windows.js';
import type { WindowAggregator } from '../../windows/partition-windows.js';
import { hopping, type WindowSpec } from '../../windows/window-spec.js';
import { addCounts, countAction, emptyCounts } from '../shared/action-counts.js';
import type { HeatParams } from '../shared/scenario-weights.js';

export const ITEM_HEAT_JOB = 'item-heat';
export const HOUR = 3_600_000;
/** Hop of the 1-hour windows, and the pane the ClickHouse rows are kept at. */
export const PANE = 15 * 60_000;
/** Windows containing one pane. */
export const PANES_PER_WINDOW = HOUR / PANE;

export const itemHeatSpec = (outOfOrdernessMs: number, allowedLatenessMs: number): WindowSpec => hopping(HOUR, PANE, outOfOrdernessMs, allowedLatenessMs);

export interface ItemHeatAcc {
  tenantId: string;
  scenario: string;
  itemId: string;
  counts: ActionCounts;
  /** Σ round(weight × 2^(−(windowEnd − eventTime)/halfLife) × 10⁶): integer, so sums are exact. */
  heatMicro: number;
  /** Scenario heat parameters, resolved once when the window opens. */
  params: HeatParams;
  /**
   * What ClickHouse stores instead of the window (item_heat_panes), recorded by the event's first
   * open window (see WindowAggregator.add): normally the window's last 15-minute pane
   * [end − PANE, end) (first = 0). An event that arrives after the window ending with its own pane
   * was purged, but while later windows containing it are open, is recorded by the earliest of those
   * as a correction row for its pane (first = how many panes before this window's end it lies), so
   * the pane rows still sum to every window that counted it. null while nothing was recorded.
   */
  panes: ItemHeatPane[] | null;
}

/** One pane row: its events, counts, and heat decayed to the end of each of the four windows containing it. */
export interface ItemHeatPane {
  /** Windows before this one (k < first) closed without these events: their heat stays 0 here. */
  first: number;
  events: number;
  counts: ActionCounts;
  /** heat[k]: to the end of the pane + k·PANE, rounded per event like heatMicro. */
  heat: [number, number, number, number];
}

/** One event's heat contribution in micro-units. */
export function heatMicro(type: BehaviourEvent['type'], eventTime: number, windowEnd: number, p: HeatParams): number {
  const w = p.weights[type] ?? 0;
  if (w === 0) return 0;
  return Math.round(w * 2 ** (-(windowEnd - eventTime) / p.halfLifeMs) * 1e6);
}

/**
 * Item heat folded per window (four window updates per event). The job folds panes instead
 * (itemHeatPaneAggregator); this is the reference the pane fold is checked against
 * (item-heat-window.test.ts).
 */
export function itemHeatAggregator(params: (tenantId: string, scenario: string) => HeatParams): WindowAggregator<BehaviourEvent, ItemHeatAcc> {
  return {
    keys: (e) => `${e.tenantId}|${e.scenario ?? ''}|${e.itemId}`,
    create: (_k, e) => ({
      tenantId: e.tenantId,
      scenario: e.scenario ?? '',
      itemId: e.itemId,
      counts: emptyCounts(),
      heatMicro: 0,
      params: params(e.tenantId, e.scenario ?? ''),
      panes: null,
    }),
    add: (a, e, _start, end, t, first) => {
      countAction(a.counts, e.type);
      const h = heatMicro(e.type, t, end, a.params);
      a.heatMicro += h;
      if (!first) return;
      // The event's pane ends k0 panes before this window's end (0 unless it came late).
      const paneEnd = Math.floor(t / PANE) * PANE + PANE;
      const k0 = Math.round((end - paneEnd) / PANE);
      const panes = (a.panes ??= []);
      let p = panes.length === 1 && panes[0]!.first === k0 ? panes[0]! : panes.find((x) => x.first === k0);
      if (!p) panes.push((p = { first: k0, events: 0, counts: emptyCounts(), heat: [0, 0, 0, 0] }));
      p.events++;
      countAction(p.counts, e.type);
      p.heat[k0]! += h;
      for (let k = k0 + 1; k < PANES_PER_WINDOW; k++) p.heat[k]! += heatMicro(e.type, t, paneEnd + k * PANE, a.params);
    },
  };
}

/** One item's 15-minute pane in the engine: its events grouped by `first`, as the pane rows store them. */
export interface ItemHeatPaneAcc {
  tenantId: string;
  scenario: string;
  itemId: string;
  /** Scenario heat parameters, resolved once when the pane opens. */
  params: HeatParams;
  /** Usually one (first = 0); late events add correction groups (first > 0). */
  subs: ItemHeatPane[];
}

/**
 * Item heat: keyed by tenant, scenario and item; recent actions weigh more within the hour. Each
 * event updates its item's pane once (its heat decayed to the end of each of the four windows
 * containing it); a window fires as the sum of its four panes, with the same integers the
 * per-window fold adds (each event rounded on its own), and carries the pane rows it is the first
 * window of (ItemHeatAcc.panes), as the per-window fold recorded them.
 */
export function itemHeatPaneAggregator(params: (tenantId: string, scenario: string) => HeatParams): PaneAggregator<BehaviourEvent, ItemHeatPaneAcc, ItemHeatAcc> {
  return {
    kind: 'panes',
    keys: (e) => `${e.tenantId}|${e.scenario ?? ''}|${e.itemId}`,
    createPane: (_k, e) => ({ tenantId: e.tenantId, scenario: e.scenario ?? '', itemId: e.itemId, params: params(e.tenantId, e.scenario ?? ''), subs: [] }),
    addToPane: (a, e, paneStart, t, first) => {
      const subs = a.subs;
      let p = subs.length === 1 && subs[0]!.first === first ? subs[0]! : subs.find((x) => x.first === first);
      if (!p) subs.push((p = { first, events: 0, counts: emptyCounts(), heat: [0, 0, 0, 0] }));
      p.events++;
      countAction(p.counts, e.type);
      const paneEnd = paneStart + PANE;
      for (let k = first; k < PANES_PER_WINDOW; k++) p.heat[k]! += heatMicro(e.type, t, paneEnd + k * PANE, a.params);
    },
    compose: (_key, panes, _start, _end) => {
      // Usually one pane group holds all of the window's events (no late corrections): the window
      // takes its counts object as is. Later events of that group belong to this window too (every
      // window composed from a group has first ≤ its position), so, as with a per-window
      // accumulator, the object only ever grows by this window's own events.
      let only: ItemHeatPane | undefined;
      let onlyAt = -1;
      let onlyPane: ItemHeatPaneAcc | undefined;
      let groups = 0;
      for (let j = 0; j < panes.length; j++) {
        const pane = panes[j];
        if (pane) {
          for (const s of pane.subs) {
            if (s.first > j) continue;
            groups++;
            only = s;
            onlyAt = j;
            onlyPane = pane;
          }
        }
      }
      if (groups === 1) {
        const a = onlyPane!;
        const s = only!;
        return { tenantId: a.tenantId, scenario: a.scenario, itemId: a.itemId, counts: s.counts, heatMicro: s.heat[onlyAt]!, params: a.params, panes: s.first === onlyAt ? [s] : null };
      }
      let a: ItemHeatPaneAcc | undefined;
      const counts = emptyCounts();
      let heat = 0;
      let rows: ItemHeatPane[] | null = null;
      for (let j = 0; j < panes.length; j++) {
        const pane = panes[j];
        if (!pane) continue;
        a ??= pane;
        for (const s of pane.subs) {
          if (s.first > j) continue; // came after this window was purged
          addCounts(counts, s.counts);
          heat += s.heat[j]!;
          if (s.first === j) (rows ??= []).push(s);
        }
      }
      if (!a) throw new Error('compose without a pane');
      return { tenantId: a.tenantId, scenario: a.scenario, itemId: a.itemId, counts, heatMicro: heat, params: a.params, panes: rows };
    },
  };
}
