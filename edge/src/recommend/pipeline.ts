import { withoutHidden } from '../content/visibility.js';
import {
  heuristicScores,
  ITEM_CF_SEEDS,
  itemCfListDepth,
  rankLimitFor,
  rerankMmrPicks,
  writeFeatureRows,
  RANKING_FEATURE_COUNT,
  recency,
  type ItemFeatures,
  type RerankItem,
  type RecallChannelName,
  type ScenarioConfig,
  type Scored,
  type StageTrace,
} from '@vidplat/contracts';
import { featuresRecommendable } from '../items/feature-mirror.js';
import { currentModel, scoreWithModel } from '../ranking/model-registry.js';
import { hotWithFeatures } from './hot-channel.js';
import { DEFAULT_PROBES, embeddingIndex, nearestInto, rowNorms, rowNumbers, rowOfNumber, userVector, type RowNumbers } from './embedding-index.js';
import { bestRows, sharedChannelsOfRow, itemCfRecall, mergeColumns, rowsByRecall, type ChannelColumns, type MergedColumns, type ScoredColumns } from './candidates.js';
import { releaseScratch, takeScratch, type RequestScratch } from './request-scratch.js';
import { itemNumbers } from './item-numbers.js';
import type { FeatureStore } from '../feature-store/pipeline.js';
import { cachedFeatures, cachedNeighbours, readBase, readFeatures, readNeighboursAndFeatures, type NeighbourList } from './feature-reader.js';
import { readBaseOrKept } from './degraded.js';
import { BreakerOpen } from '../guardrails/breaker.js';
import { demote, demotionsOf, NEGATIVE_SEEDS } from './user-actions.js';
import { observeList } from './list-quality.js';

export interface RecommendInput {
  tenant: string;
  scenario: string;
  user: string;
  n: number;
  cfg: ScenarioConfig;
  nowMs: number;
  /** Debug output wanted: per-stage item lists (stage timings, counts and notes are always kept). */
  debug?: boolean;
  /** Items the visibility rule hides from this user (content/visibility.ts); undefined: none. */
  hidden?: ReadonlySet<string>;
}

export interface RecommendOutput {
  items: { itemId: string; score: number; channels: string[] }[];
  snapshotVersion: number | null;
  model: string | null;
  traces: StageTrace[];
  /** Why the answer came from isolate caches only (feature store unreachable); absent when not degraded. */
  degraded?: string;
  /** The user's disliked / hidden items: never served to them, pinned slot items included (routes.ts). */
  turnedDown: ReadonlySet<string>;
}

/** The feature store did not answer the first read: nothing to serve from. */
export class FeatureStoreDown extends Error {
  override name = 'FeatureStoreDown';
  /** Seconds a client should wait (the breaker's next probe when it is open). */
  constructor(message: string, readonly retryAfterSeconds = 1) {
    super(message);
  }
}

/**
 * Candidates ranked per request: the best by recall score, 10 per requested item (at least 100,
 * at most 500). Every later stage costs per candidate; items past 10·n by recall rarely reach
 * the top n, and the cut is reported in the rank stage's note.
 */
export const rankLimit = (n: number, rerank?: ScenarioConfig['rerank']): number => rankLimitFor(n, rerank);

interface RecallShape {
  sizes: Partial<Record<RecallChannelName, number>>;
  weights: Partial<Record<RecallChannelName, number>>;
  totalWeight: number;
}
/** Channel sizes and weights of a scenario config, once per config object (the cached scenario is reused by every request). */
const recallShapes = new WeakMap<ScenarioConfig, RecallShape>();
function recallShape(cfg: ScenarioConfig): RecallShape {
  let r = recallShapes.get(cfg);
  if (!r) {
    r = {
      sizes: Object.fromEntries(cfg.recall.map((c) => [c.name, c.size])) as Partial<Record<RecallChannelName, number>>,
      weights: Object.fromEntries(cfg.recall.map((c) => [c.name, c.weight])) as Partial<Record<RecallChannelName, number>>,
      totalWeight: cfg.recall.reduce((s, c) => s + c.weight, 0),
    };
    recallShapes.set(cfg, r);
  }
  return r;
}

/** IVF cells the embedding channel probes (scenario recall setting; default 8). */
const probesOf = (cfg: ScenarioConfig): number => cfg.recall.find((c) => c.name === 'embedding')?.probes ?? DEFAULT_PROBES;

