import type { ExportDataset, ExportFormat } from '@vidplat/contracts';
import type { Scope } from './dashboards.js';

const RANGE = `tenant_id = {tenant:String}
  AND event_time >= toDateTime64({from:Date}, 3, 'UTC')
  AND event_time < toDateTime64({to:Date} + 1, 3, 'UTC')`;

/**
 * Export queries (constant SQL; tenant and dates are bound parameters). Rows come out in a
 * stable order so two exports of the same range are byte-identical.
 */
const DATASET_SQL: Record<ExportDataset, string> = {
  interactions: `SELECT event_id, user_id, item_id, type, scenario, experiment_id, variant,
      formatDateTime(event_time, '%Y-%m-%dT%H:%i:%S.%fZ', 'UTC') AS time, watched_seconds
    FROM events_raw FINAL WHERE ${RANGE}
    ORDER BY event_time, event_id`,
  items: `SELECT item_id, count() AS events, countIf(type = 'impression') AS impressions, countIf(type = 'click') AS clicks,
      countIf(type = 'play_start') AS plays, countIf(type = 'play_complete') AS completions,
      sumIf(watched_seconds, type IN ('play_progress', 'play_complete')) AS watch_seconds,
      countIf(type = 'like') AS likes, countIf(type = 'share') AS shares, countIf(type = 'purchase') AS purchases,
      uniqExact(user_id) AS users, toString(min(event_time)) AS first_seen, toString(max(event_time)) AS last_seen
    FROM events_raw FINAL WHERE ${RANGE}
    GROUP BY item_id ORDER BY item_id`,
  profiles: `SELECT user_id, count() AS events, countIf(type = 'impression') AS impressions, countIf(type = 'click') AS clicks,
      countIf(type = 'play_start') AS plays, countIf(type = 'play_complete') AS completions,
      sumIf(watched_seconds, type IN ('play_progress', 'play_complete')) AS watch_seconds,
      countIf(type = 'purchase') AS purchases, sumIf(JSONExtractInt(payload, 'amountCents'), type = 'purchase') AS revenue_cents,
      uniqExact(item_id) AS items, topK(1)(JSONExtractString(payload, 'device'))[1] AS device,
      toString(min(event_time)) AS first_seen, toString(max(event_time)) AS last_seen
    FROM events_raw FINAL WHERE ${RANGE}
    GROUP BY user_id ORDER BY user_id`,
};

export const EXPORT_FORMAT: Record<ExportFormat, 'JSONEachRow' | 'CSVWithNames'> = { ndjson: 'JSONEachRow', csv: 'CSVWithNames' };

export function exportQuery(dataset: ExportDataset, s: Scope): { query: string; query_params: Record<string, unknown> } {
  const sql = DATASET_SQL[dataset];
  if (!sql) throw new RangeError(`unknown dataset ${dataset}`);
  return { query: sql, query_params: { tenant: s.tenantId, from: s.from, to: s.to } };
}
