import type { Reader } from '@vidplat/analytics/queries/reader';
import type { EdgeEnv } from '@vidplat/contracts';
import { clickhouseClient, clickhouseReader, type ClickHouseClient } from '../clickhouse.js';

/** The admin analytics API's reader: every query is a parameterised SELECT from @vidplat/analytics. */
export function analyticsReader(cfg: EdgeEnv): Reader {
  return clickhouseReader(cfg, cfg.ANALYTICS_QUERY_TIMEOUT_MS, 1);
}

/** The raw web client, for streaming exports. */
export function analyticsClient(cfg: EdgeEnv): ClickHouseClient {
  return clickhouseClient(cfg, cfg.ANALYTICS_QUERY_TIMEOUT_MS);
}