/** A channel's items in columns with their eligible indexes (see candidates.ts). */
type ChannelWithFeatures = ChannelColumns;

/** A recall result as merge columns (features looked up index for index); keep gets the indexes of its eligible items. */
function eligibleOf(channel: RecallChannelName, xs: ScoredColumns, fs: readonly (ItemFeatures | undefined)[], keep: Int32Array, cfg: ScenarioConfig, seen: ReadonlySet<string>, nowMs: number, blocked: ReadonlySet<string> = NOBODY): ChannelWithFeatures {
  let count = 0;
  for (let i = 0; i < xs.count; i++) if (eligible(xs.ids[i]!, fs[i], cfg, seen, nowMs) && (!blocked.size || !blocked.has(xs.ids[i]!))) keep[count++] = i;
  return { channel, ids: xs.ids, scores: xs.scores, feats: fs, nums: xs.nums, gen: xs.gen, len: xs.count, keep, count };
}
/** The user's part of eligibility, for lists already checked for everyone (hotWithFeatures): `exclude` = seen (filterSeen) or only the blocked items. */
function unseen(channel: RecallChannelName, xs: ListColumns, feats: readonly ItemFeatures[], nums: Int32Array, gen: number, keep: Int32Array, seen: ReadonlySet<string>): ChannelWithFeatures {
  const len = xs.ids.length;
  const all = { channel, ids: xs.ids, scores: xs.scores, feats, nums, gen, len, keep: null, count: len };
  if (!seen.size) return all;
  let count = 0;
  for (let i = 0; i < len; i++) if (!seen.has(xs.ids[i]!)) keep[count++] = i;
  return count === len ? all : { ...all, keep, count };
}

/** A long-lived list (the cached hot channel) as columns, once per list object. */
interface ListColumns {
  ids: string[];
  scores: Float64Array;
}
const listColumns = new WeakMap<readonly Scored[], ListColumns>();
function columnsOfList(xs: readonly Scored[]): ListColumns {
  let c = listColumns.get(xs);
  if (!c) {
    c = { ids: xs.map((x) => x.itemId), scores: Float64Array.from(xs, (x) => x.score) };
    listColumns.set(xs, c);
  }
  return c;
}

/**
 * The isolate feature cache's entries by item number, filled as they are looked up (entries are
 * never removed from a cache map, only the whole map replaced, so a stored entry stays right).
 */
class FeaturesByNumber {
  private arr: (ItemFeatures | undefined)[];
  constructor(readonly gen: number) {
    this.arr = new Array<ItemFeatures | undefined>(Math.max(1024, itemNumbers.size)).fill(undefined);
  }
  get(n: number): ItemFeatures | undefined {
    return n < this.arr.length ? this.arr[n] : undefined;
  }
  set(n: number, f: ItemFeatures): void {
    if (n >= this.arr.length) {
      const grown = new Array<ItemFeatures | undefined>(Math.max(n + 1, this.arr.length * 2, itemNumbers.size)).fill(undefined);
      for (let i = 0; i < this.arr.length; i++) grown[i] = this.arr[i];
      this.arr = grown;
    }
    this.arr[n] = f;
  }
}
const byNumberOf = new WeakMap<Map<string, ItemFeatures>, FeaturesByNumber>();
function featuresByNumber(cache: Map<string, ItemFeatures>): FeaturesByNumber {
  let b = byNumberOf.get(cache);
  if (!b || b.gen !== itemNumbers.generation) byNumberOf.set(cache, (b = new FeaturesByNumber(itemNumbers.generation)));
  return b;
}

/** Item numbers of long-lived list objects (the cached hot channel, the cached fresh list), computed once per list. */
const listNums = new WeakMap<readonly Scored[], { gen: number; nums: Int32Array }>();
function numsOfList(xs: readonly Scored[]): { gen: number; nums: Int32Array } {
  let e = listNums.get(xs);
  if (!e || e.gen !== itemNumbers.generation) {
    const nums = itemNumbers.ofAll(xs);
    listNums.set(xs, (e = { gen: itemNumbers.generation, nums }));
  }
  return e;
}

