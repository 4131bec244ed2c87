import type { BroadcastItem, BroadcastStatsSource } from '@vidplat/contracts';
import { fetchStats, type FetchResult, type StatsFetcher, type VideoStats } from './sources/index.js';
import type { FetchPolicy } from './sources/fetcher.js';
import type { ItemStats } from './stats.js';

/** The last good numbers per item, kept by the task so a failed source can re-send them (stale). */
export type LastGood = Record<string, VideoStats & { at: number }>;

export interface TaskStats {
  perItem: Map<string, VideoStats>;
  /** Some numbers are last good values re-sent because their source failed this time. */
  stale: boolean;
  /** Why, per failed source (never the keys: only the platform, the error kind and its message). */
  errors: string[];
  lastGood: LastGood;
}

const known = (s: VideoStats) => s.views !== undefined || s.likes !== undefined;

/**
 * One task's numbers from its source. `own` is the platform's own ClickHouse counts for every item
 * of the run (null: analytics did not answer). Live tasks fetch each item from its platform through
 * the fetchers; failures stay inside this task and fall back to the item's last good value.
 */
export async function gatherTaskStats(
  t: { items: BroadcastItem[]; statsSource: BroadcastStatsSource; lastGood: LastGood },
  own: Map<string, ItemStats> | null,
  fetchers: Map<string, StatsFetcher>,
  policy: FetchPolicy,
  now: number,
): Promise<TaskStats> {
  const perItem = new Map<string, VideoStats>();
  const lastGood: LastGood = {};
  const errors: string[] = [];
  let stale = false;
  const fresh = (itemId: string, s: VideoStats) => {
    if (!known(s)) return;
    perItem.set(itemId, s);
    lastGood[itemId] = { ...s, at: now };
  };
  const fallback = (itemId: string) => {
    stale = true;
    const g = t.lastGood[itemId];
    if (!g) return;
    const { at: _at, ...s } = g;
    perItem.set(itemId, s);
    lastGood[itemId] = g;
  };

  if (t.statsSource === 'platform') {
    if (own === null) {
      errors.push('platform: analytics (ClickHouse) unavailable');
      for (const it of t.items) fallback(it.itemId);
    } else {
      // An item with no events has no data (left out), not zeros.
      for (const it of t.items) {
        const s = own.get(it.itemId);
        if (s) fresh(it.itemId, { views: s.views, likes: s.likes });
      }
    }
    return { perItem, stale, errors, lastGood };
  }

  const byPlatform = new Map<string, BroadcastItem[]>();
  for (const it of t.items) byPlatform.set(it.platform, [...(byPlatform.get(it.platform) ?? []), it]);
  await Promise.all(
    [...byPlatform].map(async ([platform, items]) => {
      const f = fetchers.get(platform);
      if (!f) {
        errors.push(`${platform}: no live statistics source for this platform`);
        return;
      }
      const ext = (it: BroadcastItem) => it.externalId ?? it.itemId;
      const r: FetchResult = await fetchStats(f, items.map(ext), policy);
      const reasons = new Set<string>();
      for (const it of items) {
        const id = ext(it);
        const s = r.stats.get(id);
        if (s) fresh(it.itemId, s);
        else if (r.failed.has(id)) {
          reasons.add(r.failed.get(id)!.message);
          fallback(it.itemId);
        }
      }
      for (const m of reasons) errors.push(m);
      if (r.notFound.length) errors.push(`${platform}: not found: ${r.notFound.slice(0, 10).join(', ')}${r.notFound.length > 10 ? ', …' : ''}`);
    }),
  );
  return { perItem, stale, errors: errors.sort(), lastGood };
}
