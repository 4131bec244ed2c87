import { Redis } from '@upstash/redis/cloudflare';
import { FeatureKeys, ItemFeatures, SnapshotMeta, type EdgeEnv, type Scored } from '@vidplat/contracts';

const clients = new Map<string, Redis>();

/**
 * The recommend path's feature-store client. Automatic JSON deserialisation is off: item ids such
 * as "42" or "1e5" must stay strings, and values are parsed against their contracts here.
 */
export function recommendStore(cfg: EdgeEnv): Redis {
  let r = clients.get(cfg.UPSTASH_REDIS_REST_URL);
  if (!r) {
    r = new Redis({
      url: cfg.UPSTASH_REDIS_REST_URL,
      token: cfg.UPSTASH_REDIS_REST_TOKEN,
      automaticDeserialization: false,
      // Plain JSON replies: base64-decoding every member of every reply costs more CPU than the
      // whole ranking stage (ids are ASCII slugs, so nothing needs the binary-safe encoding).
      responseEncoding: false,
      retry: { retries: 1, backoff: () => 10 },
      enableTelemetry: false,
      signal: () => AbortSignal.timeout(cfg.FEATURE_STORE_TIMEOUT_MS),
    });
    clients.set(cfg.UPSTASH_REDIS_REST_URL, r);
  }
  return r;
}

export function pairs(flat: unknown): Scored[] {
  const a = (flat ?? []) as unknown[];
  const out: Scored[] = [];
  for (let i = 0; i + 1 < a.length; i += 2) out.push({ itemId: String(a[i]), score: Number(a[i + 1]) });
  return out;
}

export function parseMeta(raw: unknown): SnapshotMeta | null {
  try {
    const r = SnapshotMeta.safeParse(typeof raw === 'string' ? JSON.parse(raw) : raw);
    return r.success ? r.data : null;
  } catch {
    return null;
  }
}

const STATES = new Set(['draft', 'scheduled', 'published', 'unpublished']);
const ACCESS = new Set(['free', 'paid', 'member']);
const numOrNull = (v: unknown) => v === null || (typeof v === 'number' && Number.isFinite(v));

/**
 * ItemFeatures from the feature store. Hand-checked rather than zod-parsed: this runs for every
 * candidate of every request; the shape is the contract's and anything else is dropped.
 */
export function parseItemFeatures(raw: unknown): ItemFeatures | null {
  if (raw === null || raw === undefined) return null;
  let v: unknown;
  try {
    v = typeof raw === 'string' ? JSON.parse(raw) : raw;
  } catch {
    return null;
  }
  const f = v as Partial<ItemFeatures> | null;
  if (!f || typeof f !== 'object' || !STATES.has(f.s as string) || !ACCESS.has(f.a as string) || !numOrNull(f.p) || !numOrNull(f.u)) return null;
  if (!Array.isArray(f.c) || !f.c.every((x) => typeof x === 'string')) return null;
  if (f.au !== undefined && typeof f.au !== 'string') return null;
  return f as ItemFeatures;
}

/**
 * Per-isolate cache of item features, valid for one value of the tenant's itemMetaVersion
 * counter (read in the request's first round trip). Any item change bumps the counter, so an
 * unpublished item is never served from a stale cache entry.
 */
const MAX_CACHED = 200_000;
const featureCache = new Map<string, { version: string; items: Map<string, ItemFeatures> }>();

export function cachedFeatures(tenantId: string, version: string | null): Map<string, ItemFeatures> | null {
  if (version === null) return null;
  let c = featureCache.get(tenantId);
  if (!c || c.version !== version) featureCache.set(tenantId, (c = { version, items: new Map() }));
  if (c.items.size > MAX_CACHED) c.items.clear();
  return c.items;
}

/** First round trip: everything that does not depend on another read. */
export async function readBase(redis: Redis, t: string, scenario: string, user: string, sizes: { hot: number; fresh: number; recent: number }) {
  const p = redis.pipeline();
  p.zrange(FeatureKeys.hotList(t, scenario), 0, Math.max(0, sizes.hot - 1), { rev: true, withScores: true });
  p.get(FeatureKeys.hotListMeta(t, scenario));
  p.zrange(FeatureKeys.freshItems(t), 0, Math.max(0, sizes.fresh - 1), { rev: true, withScores: true });
  p.zrange(FeatureKeys.userRecent(t, user), 0, Math.max(0, sizes.recent - 1), { rev: true, withScores: true });
  p.get(FeatureKeys.itemMetaVersion(t));
  p.get(FeatureKeys.itemNeighboursMeta(t));
  const [hot, meta, fresh, recent, itemsVersion, nbrMeta] = (await p.exec()) as unknown[];
  return {
    hot: pairs(hot),
    meta: parseMeta(meta),
    fresh: pairs(fresh),
    recent: pairs(recent),
    itemsVersion: itemsVersion === null || itemsVersion === undefined ? null : String(itemsVersion),
    neighboursVersion: parseMeta(nbrMeta)?.version ?? null,
  };
}

/**
 * Per-isolate cache of neighbour lists for one neighbour build (its meta version, read in the
 * first round trip). Lists written without a build meta are never cached.
 */
const neighbourCache = new Map<string, { version: number; lists: Map<string, Scored[]> }>();

export function cachedNeighbours(tenantId: string, version: number | null): Map<string, Scored[]> | null {
  if (version === null) return null;
  let c = neighbourCache.get(tenantId);
  if (!c || c.version !== version) neighbourCache.set(tenantId, (c = { version, lists: new Map() }));
  if (c.lists.size > MAX_CACHED) c.lists.clear();
  return c.lists;
}

/** Second round trip: item-CF neighbours of the given items and features of the given items. */
export async function readNeighboursAndFeatures(redis: Redis, t: string, seeds: string[], perSeed: number, ids: string[]) {
  const p = redis.pipeline();
  for (const s of seeds) p.zrange(FeatureKeys.itemNeighbours(t, s), 0, perSeed - 1, { rev: true, withScores: true });
  if (ids.length) p.hmget(FeatureKeys.itemMeta(t), ...ids);
  const res = seeds.length || ids.length ? ((await p.exec()) as unknown[]) : [];
  const neighbours = seeds.map((_, i) => pairs(res[i]));
  const features = ids.length ? featureMap(ids, res[seeds.length]) : new Map<string, ItemFeatures>();
  return { neighbours, features };
}

export async function readFeatures(redis: Redis, t: string, ids: string[]): Promise<Map<string, ItemFeatures>> {
  if (!ids.length) return new Map();
  return featureMap(ids, await redis.hmget(FeatureKeys.itemMeta(t), ...ids));
}

function featureMap(ids: string[], raw: unknown): Map<string, ItemFeatures> {
  const m = new Map<string, ItemFeatures>();
  // @upstash/redis answers HMGET with an object keyed by field (or null when none exist).
  const values = Array.isArray(raw) ? raw : ids.map((id) => (raw as Record<string, unknown> | null)?.[id]);
  ids.forEach((id, i) => {
    const f = parseItemFeatures(values[i]);
    if (f) m.set(id, f);
  });
  return m;
}
