/** Numbers as the admin page shows them: thousands grouped, small values to 2 decimals. */
export function fmt(n: unknown, digits?: number): string {
  if (typeof n !== 'number' || !Number.isFinite(n)) return '–';
  if (digits !== undefined) return n.toFixed(digits);
  return Math.abs(n) >= 1000 ? Math.round(n).toLocaleString('en-US') : String(Math.round(n * 100) / 100);
}

export const pct = (x: number, digits = 1): string => `${fmt(100 * x, digits)}%`;

/** UTC calendar day `offset` days from now, YYYY-MM-DD. */
export const isoDay = (offset: number): string => new Date(Date.now() + offset * 86_400_000).toISOString().slice(0, 10);

/** The browser's IANA time zone (what the calendar and heatmap are bucketed in). */
export const browserTimeZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

/** Local calendar date YYYY-MM-DD of an instant in a zone. */
export const localDate = (iso: string, tz: string): string =>
  new Intl.DateTimeFormat('en-CA', { timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(iso));

export const localTime = (iso: string, tz: string): string =>
  new Intl.DateTimeFormat('en-GB', { timeZone: tz, hour: '2-digit', minute: '2-digit', hour12: false }).format(new Date(iso));

export const addDays = (day: string, n: number): string => new Date(Date.parse(`${day}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
