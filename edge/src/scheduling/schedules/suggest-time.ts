import type { SuggestTimeResponse } from '@vidplat/contracts';
import type { SchedulingConfig } from '../shared/config.js';
import { analyticsRows } from '../shared/analytics.js';
import { addLocalDays, wallTimeAt, zonedToEpoch } from './zoned-time.js';

/** Interactions that show an audience is there (same set as the analytics publish heatmap). */
const ENGAGED = `('click', 'play_start', 'like', 'share', 'comment', 'purchase', 'enrol')`;

/** The next instant after `now` that is `weekday` (ISO 1=Mon) at hh:00 local time in the zone. */
export function nextWeekdayHour(now: number, timeZone: string, weekday: number, hour: number): number {
  const w = wallTimeAt(now, timeZone);
  const today = ((new Date(Date.UTC(w.year, w.month - 1, w.day)).getUTCDay() + 6) % 7) + 1;
  for (let add = (weekday - today + 7) % 7; ; add += 7) {
    const at = zonedToEpoch({ ...addLocalDays(w, add), hour, minute: 0, second: 0, ms: 0 }, timeZone);
    if (at > now) return at;
  }
}

/**
 * Best publish hours: weekday × hour cells (in the tenant's zone) with the most distinct engaged
 * users over the last `days`. Null when analytics cannot answer.
 */
export async function suggestTimes(cfg: SchedulingConfig, tenantId: string, timeZone: string, days: number, n: number, now = Date.now()): Promise<SuggestTimeResponse | null> {
  const rows = await analyticsRows<{ weekday: number | string; hour: number | string; users: number | string }>(
    cfg,
    `SELECT toDayOfWeek(toTimeZone(event_time, {tz:String})) AS weekday, toHour(toTimeZone(event_time, {tz:String})) AS hour, uniqExact(user_id) AS users
     FROM events_raw WHERE tenant_id = {tenant:String} AND event_time >= now64(3) - toIntervalDay({days:UInt32}) AND type IN ${ENGAGED}
     GROUP BY weekday, hour ORDER BY users DESC, weekday, hour LIMIT {n:UInt32}`,
    { tenant: tenantId, tz: timeZone, days, n },
    10_000,
  );
  if (!rows) return null;
  return {
    timeZone,
    suggestions: rows.map((r) => {
      const weekday = Number(r.weekday);
      const hour = Number(r.hour);
      return { weekday, hour, users: Number(r.users), nextAt: new Date(nextWeekdayHour(now, timeZone, weekday, hour)).toISOString() };
    }),
  };
}
