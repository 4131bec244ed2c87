import { ANALYTICS_MAX_RANGE_DAYS_DEFAULT, apiErrorFromZod, type ApiError } from '@vidplat/contracts';
import type { z } from 'zod';

export type Parsed<T> = { ok: true; value: T } | { ok: false; error: ApiError };

const DAY = 86_400_000;

/** Days in [from, to], both inclusive. */
export function rangeDays(from: string, to: string): number {
  return Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY) + 1;
}

/**
 * Parses a query string with a schema that has `from`/`to`, then checks the range: `to` not
 * before `from`, and not longer than the configured maximum. Errors carry code and field.
 */
export function parseAnalyticsQuery<S extends z.ZodType<{ from: string; to: string }>>(
  schema: S,
  query: Record<string, string | undefined>,
  maxRangeDays = ANALYTICS_MAX_RANGE_DAYS_DEFAULT,
): Parsed<z.infer<S>> {
  const r = schema.safeParse(query);
  if (!r.success) return { ok: false, error: apiErrorFromZod(r.error, 'invalid_query') };
  const { from, to } = r.data;
  const days = rangeDays(from, to);
  if (days < 1) return { ok: false, error: { code: 'invalid_query', message: '`to` is before `from`', field: 'to' } };
  if (days > maxRangeDays) return { ok: false, error: { code: 'invalid_query', message: `range of ${days} days exceeds the maximum of ${maxRangeDays}`, field: 'to' } };
  return { ok: true, value: r.data };
}

/** Every day of the range as 'YYYY-MM-DD'. */
export function daysOf(from: string, to: string): string[] {
  const out: string[] = [];
  for (let t = Date.parse(`${from}T00:00:00Z`); t <= Date.parse(`${to}T00:00:00Z`); t += DAY) out.push(new Date(t).toISOString().slice(0, 10));
  return out;
}
