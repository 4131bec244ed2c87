import { clickhouseReader } from '../../clickhouse.js';
import type { SchedulingConfig } from './config.js';

/**
 * Scheduling's reads of ClickHouse (gates, suggest-time, broadcaster counts), through the edge's
 * one client with bound {name:Type} parameters (arrays included). Null when analytics is not
 * configured for scheduling, times out or errors: callers decide what "unknown" means for them.
 */
export async function analyticsRows<T>(cfg: SchedulingConfig, sql: string, params: Record<string, unknown>, timeoutMs: number, retries = 1): Promise<T[] | null> {
  if (!cfg.CLICKHOUSE_URL) return null;
  try {
    return await clickhouseReader({ ...cfg, CLICKHOUSE_URL: cfg.CLICKHOUSE_URL }, timeoutMs, retries).rows<T>(sql, params);
  } catch (e) {
    console.warn('clickhouse query failed', e instanceof Error ? e.message.slice(0, 200) : String(e));
    return null;
  }
}
