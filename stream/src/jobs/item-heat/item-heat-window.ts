import type { ActionCounts, BehaviourEvent } from '@vidplat/contracts';
import type { WindowAggregator } from '../../windows/partition-windows.js';
import { hopping, type WindowSpec } from '../../windows/window-spec.js';
import { countAction, emptyCounts } from '../shared/action-counts.js';
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

/** Item heat: keyed by tenant, scenario and item; recent actions weigh more within the hour. */
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
