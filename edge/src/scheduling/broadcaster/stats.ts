import type { BroadcastPayload } from '@vidplat/contracts';
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

/**
 * Per-platform numbers folded into buckets by the mapping (a platform not in it is its own
 * bucket): with {douyin: "yt"}, Douyin's views and likes count into yt_views / yt_likes.
 */
export function bucketStats(
  items: { itemId: string; platform: string }[],
  perItem: Map<string, ItemStats>,
  mapping: Record<string, string>,
): Pick<BroadcastPayload, 'stats' | 'totals'> {
  const byPlatform = new Map<string, ItemStats>();
  for (const it of items) {
    const s = perItem.get(it.itemId) ?? { views: 0, likes: 0 };
    const p = byPlatform.get(it.platform) ?? { views: 0, likes: 0 };
    byPlatform.set(it.platform, { views: p.views + s.views, likes: p.likes + s.likes });
  }
  const totals: Record<string, number> = {};
  for (const [platform, s] of byPlatform) {
    const bucket = mapping[platform] ?? platform;
    totals[`${bucket}_views`] = (totals[`${bucket}_views`] ?? 0) + s.views;
    totals[`${bucket}_likes`] = (totals[`${bucket}_likes`] ?? 0) + s.likes;
  }
  const stats = [...byPlatform].map(([platform, s]) => ({ platform, views: s.views, likes: s.likes })).sort((a, b) => a.platform.localeCompare(b.platform));
  return { stats, totals };
}
