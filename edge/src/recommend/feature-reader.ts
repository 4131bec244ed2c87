import { FeatureKeys, ItemFeatures, ItemKind, SnapshotMeta, USER_ACTIONS_MAX, USER_IMPRESSIONS_MAX, type Scored } from '@vidplat/contracts';
import type { FeatureStore, StoreCommand } from '../feature-store/pipeline.js';
import type { NeighbourList } from './candidates.js';
import { mergeUserActions } from './user-actions.js';

/** ZRANGE key start stop REV WITHSCORES: best first, flat [member, score, …]. */
const zrevrange = (key: string, count: number): StoreCommand => ['zrange', key, 0, Math.max(0, count - 1), 'rev', 'withscores'];

export function pairs(flat: unknown): Scored[] {
  const a = (flat ?? []) as unknown[];
  const out: Scored[] = [];
  for (let i = 0; i + 1 < a.length; i += 2) out.push({ itemId: String(a[i]), score: Number(a[i + 1]) });
  return out;
}

const NO_PAIRS: Scored[] = Object.freeze([]) as unknown as Scored[];

/** The last meta strings parsed (hot-list and neighbour metas change rarely; zod parse per request cost ~2% of CPU). */
const metaMemo = new Map<string, SnapshotMeta | null>();

export function parseMeta(raw: unknown): SnapshotMeta | null {
  if (typeof raw === 'string') {
    const hit = metaMemo.get(raw);
    if (hit !== undefined) return hit;
    const parsed = parseMetaNow(raw);
    if (metaMemo.size >= 64) metaMemo.clear();
    metaMemo.set(raw, parsed);
    return parsed;
  }
  return parseMetaNow(raw);
}

function parseMetaNow(raw: unknown): SnapshotMeta | null {
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
  if (f.k !== undefined && !KIND_NAMES.has(f.k)) return null;
  // Compact for the isolate cache (up to 200k entries): one object per item with the state and
  // access as shared constant strings and the category list shared by every item with the same
  // categories, instead of an object, an array and two strings each. Fewer, smaller heap objects
  // (GC marks less) and pointer-equal strings for the state checks. Values are unchanged.
  const out: ItemFeatures = { s: STATE_NAMES.get(f.s!)!, p: f.p ?? null, u: f.u ?? null, c: internCategories(f.c), a: ACCESS_NAMES.get(f.a!)! };
  if (f.au !== undefined) out.au = f.au;
  if (f.k !== undefined) out.k = KIND_NAMES.get(f.k)!;
  return out;
}

const STATE_NAMES = new Map<string, ItemFeatures['s']>([...STATES].map((x) => [x, x as ItemFeatures['s']]));
const ACCESS_NAMES = new Map<string, ItemFeatures['a']>([...ACCESS].map((x) => [x, x as ItemFeatures['a']]));
const KIND_NAMES = new Map<string, NonNullable<ItemFeatures['k']>>(ItemKind.options.map((x) => [x, x]));
const NO_CATEGORIES: string[] = Object.freeze([]) as unknown as string[];
/** Shared category lists: one category by name, several by their JSON (no ambiguity between the two). */
const singleCategory = new Map<string, string[]>();
const categoryLists = new Map<string, string[]>();
/** One frozen array per distinct category list (readers never modify a feature's categories). */
function internCategories(c: string[]): string[] {
  if (!c.length) return NO_CATEGORIES;
  const sets = c.length === 1 ? singleCategory : categoryLists;
  const key = c.length === 1 ? c[0]! : JSON.stringify(c);
  let shared = sets.get(key);
  if (!shared) {
    if (sets.size >= 50_000) sets.clear(); // bound: only sharing is lost
    sets.set(key, (shared = Object.freeze([...c]) as unknown as string[]));
  }
  return shared;
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
  // A new map rather than clear(): requests in flight keep reading the one they started with.
  if (!c || c.version !== version || c.items.size > MAX_CACHED) featureCache.set(tenantId, (c = { version, items: new Map() }));
  return c.items;
}

