import type { Redis } from 'ioredis';
import { FeatureKeys, type SnapshotMeta } from '@vidplat/contracts';

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
}

async function execOrThrow(p: ReturnType<Redis['pipeline']>): Promise<void> {
  const results = (await p.exec()) ?? [];
  const failed = results.find(([err]) => err);
  if (failed) throw failed[0];
}
