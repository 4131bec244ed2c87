import type { Redis } from 'ioredis';
import { FeatureKeys, recentActionEntry, USER_ACTIONS_MAX, USER_ACTIONS_TTL_SECONDS, type SnapshotMeta, type UserProfileVector } from '@vidplat/contracts';

/**
 * Publishes feature snapshots for the edge. A snapshot is written in full under a staging key,
 * then swapped in with RENAME inside MULTI together with its metadata, so an edge reader sees
 * either the previous snapshot or the new one — never a half-written list.
 */
export class FeatureSnapshotWriter {
  constructor(
    private readonly redis: Redis,
    private readonly source: string,
  ) {}

  /** Replaces the hot list of a tenant/scenario; returns the new snapshot version. */
  async publishHotList(tenantId: string, scenario: string, items: { itemId: string; score: number }[]): Promise<number> {
    const key = FeatureKeys.hotList(tenantId, scenario);
    const metaKey = FeatureKeys.hotListMeta(tenantId, scenario);
    const version = await this.redis.incr(`${metaKey}:seq`);
    const staging = FeatureKeys.staging(key, version);
    const write = this.redis.pipeline().del(staging);
    for (let i = 0; i < items.length; i += 500) {
      const chunk = items.slice(i, i + 500).flatMap((it) => [it.score, it.itemId] as const);
      write.zadd(staging, ...chunk);
    }
    write.expire(staging, 300); // a writer that dies mid-way leaves no permanent garbage
    await execOrThrow(write);
    const meta: SnapshotMeta = { version, builtAt: new Date().toISOString(), source: this.source, size: items.length };
    const swap = this.redis.multi();
    if (items.length) swap.rename(staging, key).persist(key);
    else swap.del(key);
    swap.set(metaKey, JSON.stringify(meta));
    await execOrThrow(swap);
    return version;
  }

  /**
   * Replaces users' profile vectors (JSON at FeatureKeys.userProfile) and recent items (sorted set
   * at FeatureKeys.userRecent, score = last interaction ms). Each chunk is one MULTI, so a reader
   * sees a user's old vector and list or the new ones, never a mix.
   */
  async publishUserProfiles(
    tenantId: string,
    profiles: { userId: string; vector: UserProfileVector; recent: { itemId: string; at: number }[]; negative?: { itemId: string; at: number }[] }[],
    ttlSeconds = 30 * 86_400,
  ): Promise<void> {
    for (let i = 0; i < profiles.length; i += 200) {
      const tx = this.redis.multi();
      for (const p of profiles.slice(i, i + 200)) {
        const recentKey = FeatureKeys.userRecent(tenantId, p.userId);
        tx.set(FeatureKeys.userProfile(tenantId, p.userId), JSON.stringify(p.vector), 'EX', ttlSeconds);
        tx.del(recentKey);
        if (p.recent.length) tx.zadd(recentKey, ...p.recent.flatMap((r) => [r.at, r.itemId] as const)).expire(recentKey, ttlSeconds);
        // Items the user turned down go (back) into the edge's real-time action list: the edge
        // writes them when it accepts the event, this repairs a write it lost. LREM first, so a
        // repeated snapshot leaves one entry per dislike.
        if (p.negative?.length) {
          const actKey = FeatureKeys.userActions(tenantId, p.userId);
          for (const n of p.negative) {
            const entry = recentActionEntry({ at: n.at, type: 'dislike', itemId: n.itemId });
            tx.lrem(actKey, 0, entry).lpush(actKey, entry);
          }
          tx.ltrim(actKey, 0, USER_ACTIONS_MAX - 1).expire(actKey, USER_ACTIONS_TTL_SECONDS);
        }
      }
      await execOrThrow(tx);
    }
  }

  /**
   * Replaces item-CF neighbour lists (sorted set per item at FeatureKeys.itemNeighbours, score =
   * similarity). Each item's list is swapped inside MULTI; the build's meta (version, size) is set
   * last at itemNeighboursMetaKey (below). Items missing from the build lose their stale lists.
   */
  async publishItemNeighbours(tenantId: string, lists: Map<string, { itemId: string; score: number }[]>, version: number, staleItems: string[] = []): Promise<void> {
    const entries = [...lists.entries()];
    for (let i = 0; i < entries.length; i += 200) {
      const tx = this.redis.multi();
      for (const [item, nbrs] of entries.slice(i, i + 200)) {
        const key = FeatureKeys.itemNeighbours(tenantId, item);
        tx.del(key);
        if (nbrs.length) tx.zadd(key, ...nbrs.flatMap((n) => [n.score, n.itemId] as const));
      }
      await execOrThrow(tx);
    }
    if (staleItems.length) {
      const tx = this.redis.multi();
      for (const item of staleItems) tx.del(FeatureKeys.itemNeighbours(tenantId, item));
      await execOrThrow(tx);
    }
    const meta: SnapshotMeta = { version, builtAt: new Date().toISOString(), source: this.source, size: entries.length };
    await this.redis.set(itemNeighboursMetaKey(tenantId), JSON.stringify(meta));
  }

  /**
   * Replaces users' user-CF recall lists (sorted set per user at FeatureKeys.userCf, score = the
   * user-CF score), each swapped inside MULTI with a TTL, then the build's meta. Users missing from
   * the build keep their previous list until it expires (no interactions in the lookback: nothing
   * newer to offer them).
   */
  async publishUserCf(tenantId: string, lists: ReadonlyMap<string, readonly { itemId: string; score: number }[]>, version: number, ttlSeconds = 7 * 86_400): Promise<void> {
    const entries = [...lists.entries()];
    for (let i = 0; i < entries.length; i += 200) {
      const tx = this.redis.multi();
      for (const [user, items] of entries.slice(i, i + 200)) {
        const key = FeatureKeys.userCf(tenantId, user);
        tx.del(key);
        if (items.length) tx.zadd(key, ...items.flatMap((n) => [n.score, n.itemId] as const)).expire(key, ttlSeconds);
      }
      await execOrThrow(tx);
    }
    const meta: SnapshotMeta = { version, builtAt: new Date().toISOString(), source: this.source, size: entries.length };
    await this.redis.set(FeatureKeys.userCfMeta(tenantId), JSON.stringify(meta));
  }
}

/** Meta of the latest item-neighbour build of a tenant (SnapshotMeta JSON). */
export const itemNeighboursMetaKey = (tenantId: string) => `fs:${tenantId}:nbrmeta`;

async function execOrThrow(p: ReturnType<Redis['pipeline']>): Promise<void> {
  const results = (await p.exec()) ?? [];
  const failed = results.find(([err]) => err);
  if (failed) throw failed[0];
}
