import { createClient } from '@clickhouse/client-web';
import { Reader } from '@vidplat/analytics/queries/reader';
import { breaker, guardedFetch } from './guardrails/breaker.js';

/**
 * The edge's one way to ClickHouse: @clickhouse/client-web over workerd's fetch, one client per
 * isolate and connection, read-only, with the typed Reader of @vidplat/analytics on top (bound
 * {name:Type} parameters, a timeout and bounded retries per query). The admin analytics API and
 * scheduling (gates, suggest-time, broadcaster counts) both read through here.
 */

export type ClickHouseClient = ReturnType<typeof createClient>;

export interface ClickHouseConnection {
  CLICKHOUSE_URL: string;
  CLICKHOUSE_DATABASE: string;
  CLICKHOUSE_USER: string;
  CLICKHOUSE_PASSWORD: string;
  /** Circuit breaker settings (EdgeEnv); unset: the breaker's defaults. */
  BREAKER_FAILURES?: number;
  BREAKER_OPEN_MS?: number;
}

const clients = new Map<string, ClickHouseClient>();

/** A read-only client whose queries the server also cuts off after `timeoutMs`. */
export function clickhouseClient(conn: ClickHouseConnection, timeoutMs: number): ClickHouseClient {
  const key = `${conn.CLICKHOUSE_URL}|${conn.CLICKHOUSE_DATABASE}|${conn.CLICKHOUSE_USER}|${timeoutMs}`;
  let client = clients.get(key);
  if (!client) {
    client = createClient({
      url: conn.CLICKHOUSE_URL,
      database: conn.CLICKHOUSE_DATABASE,
      username: conn.CLICKHOUSE_USER,
      password: conn.CLICKHOUSE_PASSWORD,
      request_timeout: timeoutMs,
      keep_alive: { enabled: false },
      clickhouse_settings: {
        output_format_json_quote_64bit_integers: 1,
        // A runaway query is cut off by the server too, not only by our timeout.
        max_execution_time: Math.ceil(timeoutMs / 1000),
        // 2 = reads only, but per-query settings may still be set.
        readonly: '2',
      },
      // workerd's fetch rejects some RequestInit fields browsers accept; pass only what it needs.
      // Behind the `clickhouse` breaker: while open, queries fail at once (503 via onError).
      fetch: guardedFetch(breaker('clickhouse', breakerOptions(conn)), (input: RequestInfo | URL, init?: RequestInit) =>
        fetch(input, { method: init?.method ?? 'POST', headers: init?.headers ?? {}, body: init?.body ?? null, signal: init?.signal ?? null })),
    });
    clients.set(key, client);
  }
  return client;
}

function breakerOptions(conn: ClickHouseConnection): { failures?: number; openMs?: number } | undefined {
  if (conn.BREAKER_FAILURES === undefined && conn.BREAKER_OPEN_MS === undefined) return undefined;
  return { ...(conn.BREAKER_FAILURES !== undefined ? { failures: conn.BREAKER_FAILURES } : {}), ...(conn.BREAKER_OPEN_MS !== undefined ? { openMs: conn.BREAKER_OPEN_MS } : {}) };
}

export function clickhouseReader(conn: ClickHouseConnection, timeoutMs: number, retries = 1): Reader {
  return new Reader(clickhouseClient(conn, timeoutMs), { timeoutMs, retries });
}
