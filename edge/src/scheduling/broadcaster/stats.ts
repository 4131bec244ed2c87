import { analyticsRows } from '../shared/analytics.js';
import type { SchedulingConfig } from '../shared/config.js';

export interface ItemStats {
  views: number;
  likes: number;
}

/**
 * Views (play starts) and likes per item from ClickHouse `events_raw`, through the edge's one
 * ClickHouse client with bound parameters. Null when analytics is not configured or does not answer in time: the
 * broadcaster then re-sends the last known numbers flagged `stale`.
 */
export async function readItemStats(cfg: SchedulingConfig, tenantId: string, itemIds: string[]): Promise<Map<string, ItemStats> | null> {
  if (!itemIds.length) return new Map();
  const rows = await analyticsRows<{ item_id: string; views: number | string; likes: number | string }>(
    cfg,
    `SELECT item_id, countIf(type = 'play_start') AS views, countIf(type = 'like') AS likes
     FROM events_raw WHERE tenant_id = {tenant:String} AND item_id IN {items:Array(String)} GROUP BY item_id`,
    { tenant: tenantId, items: itemIds },
    cfg.BROADCAST_TIMEOUT_MS,
    // One attempt: the task's own retries with backoff cover a slow ClickHouse.
    0,
  );
  return rows && new Map(rows.map((r) => [r.item_id, { views: Number(r.views), likes: Number(r.likes) }]));
}
