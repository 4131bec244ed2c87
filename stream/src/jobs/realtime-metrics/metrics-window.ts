import type { BehaviourEvent } from '@vidplat/contracts';
import type { WindowAggregator } from '../../windows/partition-windows.js';
import { tumbling, type WindowSpec } from '../../windows/window-spec.js';
import { watchedSeconds } from '../shared/action-counts.js';

export const REALTIME_METRICS_JOB = 'realtime-metrics';
export const metricsSpec = (outOfOrdernessMs: number, allowedLatenessMs: number): WindowSpec => tumbling(60_000, outOfOrdernessMs, allowedLatenessMs);

export interface MetricsAcc {
  tenantId: string;
  scenario: string;
  itemId: string;
  experimentId: string;
  variant: string;
  impressions: number;
  clicks: number;
  plays: number;
  completes: number;
  /** Engagement beyond a click: likes, shares, comments, purchases, enrolments. */
  interactions: number;
  /** Integer milliseconds so sums are exact whatever the order. */
  watchMs: number;
}

const INTERACTIONS = new Set<BehaviourEvent['type']>(['like', 'share', 'comment', 'purchase', 'enrol']);

/** Keyed by tenant / scenario / item / experiment variant. */
export const metricsAggregator: WindowAggregator<BehaviourEvent, MetricsAcc> = {
  keys: (e) => `${e.tenantId}|${e.scenario ?? ''}|${e.itemId}|${e.experiment?.id ?? ''}|${e.experiment?.variant ?? ''}`,
  create: (_k, e) => ({
    tenantId: e.tenantId,
    scenario: e.scenario ?? '',
    itemId: e.itemId,
    experimentId: e.experiment?.id ?? '',
    variant: e.experiment?.variant ?? '',
    impressions: 0,
    clicks: 0,
    plays: 0,
    completes: 0,
    interactions: 0,
    watchMs: 0,
  }),
  add: (a, e) => {
    if (e.type === 'impression') a.impressions++;
    else if (e.type === 'click') a.clicks++;
    else if (e.type === 'play_start') a.plays++;
    else if (e.type === 'play_complete') a.completes++;
    else if (INTERACTIONS.has(e.type)) a.interactions++;
    a.watchMs += Math.round(watchedSeconds(e) * 1000);
  },
};
