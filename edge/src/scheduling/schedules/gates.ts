import type { SchedulingConfig } from '../shared/config.js';
import { analyticsRows } from '../shared/analytics.js';

/** A progressive step's metrics gate did not hold (or could not be checked): the rollout pauses. */
export class GateFailure extends Error {
  override name = 'GateFailure';
}

export interface Gates {
  minPlayRate?: number | undefined;
  minCompletionRate?: number | undefined;
}

/**
 * Checks a progressive rollout's gates on the content's behaviour since it went out (ClickHouse
 * events_raw). Null when every gate holds; otherwise why not. A gate that cannot be measured
 * (analytics down, no impressions yet) does not hold: widening a rollout blind is what gates
 * exist to prevent.
 */
export async function gateFailure(cfg: SchedulingConfig, tenantId: string, contentId: string, sinceMs: number, gates: Gates): Promise<string | null> {
  if (gates.minPlayRate === undefined && gates.minCompletionRate === undefined) return null;
  const rows = await analyticsRows<{ impressions: number | string; plays: number | string; completes: number | string }>(
    cfg,
    `SELECT countIf(type = 'impression') AS impressions, countIf(type = 'play_start') AS plays, countIf(type = 'play_complete') AS completes
     FROM events_raw WHERE tenant_id = {tenant:String} AND item_id = {item:String} AND event_time >= fromUnixTimestamp64Milli({since:Int64})`,
    { tenant: tenantId, item: contentId, since: Math.floor(sinceMs) },
    5_000,
  );
  if (!rows) return 'analytics unavailable: gates cannot be verified';
  const r = rows[0] ?? { impressions: 0, plays: 0, completes: 0 };
  const impressions = Number(r.impressions);
  const plays = Number(r.plays);
  const completes = Number(r.completes);
  if (gates.minPlayRate !== undefined) {
    if (impressions === 0) return 'no impressions yet: play rate unknown';
    const rate = plays / impressions;
    if (rate < gates.minPlayRate) return `play rate ${rate.toFixed(3)} below ${gates.minPlayRate}`;
  }
  if (gates.minCompletionRate !== undefined) {
    if (plays === 0) return 'no plays yet: completion rate unknown';
    const rate = completes / plays;
    if (rate < gates.minCompletionRate) return `completion rate ${rate.toFixed(3)} below ${gates.minCompletionRate}`;
  }
  return null;
}
