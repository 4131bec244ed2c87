/**
 * Wall-clock arithmetic in IANA time zones with the Intl API only (workerd has full ICU data).
 * Disambiguation follows Temporal's "compatible": a local time inside a DST gap moves forward by
 * the gap; a repeated local time (DST end) takes the earlier instant.
 */
export interface WallTime {
  year: number;
  month: number; // 1..12
  day: number;
  hour: number;
  minute: number;
  second: number;
  ms: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** True when the runtime knows the zone (Intl throws RangeError otherwise). */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    formatter(timeZone);
    return true;
  } catch {
    return false;
  }
}

export function wallTimeAt(epochMs: number, timeZone: string): WallTime {
  const parts = formatter(timeZone).formatToParts(new Date(epochMs));
  const get = (t: string) => Number(parts.find((p) => p.type === t)!.value);
  return {
    year: get('year'),
    month: get('month'),
    day: get('day'),
    hour: get('hour'),
    minute: get('minute'),
    second: get('second'),
    ms: ((epochMs % 1000) + 1000) % 1000,
  };
}

const wallAsUtc = (w: WallTime) => Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second, w.ms);

/** Offset (ms east of UTC) of the zone at an instant. */
export function offsetAt(epochMs: number, timeZone: string): number {
  return wallAsUtc(wallTimeAt(epochMs, timeZone)) - epochMs;
}

/** The instant a local wall time denotes in the zone ("compatible" disambiguation). */
export function zonedToEpoch(w: WallTime, timeZone: string): number {
  const local = wallAsUtc(w);
  const DAY = 86_400_000;
  // Offsets a day either side bracket any single transition near this local time.
  const before = offsetAt(local - DAY, timeZone);
  const after = offsetAt(local + DAY, timeZone);
  const candidates = [...new Set([before, after])]
    .map((o) => local - o)
    .filter((t) => wallAsUtc(wallTimeAt(t, timeZone)) === local)
    .sort((a, b) => a - b);
  if (candidates.length) return candidates[0]!;
  // In a gap (clocks jumped forward): read the wall time with the pre-transition offset,
  // which lands the same distance after the gap.
  return local - before;
}

export const daysInMonth = (year: number, month: number) => new Date(Date.UTC(year, month, 0)).getUTCDate();

/** Local calendar date shifted by whole days / months, day-of-month clamped for short months. */
export function addLocalDays(w: WallTime, days: number): WallTime {
  const d = new Date(Date.UTC(w.year, w.month - 1, w.day + days));
  return { ...w, year: d.getUTCFullYear(), month: d.getUTCMonth() + 1, day: d.getUTCDate() };
}

export function addLocalMonths(w: WallTime, months: number, anchorDay = w.day): WallTime {
  const total = w.year * 12 + (w.month - 1) + months;
  const year = Math.floor(total / 12);
  const month = (total % 12) + 1;
  return { ...w, year, month, day: Math.min(anchorDay, daysInMonth(year, month)) };
}

export const localDateKey = (w: WallTime) =>
  `${w.year}-${String(w.month).padStart(2, '0')}-${String(w.day).padStart(2, '0')}`;
