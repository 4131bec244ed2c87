import type { SchedulingConfig } from './config.js';

/**
 * A read-only ClickHouse query over its HTTP interface with bound {name:Type} parameters (values
 * travel as param_* URL parameters, never in the SQL text). Returns null when analytics is not
 * configured, times out or errors: callers decide what "unknown" means for them.
 */
export async function clickhouseRows<T>(cfg: SchedulingConfig, sql: string, params: Record<string, string>, timeoutMs: number): Promise<T[] | null> {
  if (!cfg.CLICKHOUSE_URL) return null;
  const url = new URL(cfg.CLICKHOUSE_URL);
  url.searchParams.set('database', cfg.CLICKHOUSE_DATABASE);
  url.searchParams.set('default_format', 'JSONEachRow');
  url.searchParams.set('output_format_json_quote_64bit_integers', '0');
  url.searchParams.set('readonly', '2');
  for (const [k, v] of Object.entries(params)) url.searchParams.set(`param_${k}`, v);
  try {
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'x-clickhouse-user': cfg.CLICKHOUSE_USER, 'x-clickhouse-key': cfg.CLICKHOUSE_PASSWORD },
      body: sql,
      signal: AbortSignal.timeout(timeoutMs),
    });
    if (!res.ok) {
      console.warn('clickhouse query failed', res.status, (await res.text()).slice(0, 200));
      return null;
    }
    return (await res.text())
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as T);
  } catch (e) {
    console.warn('clickhouse unreachable', e instanceof Error ? e.message : String(e));
    return null;
  }
}

/** ClickHouse Array(String) literal for a param_* value. */
export const chStringArray = (xs: string[]) => `[${xs.map((i) => `'${i.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`).join(',')}]`;
