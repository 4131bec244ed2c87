import { FeatureKeys, isRecommendable, type Item, type ItemFeatures } from '@vidplat/contracts';
import type { Redis } from '@upstash/redis/cloudflare';

export function itemFeatures(it: Item): ItemFeatures {
  return {
    s: it.state,
    p: it.publishedAt ? Date.parse(it.publishedAt) : null,
    u: it.unpublishAt ? Date.parse(it.unpublishAt) : null,
    c: it.categories,
    a: it.access,
    ...(it.authorId ? { au: it.authorId } : {}),
    k: it.kind,
  };
}

/** The recommend path's read of ItemFeatures, applied to the compact form. */
export function featuresRecommendable(f: ItemFeatures, nowMs: number): boolean {
  if (f.s !== 'published') return false;
  if (f.p !== null && f.p > nowMs) return false;
  if (f.u !== null && f.u <= nowMs) return false;
  return true;
}

/**
 * Copies item features into the feature store, where the recommend path reads them: the item
 * hash, and the fresh-items sorted set (published or scheduled items, scored by publish time).
 * One pipelined round trip per 500 items.
 */
export async function pushItemFeatures(redis: Redis, tenantId: string, items: Item[], deleted: string[] = []): Promise<void> {
  const metaKey = FeatureKeys.itemMeta(tenantId);
  const freshKey = FeatureKeys.freshItems(tenantId);
  const now = Date.now();
  for (let i = 0; i < Math.max(items.length, deleted.length); i += 500) {
    const p = redis.pipeline();
    const chunk = items.slice(i, i + 500);
    if (chunk.length) {
      p.hset(metaKey, Object.fromEntries(chunk.map((it) => [it.itemId, JSON.stringify(itemFeatures(it))])));
      const fresh = chunk.filter((it) => it.state === 'published' || it.state === 'scheduled');
      const stale = chunk.filter((it) => !(it.state === 'published' || it.state === 'scheduled'));
      if (fresh.length) {
        const [first, ...rest] = fresh.map((it) => ({ score: it.publishedAt ? Date.parse(it.publishedAt) : now, member: it.itemId }));
        p.zadd(freshKey, first!, ...rest);
      }
      if (stale.length) p.zrem(freshKey, ...stale.map((it) => it.itemId));
    }
    const del = deleted.slice(i, i + 500);
    if (del.length) {
      p.hdel(metaKey, ...del);
      p.zrem(freshKey, ...del);
    }
    // After the hash changes, in the same pipeline: a reader that sees the new version sees them.
    p.incr(FeatureKeys.itemMetaVersion(tenantId));
    await p.exec();
  }
}

/** A change that makes an item less visible must reach the feature store before we say "done". */
export const lessVisible = (it: Item | null, nowMs = Date.now()): boolean => !it || !isRecommendable(it, nowMs);
