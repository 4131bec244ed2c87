import { describe, expect, it } from 'vitest';
import { occurrenceAt, occurrencesBetween } from '../src/scheduling/schedules/recurrence.js';
import { isValidTimeZone, wallTimeAt, zonedToEpoch } from '../src/scheduling/schedules/zoned-time.js';
import { nextWeekdayHour } from '../src/scheduling/schedules/suggest-time.js';

const utc = (s: string) => Date.parse(s);
const isoOf = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());
const series = (first: string, rule: Parameters<typeof occurrenceAt>[1], n: number) =>
  Array.from({ length: n }, (_, i) => isoOf(occurrenceAt(utc(first), rule, i)));

describe('recurrence in IANA zones (workerd Intl)', () => {
  it('daily 09:00 Europe/Berlin stays 09:00 local across the March and October changes', () => {
    // 2026-03-29 02:00 CET → 03:00 CEST; 2026-10-25 03:00 CEST → 02:00 CET.
    expect(series('2026-03-28T08:00:00.000Z', { frequency: 'daily', timeZone: 'Europe/Berlin' }, 3)).toEqual([
      '2026-03-28T08:00:00.000Z',
      '2026-03-29T07:00:00.000Z',
      '2026-03-30T07:00:00.000Z',
    ]);
    expect(series('2026-10-24T07:00:00.000Z', { frequency: 'daily', timeZone: 'Europe/Berlin' }, 2)).toEqual([
      '2026-10-24T07:00:00.000Z',
      '2026-10-25T08:00:00.000Z',
    ]);
  });

  it('weekly in America/New_York keeps local time over the 2026-03-08 and 2026-11-01 changes', () => {
    expect(series('2026-03-01T23:30:00.000Z', { frequency: 'weekly', timeZone: 'America/New_York' }, 2)).toEqual([
      '2026-03-01T23:30:00.000Z', // 18:30 EST
      '2026-03-08T22:30:00.000Z', // 18:30 EDT
    ]);
    expect(series('2026-10-25T13:00:00.000Z', { frequency: 'weekly', timeZone: 'America/New_York' }, 2)).toEqual([
      '2026-10-25T13:00:00.000Z', // 09:00 EDT
      '2026-11-01T14:00:00.000Z', // 09:00 EST
    ]);
  });

  it('monthly on the 31st falls on the last day of short months and returns to the 31st', () => {
    const rule = { frequency: 'monthly', timeZone: 'Europe/Berlin' } as const;
    const local = series('2027-01-31T09:00:00.000Z', rule, 5).map((t) => {
      const w = wallTimeAt(Date.parse(t!), 'Europe/Berlin');
      return `${w.month}-${w.day} ${w.hour}:${w.minute}`;
    });
    expect(local).toEqual(['1-31 10:0', '2-28 10:0', '3-31 10:0', '4-30 10:0', '5-31 10:0']);
    // Leap year.
    expect(wallTimeAt(occurrenceAt(utc('2028-01-31T12:00:00Z'), { frequency: 'monthly', timeZone: 'UTC' }, 1)!, 'UTC').day).toBe(29);
  });

  it('a local time in the spring gap moves forward; a repeated one takes the earlier instant', () => {
    const wall = { year: 2026, month: 3, day: 29, hour: 2, minute: 30, second: 0, ms: 0 };
    expect(isoOf(zonedToEpoch(wall, 'Europe/Berlin'))).toBe('2026-03-29T01:30:00.000Z'); // 03:30 CEST
    expect(isoOf(zonedToEpoch({ ...wall, month: 10, day: 25 }, 'Europe/Berlin'))).toBe('2026-10-25T00:30:00.000Z'); // first 02:30 (CEST)
    expect(isoOf(zonedToEpoch({ ...wall, month: 3, day: 8 }, 'America/New_York'))).toBe('2026-03-08T07:30:00.000Z'); // 03:30 EDT
    // A daily 02:30 series across the gap: only the gap day shifts.
    const d = series('2026-03-28T01:30:00.000Z', { frequency: 'daily', timeZone: 'Europe/Berlin' }, 3).map((t) => wallTimeAt(Date.parse(t!), 'Europe/Berlin').hour);
    expect(d).toEqual([2, 3, 2]);
  });

  it('count, until and once end the series; the zone name is validated', () => {
    expect(occurrenceAt(utc('2026-01-01T00:00:00Z'), { frequency: 'daily', timeZone: 'UTC', count: 2 }, 2)).toBeNull();
    expect(occurrenceAt(utc('2026-01-01T00:00:00Z'), { frequency: 'daily', timeZone: 'UTC', until: '2026-01-03T00:00:00Z' }, 2)).toBe(utc('2026-01-03T00:00:00Z'));
    expect(occurrenceAt(utc('2026-01-01T00:00:00Z'), { frequency: 'daily', timeZone: 'UTC', until: '2026-01-03T00:00:00Z' }, 3)).toBeNull();
    expect(occurrenceAt(utc('2026-01-01T00:00:00Z'), { frequency: 'once', timeZone: 'UTC' }, 1)).toBeNull();
    expect(occurrenceAt(utc('2026-01-01T00:00:00Z'), null, 1)).toBeNull();
    expect(occurrencesBetween(utc('2026-01-01T00:00:00Z'), { frequency: 'weekly', timeZone: 'UTC' }, utc('2026-01-10T00:00:00Z'), utc('2026-01-31T00:00:00Z')).map((o) => o.n)).toEqual([2, 3, 4]);
    expect(isValidTimeZone('Asia/Kolkata')).toBe(true);
    expect(isValidTimeZone('Mars/Olympus')).toBe(false);
  });

  it('suggested slots resolve to the next future local weekday/hour', () => {
    // Wednesday 2026-11-25 07:44 UTC = 08:44 in Berlin.
    const now = utc('2026-11-25T07:44:00Z');
    expect(isoOf(nextWeekdayHour(now, 'Europe/Berlin', 3, 20))).toBe('2026-11-25T19:00:00.000Z'); // today 20:00
    expect(isoOf(nextWeekdayHour(now, 'Europe/Berlin', 3, 8))).toBe('2026-12-02T07:00:00.000Z'); // passed today → next week
    expect(isoOf(nextWeekdayHour(now, 'America/New_York', 1, 9))).toBe('2026-11-30T14:00:00.000Z'); // Monday 09:00 EST
  });
});
