import type { z } from 'zod';
import type { Recurrence } from '@vidplat/contracts';
import { addLocalDays, addLocalMonths, wallTimeAt, zonedToEpoch } from './zoned-time.js';

export type RecurrenceRule = z.infer<typeof Recurrence>;

/** Hard cap so a rule without count/until cannot make a calendar query unbounded. */
export const MAX_OCCURRENCES = 1000;

/**
 * Instant of occurrence n (0-based) of a schedule first due at `firstAt`. Each occurrence keeps
 * the first one's local wall-clock time in the rule's zone, so 09:00 stays 09:00 across DST, and a
 * monthly rule anchored on the 31st falls on the last day of shorter months (then back to the 31st).
 * Returns null once the rule is exhausted (count / until / once).
 */
export function occurrenceAt(firstAt: number, rule: RecurrenceRule | null, n: number): number | null {
  if (n < 0) return null;
  if (n === 0) return firstAt;
  if (!rule || rule.frequency === 'once') return null;
  if (n >= Math.min(rule.count ?? MAX_OCCURRENCES, MAX_OCCURRENCES)) return null;
  const anchor = wallTimeAt(firstAt, rule.timeZone);
  const local =
    rule.frequency === 'daily'
      ? addLocalDays(anchor, n)
      : rule.frequency === 'weekly'
        ? addLocalDays(anchor, 7 * n)
        : addLocalMonths(anchor, n, anchor.day);
  const at = zonedToEpoch(local, rule.timeZone);
  if (rule.until && at > Date.parse(rule.until)) return null;
  return at;
}

/** Occurrences with index ≥ fromN whose instants fall in [from, to). */
export function occurrencesBetween(
  firstAt: number,
  rule: RecurrenceRule | null,
  from: number,
  to: number,
  fromN = 0,
): { n: number; at: number }[] {
  const out: { n: number; at: number }[] = [];
  for (let n = fromN; n < MAX_OCCURRENCES; n++) {
    const at = occurrenceAt(firstAt, rule, n);
    if (at === null || at >= to) break;
    if (at >= from) out.push({ n, at });
  }
  return out;
}
