import { createClient } from '@clickhouse/client-web';
import { Reader } from '@vidplat/analytics/queries/reader';
import type { EdgeEnv } from '@vidplat/contracts';
import { breaker, guardedFetch } from '../guardrails/breaker.js';

type WebClient = ReturnType<typeof createClient>;
const clients = new Map<string, WebClient>();

/**
 * The Worker's ClickHouse reader: @clickhouse/client-web over fetch, one client per isolate and
 * configuration. Read-only use: every query is a parameterised SELECT from @vidplat/analytics.
 */
export function analyticsReader(cfg: EdgeEnv): Reader {
  return new Reader(analyticsClient(cfg), { timeoutMs: cfg.ANALYTICS_QUERY_TIMEOUT_MS, retries: 1 });
}

/** The raw web client, for streaming exports. */
export function analyticsClient(cfg: EdgeEnv): WebClient {
  const key = `${cfg.CLICKHOUSE_URL}|${cfg.CLICKHOUSE_DATABASE}|${cfg.CLICKHOUSE_USER}`;
  let client = clients.get(key);
  if (!client) {
    client = createClient({
      url: cfg.CLICKHOUSE_URL,
      database: cfg.CLICKHOUSE_DATABASE,
      username: cfg.CLICKHOUSE_USER,
      password: cfg.CLICKHOUSE_PASSWORD,
      request_timeout: cfg.ANALYTICS_QUERY_TIMEOUT_MS,
      keep_alive: { enabled: false },
      clickhouse_settings: {
        output_format_json_quote_64bit_integers: 1,
        // A runaway dashboard query is cut off by the server too, not only by our timeout.
        max_execution_time: Math.ceil(cfg.ANALYTICS_QUERY_TIMEOUT_MS / 1000),
        // 2 = reads only, but per-query settings may still be set.
        readonly: '2',
      },
      // workerd's fetch rejects some RequestInit fields browsers accept; pass only what it needs.
      // Behind the `clickhouse` breaker: while open, queries fail at once (503 via onError).
      fetch: guardedFetch(breaker('clickhouse', { failures: cfg.BREAKER_FAILURES, openMs: cfg.BREAKER_OPEN_MS }), (input: RequestInfo | URL, init?: RequestInit) =>
        fetch(input, { method: init?.method ?? 'POST', headers: init?.headers ?? {}, body: init?.body ?? null, signal: init?.signal ?? null })),
    });
    clients.set(key, client);
  }
  return client;
}