/** Per isolate feature-cache map: list objects whose every item it holds (RequestFeatures.collect). */
const completeLists = new WeakMap<Map<string, ItemFeatures>, WeakSet<readonly Scored[]>>();
const compactList = (xs: Scored[]): NeighbourList => ({ ids: xs.map((x) => x.itemId), scores: Float64Array.from(xs, (x) => x.score) });
const NOBODY: ReadonlySet<string> = new Set();
const NO_CATEGORIES: readonly string[] = Object.freeze([]);
const NO_SEEDS: readonly string[] = Object.freeze([]);
const NO_LISTS: readonly NeighbourList[] = Object.freeze([]);
const MODEL_WAIT_MS = 1_500;
const EMBEDDING_WAIT_MS = 1_500;

/** Drops what must never be shown: not recommendable now, seen, excluded category, wrong access or kind. */
export function eligible(
  id: string,
  f: ItemFeatures | undefined,
  cfg: ScenarioConfig,
  seen: ReadonlySet<string>,
  nowMs: number,
): boolean {
  if (!f || !featuresRecommendable(f, nowMs)) return false;
  if (cfg.rerank.filterSeen && seen.has(id)) return false;
  if (cfg.rerank.excludeCategories?.some((c) => f.c.includes(c))) return false;
  if (cfg.rerank.access && !cfg.rerank.access.includes(f.a)) return false;
  if (cfg.rerank.kinds && !(f.k !== undefined && cfg.rerank.kinds.includes(f.k))) return false;
  return true;
}

/** Stage timings for the traces. */
class StageClock {
  private t = performance.now();
  lap(): number {
    const now = performance.now();
    const ms = now - this.t;
    this.t = now;
    return Math.round(ms * 1000) / 1000;
  }
}

function topItems(xs: Scored[]): Scored[] {
  return xs.slice(0, 50).map((x) => ({ itemId: x.itemId, score: Math.round(x.score * 1e6) / 1e6 }));
}
function noItems(): Scored[] {
  return [];
}

/**
 * Item features for one request: the isolate cache (for the current itemMetaVersion), then what
 * this request fetched itself (no cache, or a cache replaced while this request waited).
 * A class rather than closures: the bundle names every closure on every call.
 */
class RequestFeatures {
  private fetched = new Map<string, ItemFeatures>();
  private readonly asked = new Set<string>();
  private readonly out: string[] = [];
  constructor(private readonly cache: Map<string, ItemFeatures> | null) {}
  get(id: string): ItemFeatures | undefined {
    return this.cache?.get(id) ?? this.fetched.get(id);
  }
  /**
   * Collects the ids of `xs` with no features known yet (each once; see takeMisses). A list
   * object (the isolate's cached hot/fresh lists) found complete in the isolate cache is
   * remembered with that cache and not looked through again: cache entries are never removed,
   * only the whole map replaced.
   */
  collect(xs: readonly Scored[], count = xs.length): void {
    const cache = this.cache;
    const whole = count >= xs.length && cache !== null;
    if (whole && completeLists.get(cache)?.has(xs)) return;
    let complete = whole;
    for (let i = 0; i < count && i < xs.length; i++) {
      const id = xs[i]!.itemId;
      if (cache?.has(id)) continue;
      complete = false;
      if (this.fetched.has(id) || this.asked.has(id)) continue;
      this.asked.add(id);
      this.out.push(id);
    }
    if (complete) {
      let known = completeLists.get(cache!);
      if (!known) completeLists.set(cache!, (known = new WeakSet()));
      known.add(xs);
    }
  }
  /**
   * The features of ids[0..count) known so far (undefined: not yet) into `out`, index for index,
   * collecting the unknown ids as collect does: one lookup per candidate serves both the miss
   * list and, after fill, the eligibility check.
   */
  lookup(ids: readonly string[], count: number, nums: Int32Array | undefined, gen: number | undefined, out: (ItemFeatures | undefined)[]): (ItemFeatures | undefined)[] {
    const cache = this.cache;
    // By item number first: an array read instead of a lookup in the (100k-entry) cache map.
    const byNum = cache && nums && gen === itemNumbers.generation ? featuresByNumber(cache) : null;
    for (let i = 0; i < count; i++) {
      const id = ids[i]!;
      let f: ItemFeatures | undefined;
      if (byNum) {
        const n = nums![i]!;
        f = byNum.get(n);
        if (f === undefined) {
          f = cache!.get(id);
          if (f !== undefined) byNum.set(n, f);
        }
      } else f = cache?.get(id);
      if (f === undefined) {
        f = this.fetched.get(id);
        if (f === undefined && !this.asked.has(id)) {
          this.asked.add(id);
          this.out.push(id);
        }
      }
      out[i] = f;
    }
    return out;
  }
  /** The features known now of ids[0..count) into `out` (no misses collected). */
  known(ids: readonly string[], count: number, out: (ItemFeatures | undefined)[]): (ItemFeatures | undefined)[] {
    for (let i = 0; i < count; i++) out[i] = this.get(ids[i]!);
    return out;
  }
  /** Completes a lookup's result with what was read since. */
  fill(ids: readonly string[], count: number, feats: (ItemFeatures | undefined)[]): void {
    for (let i = 0; i < count; i++) if (feats[i] === undefined) feats[i] = this.get(ids[i]!);
  }
  /** The ids collected since the last call. */
  takeMisses(): string[] {
    const out = this.out.splice(0);
    this.asked.clear();
    return out;
  }
  remember(m: Map<string, ItemFeatures>): void {
    for (const [k, v] of m) {
      this.fetched.set(k, v);
      this.cache?.set(k, v);
    }
  }
}