/**
 * Hot and fresh lists cached per isolate with the version they were read at (hot: snapshot meta
 * version; fresh: itemMetaVersion, bumped by every item write). Versions are read before the
 * lists, so a cached list is never older than its version tag.
 */
interface CachedLists {
  hotVersion: number | null;
  hot: Scored[];
  hotSize: number;
  freshVersion: string | null;
  fresh: Scored[];
  freshSize: number;
}
const listCache = new Map<string, CachedLists>();

const str = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

/**
 * First round trip: versions, the user's recent items (the profile snapshot merged with the
 * actions the edge recorded at event accept: user-actions.ts), and the hot/fresh lists unless
 * this isolate holds them at the current version (then a second trip only when a version moved).
 */
export async function readBase(store: FeatureStore, t: string, scenario: string, user: string, sizes: { hot: number; fresh: number; recent: number; userCf?: number }) {
  const ck = `${t}/${scenario}`;
  const c = listCache.get(ck);
  const hotCached = !!c && c.hotVersion !== null && c.hotSize >= sizes.hot;
  const freshCached = !!c && c.freshVersion !== null && c.freshSize >= sizes.fresh;
  const hotRange = zrevrange(FeatureKeys.hotList(t, scenario), sizes.hot);
  const freshRange = zrevrange(FeatureKeys.freshItems(t), sizes.fresh);
  const p: StoreCommand[] = [
    ['get', FeatureKeys.hotListMeta(t, scenario)],
    ['get', FeatureKeys.itemMetaVersion(t)],
    ['get', FeatureKeys.itemNeighboursMeta(t)],
    zrevrange(FeatureKeys.userRecent(t, user), sizes.recent),
    ['lrange', FeatureKeys.userActions(t, user), 0, USER_ACTIONS_MAX - 1],
    ['lrange', FeatureKeys.userImpressions(t, user), 0, USER_IMPRESSIONS_MAX - 1],
  ];
  if (!hotCached) p.push(hotRange);
  if (!freshCached) p.push(freshRange);
  // The user's offline user-CF list (stream similarity job), in the same round trip.
  const userCfSize = sizes.userCf ?? 0;
  if (userCfSize > 0) p.push(zrevrange(FeatureKeys.userCf(t, user), userCfSize));
  const res = await store.pipeline(p);
  const [metaRaw, itemsVersionRaw, nbrMetaRaw, recentRaw, actionsRaw, impressionsRaw] = res;
  let i = 6;
  const meta = parseMeta(metaRaw);
  const itemsVersion = str(itemsVersionRaw);
  let hot = hotCached ? null : pairs(res[i++]);
  let fresh = freshCached ? null : pairs(res[i++]);
  const userCf = userCfSize > 0 ? pairs(res[i++]) : NO_PAIRS;
  const hotStale = hotCached && c!.hotVersion !== (meta?.version ?? null);
  const freshStale = freshCached && c!.freshVersion !== itemsVersion;
  if (hotStale || freshStale) {
    const q: StoreCommand[] = [];
    if (hotStale) q.push(hotRange);
    if (freshStale) q.push(freshRange);
    const r2 = await store.pipeline(q);
    if (hotStale) hot = pairs(r2[0]);
    if (freshStale) fresh = pairs(r2[hotStale ? 1 : 0]);
  }
  // The cached arrays themselves when no cut is needed: callers only read them, and a stable
  // array lets later stages recognise a list they have already checked (see RequestFeatures).
  hot ??= c!.hot.length <= sizes.hot ? c!.hot : c!.hot.slice(0, sizes.hot);
  fresh ??= c!.fresh.length <= sizes.fresh ? c!.fresh : c!.fresh.slice(0, sizes.fresh);
  if (!hotCached || hotStale || !freshCached || freshStale) {
    listCache.set(ck, {
      hotVersion: hotCached && !hotStale ? c!.hotVersion : (meta?.version ?? null),
      hot: hotCached && !hotStale ? c!.hot : hot,
      hotSize: hotCached && !hotStale ? c!.hotSize : sizes.hot,
      freshVersion: freshCached && !freshStale ? c!.freshVersion : itemsVersion,
      fresh: freshCached && !freshStale ? c!.fresh : fresh,
      freshSize: freshCached && !freshStale ? c!.freshSize : sizes.fresh,
    });
  }
  const actions = mergeUserActions(pairs(recentRaw), actionsRaw, impressionsRaw, sizes.recent);
  return { hot, meta, fresh, recent: actions.recent, actions, userCf, itemsVersion, neighboursVersion: parseMeta(nbrMetaRaw)?.version ?? null };
}

