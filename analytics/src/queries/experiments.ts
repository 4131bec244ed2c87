import type { ExperimentList, ExperimentQuery, ExperimentReport } from '@vidplat/contracts';
import { analyzeExperiment, type ExperimentLook } from '../stats/experiment.js';
import { num, type Reader } from './reader.js';
import type { Scope } from './dashboards.js';
import { daysOf } from './validate.js';

const RANGE = `tenant_id = {tenant:String}
  AND event_time >= toDateTime64({from:Date}, 3, 'UTC')
  AND event_time < toDateTime64({to:Date} + 1, 3, 'UTC')`;

export async function listExperiments(r: Reader, s: Scope): Promise<ExperimentList> {
  const rows = await r.rows<{ experiment_id: string; variants: string[]; users: unknown; first_seen: string; last_seen: string }>(
    `SELECT experiment_id, arraySort(groupUniqArray(variant)) AS variants, uniqExact(user_id) AS users,
            toString(min(event_time)) AS first_seen, toString(max(event_time)) AS last_seen
     FROM events_raw FINAL WHERE ${RANGE} AND experiment_id != '' AND variant != ''
     GROUP BY experiment_id ORDER BY max(event_time) DESC, experiment_id LIMIT 100`,
    { tenant: s.tenantId, from: s.from, to: s.to },
  );
  return { experiments: rows.map((x) => ({ experimentId: x.experiment_id, variants: x.variants, users: num(x.users), firstSeen: x.first_seen, lastSeen: x.last_seen })) };
}

/** At most this many looks (days) enter the mSPRT sequence; longer ranges are thinned evenly. */
export const MAX_LOOKS = 31;

export function lookDays(from: string, to: string, max = MAX_LOOKS): string[] {
  const days = daysOf(from, to);
  if (days.length <= max) return days;
  const step = (days.length - 1) / (max - 1);
  return Array.from({ length: max }, (_, i) => days[Math.round(i * step)]!);
}

/**
 * Per variant and look day, the cumulative user-level outcomes of the users exposed by then:
 * a user is exposed from their first event carrying the experiment; outcomes after a look day do
 * not count at that look, so each look is what a dashboard would have shown that evening.
 */
export async function experimentLooks(r: Reader, s: Scope, experimentId: string): Promise<ExperimentLook[]> {
  const looks = lookDays(s.from, s.to);
  const rows = await r.rows<Record<string, unknown>>(
    `WITH per_user_day AS (
       SELECT variant, user_id, toDate(event_time) AS d, count() AS events,
              countIf(type = 'click') AS clicks, countIf(type = 'play_start') AS plays,
              countIf(type = 'play_complete') AS completes, countIf(type = 'purchase') AS purchases,
              sumIf(watched_seconds, type IN ('play_progress', 'play_complete')) AS watch,
              toFloat64(sumIf(JSONExtractInt(payload, 'amountCents'), type = 'purchase')) AS revenue
       FROM events_raw FINAL
       WHERE ${RANGE} AND experiment_id = {exp:String} AND variant != ''
       GROUP BY variant, user_id, d)
     SELECT toString(look) AS look, variant, count() AS units,
            countIf(c > 0) AS clicked, countIf(p > 0) AS played, countIf(co > 0) AS completed, countIf(pu > 0) AS purchased,
            sum(w) AS watch_sum, sum(w * w) AS watch_sq, sum(rv) AS rev_sum, sum(rv * rv) AS rev_sq,
            toFloat64(sum(e)) AS ev_sum, toFloat64(sum(e * e)) AS ev_sq
     FROM (
       SELECT variant, user_id, look,
              sumIf(clicks, d <= look) AS c, sumIf(plays, d <= look) AS p, sumIf(completes, d <= look) AS co,
              sumIf(purchases, d <= look) AS pu, sumIf(watch, d <= look) AS w, sumIf(revenue, d <= look) AS rv,
              sumIf(events, d <= look) AS e
       FROM per_user_day ARRAY JOIN {looks:Array(Date)} AS look
       GROUP BY variant, user_id, look
       HAVING min(d) <= look)
     GROUP BY look, variant ORDER BY look, variant`,
    { tenant: s.tenantId, from: s.from, to: s.to, exp: experimentId, looks },
  );
  const byLook = new Map<string, ExperimentLook>();
  for (const x of rows) {
    const at = String(x.look);
    const look = byLook.get(at) ?? { at, variants: {} };
    byLook.set(at, look);
    const n = num(x.units);
    look.variants[String(x.variant)] = {
      units: n,
      click_rate: { n, successes: num(x.clicked) },
      play_rate: { n, successes: num(x.played) },
      completion_rate: { n, successes: num(x.completed) },
      purchase_rate: { n, successes: num(x.purchased) },
      watch_seconds: { n, sum: num(x.watch_sum), sumSquares: num(x.watch_sq) },
      revenue_cents: { n, sum: num(x.rev_sum), sumSquares: num(x.rev_sq) },
      events_per_user: { n, sum: num(x.ev_sum), sumSquares: num(x.ev_sq) },
    };
  }
  return [...byLook.values()].sort((a, b) => a.at.localeCompare(b.at));
}

export function parseWeights(spec: string | undefined): Record<string, number> | undefined {
  if (!spec) return undefined;
  return Object.fromEntries(
    spec.split(',').map((p) => {
      const i = p.lastIndexOf(':');
      return [p.slice(0, i), Number(p.slice(i + 1))];
    }),
  );
}

export async function experimentReport(r: Reader, s: Scope, experimentId: string, q: ExperimentQuery, seed = 1): Promise<ExperimentReport> {
  const looks = await experimentLooks(r, s, experimentId);
  return analyzeExperiment(looks, {
    experimentId,
    from: s.from,
    to: s.to,
    ...(q.control ? { control: q.control } : {}),
    primary: q.primary,
    secondary: q.secondary,
    guardrail: q.guardrail,
    ...(q.weights ? { weights: parseWeights(q.weights)! } : {}),
    alpha: q.alpha,
    mde: q.mde,
    seed,
  });
}