/** The user-CF channel: the first `size` items of the user's list not in `seen` (seen and blocked), into `out`. */
function userCfInto(out: ScoredColumns, list: readonly Scored[], seen: ReadonlySet<string>, size: number): ScoredColumns {
  out.count = 0;
  out.gen = -1; // numbered by the merge
  out.reserve(Math.min(list.length, size));
  for (let i = 0; i < list.length && out.count < size; i++) {
    const x = list[i]!;
    if (seen.has(x.itemId)) continue;
    out.ids[out.count] = x.itemId;
    out.scores[out.count++] = x.score;
  }
  return out;
}

/**
 * The fresh channel: published items (score = publish time ≤ now) scored by recency, the first
 * `size` of them, into `out`. Per-candidate loops live in small functions like this one rather
 * than in the long async pipeline, where V8 optimises later and boxes every double.
 */
function freshInto(out: ScoredColumns, list: readonly Scored[], all: { gen: number; nums: Int32Array }, size: number, nowMs: number, halfLifeHours: number): ScoredColumns {
  out.count = 0;
  out.gen = all.gen;
  out.reserve(Math.min(list.length, size));
  for (let i = 0; i < list.length; i++) {
    const f = list[i]!;
    if (out.count >= size) break;
    if (f.score <= nowMs) {
      out.nums[out.count] = all.nums[i]!;
      out.ids[out.count] = f.itemId;
      out.scores[out.count++] = recency(f.score, nowMs, halfLifeHours);
    }
  }
  return out;
}

/** Rewrites ranked[0..count) (reused objects) for the ranked rows: id, model score, categories, publish time, recency, embedding row. */
function fillRanked(ranked: RerankItem[], count: number, rows: Int32Array, m: MergedColumns, scores: Float32Array, rec: Float64Array, rn: RowNumbers | null): void {
  for (let i = 0; i < count; i++) {
    const row = rows[i]!;
    const f = m.feats[row];
    const it = ranked[i]!;
    it.itemId = m.ids[row]!;
    it.score = scores[i]!;
    it.categories = f?.c ?? NO_CATEGORIES;
    // The re-rank reads the publish time only through recency (the feature row's, for f.p; 0
    // without features). publishedAt stays null: copying the cached double into this object's
    // field would box a new heap number per candidate per request.
    it.publishedAt = null;
    it.recency = f ? rec[i]! : 0;
    it.embeddingRow = rn ? rowOfNumber(rn, m.nums[row]!) : undefined;
  }
}

/**
 * GET /v1/recommend's pipeline: recall channels → eligibility filter → weighted merge → rank
 * (ONNX model, else heuristic) → re-rank (freshness, MMR, per-category cap). Reads only the
 * feature store and isolate caches (KV-backed models and embeddings). Every stage after the first
 * read degrades instead of failing, and says so in its trace.
 */
export async function runPipeline(redis: FeatureStore, kv: KVNamespace, input: RecommendInput): Promise<RecommendOutput> {
  const scratch = takeScratch();
  try {
    return await pipelineWith(scratch, redis, kv, input);
  } finally {
    releaseScratch(scratch);
  }
}

