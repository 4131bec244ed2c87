import { FeatureKeys, SnapshotMeta } from '@vidplat/contracts';
import type { Redis } from '@upstash/redis/cloudflare';

export interface HotList {
  items: { itemId: string; score: number }[];
  version: number | null;
}

/**
 * Reads the top-n of a tenant/scenario hot list snapshot and its version in one pipelined round
 * trip. Snapshots are swapped atomically by the writers, so items and version always match.
 */
export async function readHotList(redis: Redis, tenant: string, scenario: string, n: number): Promise<HotList> {
  const p = redis.pipeline();
  p.zrange(FeatureKeys.hotList(tenant, scenario), 0, n - 1, { rev: true, withScores: true });
  p.get(FeatureKeys.hotListMeta(tenant, scenario));
  const [flat, metaRaw] = (await p.exec()) as [(string | number)[], unknown];
  const items: HotList['items'] = [];
  for (let i = 0; i + 1 < flat.length; i += 2) items.push({ itemId: String(flat[i]), score: Number(flat[i + 1]) });
  const meta = SnapshotMeta.safeParse(metaRaw);
  return { items, version: meta.success ? meta.data.version : null };
}