/**
 * Per-isolate cache of neighbour lists for one neighbour build (its meta version, read in the
 * first round trip). Lists written without a build meta are never cached. Stored compactly (ids
 * interned, scores in a Float64Array): a warm isolate holds tens of thousands of lists.
 */
export type { NeighbourList } from './candidates.js';
const MAX_NEIGHBOUR_LISTS = 50_000;

export class NeighbourCache {
  private lists = new Map<string, NeighbourList>();
  private names = new Map<string, string>();
  constructor(readonly version: number) {}
  get(seed: string): NeighbourList | undefined {
    return this.lists.get(seed);
  }
  has(seed: string): boolean {
    return this.lists.has(seed);
  }
  set(seed: string, list: Scored[]): NeighbourList {
    if (this.lists.size >= MAX_NEIGHBOUR_LISTS) {
      this.lists.clear();
      this.names.clear();
    }
    const ids = new Array<string>(list.length);
    const scores = new Float64Array(list.length);
    list.forEach((x, i) => {
      let id = this.names.get(x.itemId);
      if (id === undefined) this.names.set(x.itemId, (id = x.itemId));
      ids[i] = id;
      scores[i] = x.score;
    });
    const l = { ids, scores };
    this.lists.set(seed, l);
    return l;
  }
}
const neighbourCache = new Map<string, NeighbourCache>();

export function cachedNeighbours(tenantId: string, version: number | null): NeighbourCache | null {
  if (version === null) return null;
  let c = neighbourCache.get(tenantId);
  if (!c || c.version !== version) neighbourCache.set(tenantId, (c = new NeighbourCache(version)));
  return c;
}

/** Second round trip: item-CF neighbours of the given items and features of the given items. */
export async function readNeighboursAndFeatures(store: FeatureStore, t: string, seeds: string[], perSeed: number, ids: string[]) {
  const p: StoreCommand[] = seeds.map((s) => zrevrange(FeatureKeys.itemNeighbours(t, s), perSeed));
  if (ids.length) p.push(['hmget', FeatureKeys.itemMeta(t), ...ids]);
  const res = await store.pipeline(p);
  const neighbours = seeds.map((_, i) => pairs(res[i]));
  const features = ids.length ? featureMap(ids, res[seeds.length]) : new Map<string, ItemFeatures>();
  return { neighbours, features };
}

export async function readFeatures(store: FeatureStore, t: string, ids: string[]): Promise<Map<string, ItemFeatures>> {
  if (!ids.length) return new Map();
  return featureMap(ids, (await store.pipeline([['hmget', FeatureKeys.itemMeta(t), ...ids]]))[0]);
}

function featureMap(ids: string[], raw: unknown): Map<string, ItemFeatures> {
  const m = new Map<string, ItemFeatures>();
  // The REST API answers HMGET with an array in field order (@upstash/redis turns it into an
  // object keyed by field, or null when none exist): both are read.
  const values = Array.isArray(raw) ? raw : ids.map((id) => (raw as Record<string, unknown> | null)?.[id]);
  ids.forEach((id, i) => {
    const f = parseItemFeatures(values[i]);
    if (f) m.set(id, f);
  });
  return m;
}
