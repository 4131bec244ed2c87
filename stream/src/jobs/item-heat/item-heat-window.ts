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
   * The window's last 15-minute pane [end − PANE, end), which ClickHouse stores instead of the
   * window (item_heat_panes): its events, counts, and heat decayed to the end of each of the four
   * windows containing it (heat[k]: window end + k·PANE), rounded per event like heatMicro; null
   * while no event fell into that pane.
   */
  pane: ItemHeatPane | null;
}

/** Created on the first event in the window's last pane (a quarter of the windows when items are sparse). */
export interface ItemHeatPane {
  events: number;
  counts: ActionCounts;
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
      pane: null,
    }),
    add: (a, e, _start, end, t) => {
      countAction(a.counts, e.type);
      const h = heatMicro(e.type, t, end, a.params);
      a.heatMicro += h;
      if (t >= end - PANE) {
        // Each event is in the last pane of exactly one of its windows: the pane row is built here.
        const p = (a.pane ??= { events: 0, counts: emptyCounts(), heat: [0, 0, 0, 0] });
        p.events++;
        countAction(p.counts, e.type);
        p.heat[0] += h;
        for (let k = 1; k < PANES_PER_WINDOW; k++) p.heat[k]! += heatMicro(e.type, t, end + k * PANE, a.params);
      }
    },
  };
}
