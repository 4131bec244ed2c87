import { createClient, type ClickHouseClient } from '@clickhouse/client';
import { AnalyticsEnv, parseEnv } from '@vidplat/contracts';

export type { ClickHouseClient };

export interface ClickHouseOptions {
  url: string;
  database: string;
  username?: string;
  password?: string;
  /** Per-request timeout; the client retries nothing by itself, callers decide. */
  requestTimeoutMs?: number;
}

/** The one ClickHouse client factory of the Node tier (stream jobs, CLI, tests). */
export function createClickHouse(opts: ClickHouseOptions): ClickHouseClient {
  return createClient({
    url: opts.url,
    database: opts.database,
    username: opts.username ?? 'default',
    password: opts.password ?? '',
    request_timeout: opts.requestTimeoutMs ?? 30_000,
    clickhouse_settings: {
      // Keep UInt64 counters as JSON numbers only when the caller asks; default to strings.
      output_format_json_quote_64bit_integers: 1,
      date_time_input_format: 'best_effort',
    },
  });
}

export function clickHouseFromEnv(env: Record<string, string | undefined> = process.env): ClickHouseClient {
  const c = parseEnv(AnalyticsEnv, env);
  return createClickHouse({ url: c.CLICKHOUSE_URL, database: c.CLICKHOUSE_DATABASE, username: c.CLICKHOUSE_USER, password: c.CLICKHOUSE_PASSWORD });
}
