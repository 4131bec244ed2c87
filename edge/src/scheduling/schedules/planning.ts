import { occurrenceAt, type RecurrenceRule } from './recurrence.js';
import { insertAction, type ActionRow, type ScheduleRow, type Strategy } from './store.js';
import { addLocalDays, wallTimeAt, zonedToEpoch } from './zoned-time.js';

/**
 * Occurrence and strategy planning: which actions a schedule's occurrence consists of and when
 * each is due. Occurrence n+1 is planned when n completes, so only the next one is ever stored.
 */

/** Plans occurrence n: its main action (per region for a regional strategy) and reminder. */
export function planOccurrence(sql: SqlStorage, s: ScheduleRow, n: number, now: number): boolean {
  const rule: RecurrenceRule | null = s.recurrence ? JSON.parse(s.recurrence) : null;
  const at = occurrenceAt(s.scheduled_at, rule, n);
  if (at === null) return false;
  const strategy = JSON.parse(s.strategy) as Strategy;
  if (strategy.kind === 'regional' && s.action === 'publish') {
    strategy.regions.forEach((r, i) => insertAction(sql, s, n, 'publish', i, regionalTime(at, r.localTime, r.timeZone)));
  } else {
    insertAction(sql, s, n, s.action, 0, at);
  }
  if (s.remind_minutes !== null) {
    const remindAt = at - s.remind_minutes * 60_000;
    if (remindAt > now) insertAction(sql, s, n, 'remind', 0, remindAt);
  }
  return true;
}

/**
 * What follows a completed publish occurrence: the progressive steps after the first, the
 * unpublish at the occurrence's end, then the next occurrence.
 */
export function planAfterOccurrence(sql: SqlStorage, s: ScheduleRow, occurrence: number, fallbackAt: number, now: number): void {
  if (s.action === 'publish') {
    const strategy = JSON.parse(s.strategy) as Strategy;
    const at = occurrenceAt(s.scheduled_at, s.recurrence ? JSON.parse(s.recurrence) : null, occurrence) ?? fallbackAt;
    if (strategy.kind === 'progressive') {
      strategy.steps.forEach((st, i) => i > 0 && insertAction(sql, s, occurrence, 'step', i, at + st.afterMinutes * 60_000));
    }
    if (s.end_at !== null) insertAction(sql, s, occurrence, 'unpublish', 0, at + (s.end_at - s.scheduled_at));
  }
  planOccurrence(sql, s, occurrence + 1, now);
}

/** The first `localTime` (HH:MM) in `timeZone` at or after the occurrence: a region's own morning. */
export function regionalTime(occurrenceAt: number, localTime: string, timeZone: string): number {
  const w = wallTimeAt(occurrenceAt, timeZone);
  const [hh, mm] = localTime.split(':').map(Number) as [number, number];
  const same = zonedToEpoch({ ...w, hour: hh, minute: mm, second: 0, ms: 0 }, timeZone);
  return same >= occurrenceAt ? same : zonedToEpoch({ ...addLocalDays(w, 1), hour: hh, minute: mm, second: 0, ms: 0 }, timeZone);
}

/** Regions whose publish time (for this occurrence) is not after `at`: the regions live then. */
export function regionsLiveAt(regions: { region: string; localTime: string; timeZone: string }[], at: number, occurrence: number): string[] {
  return regions.filter((r) => regionalTime(occurrence, r.localTime, r.timeZone) <= at).map((r) => r.region);
}

/** When the action was first planned (its due time moves with retries; this does not). */
export function plannedOf(sql: SqlStorage, a: ActionRow): number {
  return sql
    .exec<{ p: number }>('SELECT planned_at AS p FROM actions WHERE schedule_id = ? AND occurrence = ? AND kind = ? AND step = ?', a.schedule_id, a.occurrence, a.kind, a.step)
    .one().p;
}

export function occurrenceAtOf(s: { scheduled_at: number; recurrence: string | null }, n: number): number {
  return occurrenceAt(s.scheduled_at, s.recurrence ? JSON.parse(s.recurrence) : null, n) ?? s.scheduled_at;
}