const EMPTY_NEIGHBOURS: NeighbourList = { ids: [], scores: new Float64Array(0) };
/** Debug listing of a recall result's first 50 rows. */
const topOfColumns = (c: ScoredColumns): Scored[] => topItems(c.toScored(50));

async function pipelineWith(x: RequestScratch, redis: FeatureStore, kv: KVNamespace, input: RecommendInput): Promise<RecommendOutput> {
  const { tenant, scenario, user, n, cfg, nowMs } = input;
  const debug = input.debug ?? true;
  const traces: StageTrace[] = [];
  const { sizes, weights, totalWeight } = recallShape(cfg);
  const clock = new StageClock();
  // Per-stage item lists only for debug=1: building them costs more than some stages.
  const top = debug ? topItems : noItems;
  const topCols = debug ? topOfColumns : noItems;

  // 1. One round trip: hot list, fresh items, the user's recent items.
  let base: Awaited<ReturnType<typeof readBase>> & { degraded?: string };
  try {
    // Over-fetch fresh items: some are scheduled for later and get filtered.
    // Store unreachable: this isolate's last lists for the scenario (degraded), else FeatureStoreDown.
    // Over-fetch the user-CF list too: it was built before the user's latest actions (filtered here).
    base = await readBaseOrKept(redis, tenant, scenario, user, { hot: sizes.hot ?? 0, fresh: (sizes.fresh ?? 0) * 2, recent: ITEM_CF_SEEDS, userCf: sizes.user_cf ? sizes.user_cf + 20 : 0 });
  } catch (e) {
    throw new FeatureStoreDown(e instanceof Error ? e.message : String(e), e instanceof BreakerOpen ? e.retryAfterSeconds : 1);
  }
  const recent = base.recent.map((r) => r.itemId);
  const seen = new Set(recent);
  // Disliked/hidden items never return, whatever filterSeen says (recall channels skip `seen`).
  const blocked = base.actions.blocked;
  for (const b of blocked) seen.add(b);
  const cold = recent.length === 0;
  if (base.degraded) traces.push({ stage: 'feature_store', ms: clock.lap(), candidates: 0, note: `degraded: ${base.degraded}`, fallback: true });
  traces.push({ stage: 'recall.hot', ms: clock.lap(), candidates: base.hot.length, items: top(base.hot), ...(sizes.hot ? {} : { note: 'channel not configured' }) });

  // 2. Item-CF neighbours of the recent items (all of them, up to ITEM_CF_SEEDS, recency-weighted
  // in itemCfRecall), plus features of everything known so far.
  const seeds = sizes.item_cf ? recent.slice(0, ITEM_CF_SEEDS) : [];
  // A fixed depth per seed, so a cached list serves users with one seed or five alike.
  const perSeed = itemCfListDepth(sizes.item_cf ?? 0);
  // Item features: isolate cache for the current itemMetaVersion, the feature store for misses.
  const cache = cachedFeatures(tenant, base.itemsVersion);
  // Lookups go to the isolate cache, then to what this request fetched itself (no cache, or a
  // cache replaced while this request waited).
  const features = new RequestFeatures(cache);
  features.collect(base.hot);
  features.collect(base.fresh);
  features.collect(base.userCf);
  features.collect(base.recent, 20);
  // Disliked items: their categories and item-CF neighbours are demoted (read with the seeds' lists).
  // (No array per request for users without dislikes: most requests.)
  const negSeeds = base.actions.negatives.length ? base.actions.negatives.slice(0, NEGATIVE_SEEDS) : NO_SEEDS;
  if (negSeeds.length) features.collect(negSeeds.map((itemId) => ({ itemId, score: 0 })));
  const firstIds = features.takeMisses();
  // Recall results live in this request's scratch (they are read after later awaits).
  const cf = x.cf;
  cf.count = 0;
  cf.gen = itemNumbers.generation;
  let cfNote: string | undefined = cold ? 'cold start: no recent items' : undefined;
  let cfFallback = false;
  let negLists: readonly NeighbourList[] = NO_LISTS;
  try {
    const nbrCache = cachedNeighbours(tenant, base.neighboursVersion);
    const seedsToRead = (negSeeds.length ? [...seeds, ...negSeeds] : seeds).filter((sd) => !nbrCache?.has(sd));
    // Nothing to read when every list and feature is cached: the request stays at one round trip.
    const r = seedsToRead.length || firstIds.length ? await readNeighboursAndFeatures(redis, tenant, seedsToRead, perSeed, firstIds) : null;
    let lists: NeighbourList[];
    if (r) {
      features.remember(r.features);
      const fetched = new Map(seedsToRead.map((sd, i) => [sd, nbrCache ? nbrCache.set(sd, r.neighbours[i]!) : compactList(r.neighbours[i]!)]));
      lists = seeds.map((sd) => fetched.get(sd) ?? nbrCache?.get(sd) ?? EMPTY_NEIGHBOURS);
      if (negSeeds.length) negLists = negSeeds.map((sd) => fetched.get(sd) ?? nbrCache?.get(sd) ?? EMPTY_NEIGHBOURS);
    } else {
      lists = seeds.map((sd) => nbrCache?.get(sd) ?? EMPTY_NEIGHBOURS);
      if (negSeeds.length) negLists = negSeeds.map((sd) => nbrCache?.get(sd) ?? EMPTY_NEIGHBOURS);
    }
    itemCfRecall(lists, seen, sizes.item_cf ?? 0, cf);
  } catch (e) {
    cf.count = 0;
    cfFallback = true;
    cfNote = `neighbours/features read failed: ${e instanceof Error ? e.message : String(e)}`;
  }
  traces.push({ stage: 'recall.item_cf', ms: clock.lap(), candidates: cf.count, items: topCols(cf), ...(cfNote ? { note: cfNote } : {}), ...(cfFallback ? { fallback: true } : {}) });

  // 3. Embedding neighbours of the user's taste vector (mean of recent items), brute force.
  const emb = x.emb;
  emb.count = 0;
  emb.gen = itemNumbers.generation;
  let embNote: string | undefined;
  let ix: Awaited<ReturnType<typeof embeddingIndex>>['index'] = null;
  if (sizes.embedding) {
    try {
      const r = await embeddingIndex(kv, tenant, EMBEDDING_WAIT_MS);
      ix = r.index;
      const q = ix && !cold ? userVector(ix, recent) : null;
      if (!ix) embNote = r.note ?? 'no embeddings trained for this tenant';
      else if (!q) embNote = cold ? 'cold start: no recent items' : 'recent items have no embeddings';
      else nearestInto(ix, q, sizes.embedding, seen, emb, probesOf(cfg));
    } catch (e) {
      emb.count = 0;
      embNote = `embedding recall failed: ${e instanceof Error ? e.message : String(e)}`;
    }
  } else embNote = 'channel not configured';
  traces.push({ stage: 'recall.embedding', ms: clock.lap(), candidates: emb.count, items: topCols(emb), ...(embNote ? { note: embNote } : {}), ...(embNote && sizes.embedding && !cold ? { fallback: true } : {}) });

  const fresh = freshInto(x.fresh, base.fresh, numsOfList(base.fresh), sizes.fresh ?? 0, nowMs, cfg.rerank.freshnessHalfLifeHours);

  traces.push({ stage: 'recall.fresh', ms: clock.lap(), candidates: fresh.count, items: topCols(fresh), ...(sizes.fresh ? {} : { note: 'channel not configured' }) });

  // User-CF: the user's offline list (whole history, stream similarity job), minus what they have
  // seen or turned down since it was built.
  const ucf = userCfInto(x.ucf, base.userCf, seen, sizes.user_cf ?? 0);
  const ucfNote = !sizes.user_cf ? 'channel not configured' : !base.userCf.length ? (base.degraded ? 'feature store unreachable' : 'no user-CF list for this user (new user, or none built yet)') : undefined;
  traces.push({ stage: 'recall.user_cf', ms: clock.lap(), candidates: ucf.count, items: topCols(ucf), ...(ucfNote ? { note: ucfNote } : {}) });

  // 4. Features of the candidates not read yet, then the eligibility filter and the merge.
  const cfFeats = features.lookup(cf.ids, cf.count, cf.nums, cf.gen, x.cfFeats);
  const embFeats = features.lookup(emb.ids, emb.count, emb.nums, emb.gen, x.embFeats);
  const missing = features.takeMisses();
  let featNote: string | undefined;
  if (missing.length) {
    try {
      features.remember(await readFeatures(redis, tenant, missing));
      features.fill(cf.ids, cf.count, cfFeats);
      features.fill(emb.ids, emb.count, embFeats);
    } catch (e) {
      // Without features we cannot prove them published: those candidates are dropped.
      featNote = `item features read failed, ${missing.length} candidates dropped: ${e instanceof Error ? e.message : String(e)}`;
    }
  }
  const freshFeats = features.known(fresh.ids, fresh.count, x.freshFeats);
  const ucfFeats = features.known(ucf.ids, ucf.count, x.ucfFeats);
  const hotAll = hotWithFeatures(tenant, scenario, base.hot, base.meta?.version ?? null, base.itemsVersion, features, cfg, nowMs, eligible);
  const hotNums = numsOfList(hotAll.items);
  const channels: ChannelWithFeatures[] = [
    unseen('hot', columnsOfList(hotAll.items), hotAll.feats, hotNums.nums, hotNums.gen, x.keepFor(0, hotAll.items.length), cfg.rerank.filterSeen ? seen : blocked),
    // Item-CF and embedding recall already left out the seen items: no seen check per candidate.
    eligibleOf('item_cf', cf, cfFeats, x.keepFor(1, cf.count), cfg, NOBODY, nowMs),
    eligibleOf('embedding', emb, embFeats, x.keepFor(2, emb.count), cfg, NOBODY, nowMs),
    eligibleOf('fresh', fresh, freshFeats, x.keepFor(3, fresh.count), cfg, seen, nowMs, blocked),
    // userCfInto left out the seen and blocked items.
    eligibleOf('user_cf', ucf, ucfFeats, x.keepFor(4, ucf.count), cfg, NOBODY, nowMs),
  ];
  if (input.hidden) for (let k = 0; k < channels.length; k++) channels[k] = withoutHidden(channels[k]!, input.hidden);
  const m = mergeColumns(channels, weights, x.merged);
  // Ranking and re-ranking do not depend on the candidates' order (scores are per row; re-rank
  // sorts by its own score): rows are sorted only for the debug listing.
  const limit = rankLimit(n, cfg.rerank);
  const byRecallRows = debug ? rowsByRecall(m) : null;
  const totalRecalled = debug ? String(new Set([...base.hot.map((h) => h.itemId), ...cf.ids.slice(0, cf.count), ...emb.ids.slice(0, emb.count), ...fresh.ids.slice(0, fresh.count), ...ucf.ids.slice(0, ucf.count)]).size) : '';
  let mergeNote = `${totalRecalled ? `${totalRecalled} recalled, ` : ''}${m.count} eligible (published, unseen, allowed)`;
  if (featNote) mergeNote += `; ${featNote}`;
  if (cold) mergeNote += '; cold start: hot + fresh';
  if (base.actions.realtime) mergeNote += `; real-time: ${base.actions.realtime} recent actions, ${blocked.size} disliked/hidden`;
  traces.push({ stage: 'merge', ms: clock.lap(), candidates: m.count, items: byRecallRows ? top(Array.from(byRecallRows.subarray(0, 50), (r) => ({ itemId: m.ids[r]!, score: m.recall[r]! }))) : [], note: mergeNote });

  // 5. Rank: the scenario's ONNX model, else the heuristic.
  const eligibleCount = m.count;
  x.reserveRank(Math.min(limit, m.count), RANKING_FEATURE_COUNT);
  const rows = byRecallRows ? byRecallRows.subarray(0, limit) : bestRows(m, limit, x.rows);
  const rankCount = rows.length;
  const userCats = new Map<string, number>();
  for (let i = 0; i < recent.length && i < 20; i++) for (const c of features.get(recent[i]!)?.c ?? []) userCats.set(c, (userCats.get(c) ?? 0) + 1);
  // This request's own buffers: the model reads them after an await.
  const fm = x.features;
  let userCatTotal = 0;
  for (const k of userCats.values()) userCatTotal += k;
  // One recency per candidate, for its feature row and the re-rank's freshness boost alike.
  const rec = x.recency;
  writeFeatureRows(fm, rec, rows, rankCount, m.ch, m.recall, m.feats, userCats, totalWeight, nowMs, cfg.rerank.freshnessHalfLifeHours, userCatTotal);
  let scores: Float32Array | null = null;
  let model: string | null = null;
  let rankNote: string;
  if (!rankCount) rankNote = 'nothing to rank';
  else if (!cfg.rankingModel) rankNote = 'heuristic: scenario has no ranking model';
  else {
    try {
      const cm = await currentModel(kv, tenant, cfg.rankingModel, MODEL_WAIT_MS);
      if (cm.ok) {
        scores = await scoreWithModel(cm.model, fm, rankCount);
        model = `${cm.model.modelId}@${cm.model.version}`;
        rankNote = `onnx ${model}${cm.note ? ` (${cm.note})` : ''}`;
      } else rankNote = `heuristic fallback: model ${cfg.rankingModel}: ${cm.reason}`;
    } catch (e) {
      rankNote = `heuristic fallback: model ${cfg.rankingModel} failed: ${e instanceof Error ? e.message : String(e)}`;
    }
  }
  const usedModel = scores !== null;
  scores ??= heuristicScores(fm, rankCount);
  // The user's negative feedback and impression fatigue demote (never hide) what the ranker liked.
  // Only users with dislikes or impressions on record pay for it (no closure otherwise).
  const demotions = base.actions.negatives.length || base.actions.impressions.size ? demotionsOf(base.actions, cfg, (id) => features.get(id), negLists) : null;
  if (demotions) {
    const demoted = demote(scores, rankCount, (i) => m.ids[rows[i]!]!, (i) => m.feats[rows[i]!]?.c ?? NO_CATEGORIES, demotions);
    rankNote += `; ${demoted} demoted (disliked categories/neighbours ${demotions.categories.size}/${demotions.neighbours.size}, fatigued ${demotions.fatigued.size})`;
  }
  // The re-rank's items: this request's reused objects, every field rewritten (ranked[0..rankCount) count).
  const ranked = x.ranked;
  // Embedding rows by item number (no lookup by id in the re-rank's pool).
  const rn = ix ? rowNumbers(ix) : null;
  const rnOk = rn !== null && rn.gen === itemNumbers.generation;
  fillRanked(ranked, rankCount, rows, m, scores, rec, rnOk ? rn : null);
  traces.push({
    stage: 'rank',
    ms: clock.lap(),
    candidates: rankCount,
    items: debug ? top(ranked.slice(0, rankCount).sort((a, b) => b.score - a.score)) : [],
    note: eligibleCount > rankCount ? `${rankNote}; best ${rankCount} of ${eligibleCount} by recall` : rankNote,
    ...(cfg.rankingModel && !usedModel && rankCount ? { fallback: true } : {}),
  });

  // 6. Re-rank: freshness boost, MMR diversity, per-category cap.
  const picks = rerankMmrPicks(ranked, {
    n,
    count: rankCount,
    poolPerItem: cfg.rerank.mmrPoolPerItem,
    lambda: cfg.rerank.diversityLambda,
    freshnessBoost: cfg.rerank.freshnessBoost,
    freshnessHalfLifeHours: cfg.rerank.freshnessHalfLifeHours,
    maxPerCategory: cfg.rerank.maxPerCategory,
    nowMs,
    // Embeddings only for the MMR pool, not for every ranked candidate.
    embeddingRows: ix ? { matrix: ix.matrix, dim: ix.dim, rowOf: ix.rowOf, norm2: rowNorms(ix) } : undefined,
  });
  // Each pick's channels from its merged row (ranked[i] is row rows[i]).
  const items = new Array<RecommendOutput['items'][number]>(picks.index.length);
  for (let k = 0; k < items.length; k++) items[k] = { itemId: ranked[picks.index[k]!]!.itemId, score: Math.round(picks.score[k]! * 1e6) / 1e6, channels: sharedChannelsOfRow(m, rows[picks.index[k]!]!) };
  traces.push({ stage: 'rerank', ms: clock.lap(), candidates: items.length, items: debug ? top(picks.index.map((i, k) => ({ itemId: ranked[i]!.itemId, score: picks.score[k]! }))) : [], note: `mmr λ=${cfg.rerank.diversityLambda}, freshness boost ${cfg.rerank.freshnessBoost}` });
  // Coverage and diversity metrics of what is served (admin/metrics).
  observeList(tenant, items.length, (k) => items[k]!.itemId, (k) => ranked[picks.index[k]!]!.categories[0], nowMs);
  return {
    items,
    snapshotVersion: base.meta?.version ?? null,
    model,
    traces,
    ...(base.degraded ? { degraded: base.degraded } : {}),
    turnedDown: blocked,
  };
}
