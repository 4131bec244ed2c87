import {
  byRecall,
  heuristicScores,
  mergeRecallInto,
  rerankMmr,
  writeFeatures,
  RANKING_FEATURE_COUNT,
  recency,
  type Candidate,
  type ItemFeatures,
  type RecallChannelName,
  type ScenarioConfig,
  type Scored,
  type StageTrace,
} from '@vidplat/contracts';
import { featuresRecommendable } from '../items/feature-mirror.js';
import { currentModel, scoreWithModel } from '../ranking/model-registry.js';
import { hotWithFeatures } from './hot-channel.js';
import { kthLargest } from './select.js';
import { embeddingIndex, nearestItems, userVector } from './embedding-index.js';
import type { FeatureStore } from '../feature-store/pipeline.js';
import { cachedFeatures, cachedNeighbours, readBase, readFeatures, readNeighboursAndFeatures, type NeighbourList } from './feature-reader.js';

export interface RecommendInput {
  tenant: string;
  scenario: string;
  user: string;
  n: number;
  cfg: ScenarioConfig;
  nowMs: number;
  /** Debug output wanted: per-stage item lists (stage timings, counts and notes are always kept). */
  debug?: boolean;
}

export interface RecommendOutput {
  items: { itemId: string; score: number; channels: string[] }[];
  snapshotVersion: number | null;
  model: string | null;
  traces: StageTrace[];
}

/** The feature store did not answer the first read: nothing to serve from. */
export class FeatureStoreDown extends Error {
  override name = 'FeatureStoreDown';
}

const RECENT_SEEDS = 5;
/**
 * Candidates ranked per request: the best by recall score, 10 per requested item (at least 100,
 * at most 500). Every later stage costs per candidate; items past 10·n by recall rarely reach
 * the top n, and the cut is reported in the rank stage's note.
 */
export const rankLimit = (n: number): number => Math.min(500, Math.max(100, 10 * n));

/**
 * The `limit` best candidates in byRecall order's sense (the same set as sorting and slicing),
 * in no particular order: a quickselect over the scores finds the cut-off.
 */
export function bestByRecall<C extends Candidate>(cands: C[], limit: number): C[] {
  if (cands.length <= limit) return cands;
  const scores = new Float64Array(cands.length);
  for (let i = 0; i < cands.length; i++) scores[i] = cands[i]!.recall;
  const cut = kthLargest(scores, cands.length, limit);
  const out: C[] = [];
  const ties: C[] = [];
  for (const c of cands) {
    if (c.recall > cut) out.push(c);
    else if (c.recall === cut) ties.push(c);
  }
  // Ties at the cut-off: smaller ids first, as byRecall orders them.
  ties.sort((a, b) => (a.itemId < b.itemId ? -1 : 1));
  for (const c of ties) {
    if (out.length >= limit) break;
    out.push(c);
  }
  return out;
}

/**
 * Item-CF recall: each unseen neighbour's best score over the seed lists (the latest seed's
 * neighbours count most), the `size` best, ties in first-seen order — what a Map, a stable sort
 * and a slice give, with parallel arrays and objects only for the items returned.
 */
export function itemCfRecall(lists: readonly NeighbourList[], seen: ReadonlySet<string>, size: number): Scored[] {
  const slot = new Map<string, number>();
  const ids: string[] = [];
  let total = 0;
  for (const list of lists) total += list.ids.length;
  const scores = new Float64Array(total);
  for (let i = 0; i < lists.length; i++) {
    const list = lists[i]!;
    const decay = 1 / (1 + i * 0.3);
    for (let j = 0; j < list.ids.length; j++) {
      const id = list.ids[j]!;
      if (seen.has(id)) continue;
      const s = list.scores[j]! * decay;
      const at = slot.get(id);
      if (at === undefined) {
        slot.set(id, ids.length);
        scores[ids.length] = Math.max(0, s);
        ids.push(id);
      } else scores[at] = Math.max(scores[at]!, s);
    }
  }
  const count = ids.length;
  if (size <= 0 || !count) return [];
  let order: Int32Array;
  if (count > size) {
    // Only rows at or above the size-th best score can be returned: sort just those.
    const tmp = scores.slice(0, count);
    const cut = kthLargest(tmp, count, size);
    let m = 0;
    for (let r = 0; r < count; r++) if (scores[r]! >= cut) m++;
    order = new Int32Array(m);
    m = 0;
    for (let r = 0; r < count; r++) if (scores[r]! >= cut) order[m++] = r;
  } else {
    order = new Int32Array(count);
    for (let r = 0; r < count; r++) order[r] = r;
  }
  order.sort((a, b) => scores[b]! - scores[a]! || a - b);
  const out = new Array<Scored>(Math.min(size, order.length));
  for (let i = 0; i < out.length; i++) out[i] = { itemId: ids[order[i]!]!, score: scores[order[i]!]! };
  return out;
}

/** A recall channel's eligible items with their features, index for index. */
interface ChannelWithFeatures {
  channel: RecallChannelName;
  items: Scored[];
  feats: ItemFeatures[];
}
/** A merged candidate carrying its item's features (looked up once, in the eligibility check). */
type FeaturedCandidate = Candidate & { f: ItemFeatures; channels: ChannelScores };

/**
 * Normalised recall score per channel, undefined where the item was not recalled. One fixed
 * shape for every candidate (a `{}` filled per channel makes up to 15 shapes, so every read in
 * the merge and the feature rows was a polymorphic lookup).
 */
class ChannelScores {
  hot: number | undefined = undefined;
  item_cf: number | undefined = undefined;
  embedding: number | undefined = undefined;
  fresh: number | undefined = undefined;
}
const CHANNEL_ORDER = ['hot', 'item_cf', 'embedding', 'fresh'] as const;

/**
 * The channels a candidate came from, in merge order (hot, item_cf, embedding, fresh): what
 * Object.keys gave on the per-candidate `{}` the merge filled in that order.
 */
export function channelsOf(c: { channels: Partial<Record<RecallChannelName, number>> }): string[] {
  const out: string[] = [];
  for (const k of CHANNEL_ORDER) if (c.channels[k] !== undefined) out.push(k);
  return out;
}

function onlyEligible(channel: RecallChannelName, xs: Scored[], features: { get(id: string): ItemFeatures | undefined }, cfg: ScenarioConfig, seen: ReadonlySet<string>, nowMs: number): ChannelWithFeatures {
  const items: Scored[] = [];
  const feats: ItemFeatures[] = [];
  for (const x of xs) {
    const f = features.get(x.itemId);
    if (eligible(x.itemId, f, cfg, seen, nowMs)) {
      items.push(x);
      feats.push(f!);
    }
  }
  return { channel, items, feats };
}
/** onlyEligible with the features already looked up, index for index. */
function eligibleOf(channel: RecallChannelName, xs: Scored[], fs: (ItemFeatures | undefined)[], cfg: ScenarioConfig, seen: ReadonlySet<string>, nowMs: number): ChannelWithFeatures {
  const items: Scored[] = [];
  const feats: ItemFeatures[] = [];
  for (let i = 0; i < xs.length; i++) {
    const f = fs[i];
    if (eligible(xs[i]!.itemId, f, cfg, seen, nowMs)) {
      items.push(xs[i]!);
      feats.push(f!);
    }
  }
  return { channel, items, feats };
}
/** The user's part of eligibility, for lists already checked for everyone (hotWithFeatures). */
function unseen(channel: RecallChannelName, xs: { items: Scored[]; feats: ItemFeatures[] }, cfg: ScenarioConfig, seen: ReadonlySet<string>): ChannelWithFeatures {
  if (!cfg.rerank.filterSeen || !seen.size) return { channel, items: xs.items, feats: xs.feats };
  const items: Scored[] = [];
  const feats: ItemFeatures[] = [];
  for (let i = 0; i < xs.items.length; i++) {
    if (seen.has(xs.items[i]!.itemId)) continue;
    items.push(xs.items[i]!);
    feats.push(xs.feats[i]!);
  }
  return { channel, items, feats };
}

/** mergeRecallUnsorted (contracts) with each candidate carrying its features and a fixed-shape channel record. */
export const mergeWithFeatures = (results: ChannelWithFeatures[], weights: Partial<Record<RecallChannelName, number>>): FeaturedCandidate[] =>
  mergeRecallInto(results, weights, featuredCandidate);

const featuredCandidate = (itemId: string, from: ChannelWithFeatures, rank: number): FeaturedCandidate => ({ itemId, recall: 0, channels: new ChannelScores(), f: from.feats[rank]! });
/** Per isolate feature-cache map: list objects whose every item it holds (RequestFeatures.collect). */
const completeLists = new WeakMap<Map<string, ItemFeatures>, WeakSet<readonly Scored[]>>();
const compactList = (xs: Scored[]): NeighbourList => ({ ids: xs.map((x) => x.itemId), scores: Float64Array.from(xs, (x) => x.score) });
const MODEL_WAIT_MS = 1_500;
const EMBEDDING_WAIT_MS = 1_500;

/** Drops what must never be shown: not recommendable now, seen, excluded category, wrong access. */
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
   * The features of each of `xs` known so far (undefined: not yet), index for index, collecting
   * the unknown ids as collect does: one lookup per candidate serves both the miss list and,
   * after fill, the eligibility check.
   */
  lookup(xs: readonly Scored[]): (ItemFeatures | undefined)[] {
    const out = new Array<ItemFeatures | undefined>(xs.length);
    const cache = this.cache;
    for (let i = 0; i < xs.length; i++) {
      const id = xs[i]!.itemId;
      let f = cache?.get(id);
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
  /** Completes a lookup's result with what was read since. */
  fill(xs: readonly Scored[], feats: (ItemFeatures | undefined)[]): void {
    for (let i = 0; i < xs.length; i++) if (feats[i] === undefined) feats[i] = this.get(xs[i]!.itemId);
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

/**
 * GET /v1/recommend's pipeline: recall channels → eligibility filter → weighted merge → rank
 * (ONNX model, else heuristic) → re-rank (freshness, MMR, per-category cap). Reads only the
 * feature store and isolate caches (KV-backed models and embeddings). Every stage after the first
 * read degrades instead of failing, and says so in its trace.
 */
export async function runPipeline(redis: FeatureStore, kv: KVNamespace, input: RecommendInput): Promise<RecommendOutput> {
  const { tenant, scenario, user, n, cfg, nowMs } = input;
  const debug = input.debug ?? true;
  const traces: StageTrace[] = [];
  const sizes = Object.fromEntries(cfg.recall.map((c) => [c.name, c.size])) as Partial<Record<RecallChannelName, number>>;
  const weights = Object.fromEntries(cfg.recall.map((c) => [c.name, c.weight])) as Partial<Record<RecallChannelName, number>>;
  const clock = new StageClock();
  const lap = clock.lap.bind(clock);
  // Per-stage item lists only for debug=1: building them costs more than some stages.
  const top = debug ? topItems : noItems;

  // 1. One round trip: hot list, fresh items, the user's recent items.
  let base: Awaited<ReturnType<typeof readBase>>;
  try {
    // Over-fetch fresh items: some are scheduled for later and get filtered.
    base = await readBase(redis, tenant, scenario, user, { hot: sizes.hot ?? 0, fresh: (sizes.fresh ?? 0) * 2, recent: 50 });
  } catch (e) {
    throw new FeatureStoreDown(e instanceof Error ? e.message : String(e));
  }
  const recent = base.recent.map((r) => r.itemId);
  const seen = new Set(recent);
  const cold = recent.length === 0;
  traces.push({ stage: 'recall.hot', ms: lap(), candidates: base.hot.length, items: top(base.hot), ...(sizes.hot ? {} : { note: 'channel not configured' }) });

  // 2. Item-CF neighbours of the recent items, plus features of everything known so far.
  const seeds = sizes.item_cf ? recent.slice(0, RECENT_SEEDS) : [];
  // A fixed depth per seed, so a cached list serves users with one seed or five alike.
  const perSeed = Math.max(10, Math.min(100, sizes.item_cf ?? 0));
  // Item features: isolate cache for the current itemMetaVersion, the feature store for misses.
  const cache = cachedFeatures(tenant, base.itemsVersion);
  // Lookups go to the isolate cache, then to what this request fetched itself (no cache, or a
  // cache replaced while this request waited).
  const features = new RequestFeatures(cache);
  const remember = features.remember.bind(features);
  features.collect(base.hot);
  features.collect(base.fresh);
  features.collect(base.recent, 20);
  const firstIds = features.takeMisses();
  let cf: Scored[] = [];
  let cfNote: string | undefined = cold ? 'cold start: no recent items' : undefined;
  let cfFallback = false;
  try {
    const nbrCache = cachedNeighbours(tenant, base.neighboursVersion);
    const seedsToRead = seeds.filter((sd) => !nbrCache?.has(sd));
    // Nothing to read when every list and feature is cached: the request stays at one round trip.
    const r = seedsToRead.length || firstIds.length ? await readNeighboursAndFeatures(redis, tenant, seedsToRead, perSeed, firstIds) : { neighbours: [], features: new Map<string, ItemFeatures>() };
    remember(r.features);
    const fetched = new Map(seedsToRead.map((sd, i) => [sd, nbrCache ? nbrCache.set(sd, r.neighbours[i]!) : compactList(r.neighbours[i]!)]));
    const lists = seeds.map((sd) => fetched.get(sd) ?? nbrCache?.get(sd) ?? compactList([]));
    cf = itemCfRecall(lists, seen, sizes.item_cf ?? 0);
  } catch (e) {
    cfFallback = true;
    cfNote = `neighbours/features read failed: ${e instanceof Error ? e.message : String(e)}`;
  }
  traces.push({ stage: 'recall.item_cf', ms: lap(), candidates: cf.length, items: top(cf), ...(cfNote ? { note: cfNote } : {}), ...(cfFallback ? { fallback: true } : {}) });

  // 3. Embedding neighbours of the user's taste vector (mean of recent items), brute force.
  let emb: Scored[] = [];
  let embNote: string | undefined;
  let ix: Awaited<ReturnType<typeof embeddingIndex>>['index'] = null;
  if (sizes.embedding) {
    try {
      const r = await embeddingIndex(kv, tenant, EMBEDDING_WAIT_MS);
      ix = r.index;
      const q = ix && !cold ? userVector(ix, recent) : null;
      if (!ix) embNote = r.note ?? 'no embeddings trained for this tenant';
      else if (!q) embNote = cold ? 'cold start: no recent items' : 'recent items have no embeddings';
      else emb = nearestItems(ix, q, sizes.embedding, seen);
    } catch (e) {
      embNote = `embedding recall failed: ${e instanceof Error ? e.message : String(e)}`;
    }
  } else embNote = 'channel not configured';
  traces.push({ stage: 'recall.embedding', ms: lap(), candidates: emb.length, items: top(emb), ...(embNote ? { note: embNote } : {}), ...(embNote && sizes.embedding && !cold ? { fallback: true } : {}) });

  const fresh: Scored[] = [];
  for (const f of base.fresh) {
    if (fresh.length >= (sizes.fresh ?? 0)) break;
    if (f.score <= nowMs) fresh.push({ itemId: f.itemId, score: recency(f.score, nowMs, cfg.rerank.freshnessHalfLifeHours) });
  }
  traces.push({ stage: 'recall.fresh', ms: lap(), candidates: fresh.length, items: top(fresh), ...(sizes.fresh ? {} : { note: 'channel not configured' }) });

  // 4. Features of the candidates not read yet, then the eligibility filter and the merge.
  const cfFeats = features.lookup(cf);
  const embFeats = features.lookup(emb);
  const missing = features.takeMisses();
  let featNote: string | undefined;
  if (missing.length) {
    try {
      remember(await readFeatures(redis, tenant, missing));
      features.fill(cf, cfFeats);
      features.fill(emb, embFeats);
    } catch (e) {
      // Without features we cannot prove them published: those candidates are dropped.
      featNote = `item features read failed, ${missing.length} candidates dropped: ${e instanceof Error ? e.message : String(e)}`;
    }
  }
  const channels: ChannelWithFeatures[] = [
    unseen('hot', hotWithFeatures(tenant, scenario, base.hot, base.meta?.version ?? null, base.itemsVersion, features, cfg, nowMs, eligible), cfg, seen),
    eligibleOf('item_cf', cf, cfFeats, cfg, seen, nowMs),
    eligibleOf('embedding', emb, embFeats, cfg, seen, nowMs),
    onlyEligible('fresh', fresh, features, cfg, seen, nowMs),
  ];
  let merged = mergeWithFeatures(channels, weights);
  // Ranking and re-ranking do not depend on this order (scores are per row; re-rank sorts by its
  // own score): sort only when candidates must be cut, or for the debug listing.
  const limit = rankLimit(n);
  if (debug) merged.sort(byRecall);
  const totalRecalled = debug ? String(new Set([...base.hot, ...cf, ...emb, ...fresh].map((x) => x.itemId)).size) : '';
  let mergeNote = `${totalRecalled ? `${totalRecalled} recalled, ` : ''}${merged.length} eligible (published, unseen, allowed)`;
  if (featNote) mergeNote += `; ${featNote}`;
  if (cold) mergeNote += '; cold start: hot + fresh';
  traces.push({ stage: 'merge', ms: lap(), candidates: merged.length, items: top(merged.map((m) => ({ itemId: m.itemId, score: m.recall }))), note: mergeNote });

  // 5. Rank: the scenario's ONNX model, else the heuristic.
  const eligibleCount = merged.length;
  if (merged.length > limit) merged = debug ? merged.slice(0, limit) : bestByRecall(merged, limit);
  const mergedFeatures = merged.map((c) => c.f);
  const userCats = new Map<string, number>();
  for (const id of recent.slice(0, 20)) for (const c of features.get(id)?.c ?? []) userCats.set(c, (userCats.get(c) ?? 0) + 1);
  const totalWeight = cfg.recall.reduce((s, c) => s + c.weight, 0);
  const fm = new Float32Array(merged.length * RANKING_FEATURE_COUNT);
  let userCatTotal = 0;
  for (const k of userCats.values()) userCatTotal += k;
  const ctx = { publishedAt: null as number | null, categories: [] as readonly string[] }; // reused: no object per candidate
  for (let i = 0; i < merged.length; i++) {
    const f = mergedFeatures[i];
    if (f) {
      ctx.publishedAt = f.p;
      ctx.categories = f.c;
    }
    writeFeatures(fm, i, merged[i]!, f ? ctx : undefined, userCats, totalWeight, nowMs, cfg.rerank.freshnessHalfLifeHours, userCatTotal);
  }
  let scores: Float32Array | null = null;
  let model: string | null = null;
  let rankNote: string;
  if (!merged.length) rankNote = 'nothing to rank';
  else if (!cfg.rankingModel) rankNote = 'heuristic: scenario has no ranking model';
  else {
    try {
      const m = await currentModel(kv, tenant, cfg.rankingModel, MODEL_WAIT_MS);
      if (m.ok) {
        scores = await scoreWithModel(m.model, fm, merged.length);
        model = `${m.model.modelId}@${m.model.version}`;
        rankNote = `onnx ${model}${m.note ? ` (${m.note})` : ''}`;
      } else rankNote = `heuristic fallback: model ${cfg.rankingModel}: ${m.reason}`;
    } catch (e) {
      rankNote = `heuristic fallback: model ${cfg.rankingModel} failed: ${e instanceof Error ? e.message : String(e)}`;
    }
  }
  const usedModel = scores !== null;
  scores ??= heuristicScores(fm, merged.length);
  const ranked = merged.map((c, i) => {
    const f = mergedFeatures[i];
    return { itemId: c.itemId, score: scores![i]!, categories: f?.c ?? [], publishedAt: f?.p ?? null };
  });
  traces.push({
    stage: 'rank',
    ms: lap(),
    candidates: ranked.length,
    items: debug ? top([...ranked].sort((a, b) => b.score - a.score)) : [],
    note: eligibleCount > merged.length ? `${rankNote}; best ${merged.length} of ${eligibleCount} by recall` : rankNote,
    ...(cfg.rankingModel && !usedModel && merged.length ? { fallback: true } : {}),
  });

  // 6. Re-rank: freshness boost, MMR diversity, per-category cap.
  const finalItems = rerankMmr(
    ranked,
    {
      n,
      lambda: cfg.rerank.diversityLambda,
      freshnessBoost: cfg.rerank.freshnessBoost,
      freshnessHalfLifeHours: cfg.rerank.freshnessHalfLifeHours,
      maxPerCategory: cfg.rerank.maxPerCategory,
      nowMs,
      // Embeddings only for the MMR pool, not for every ranked candidate.
      embeddingRows: ix ? { matrix: ix.matrix, dim: ix.dim, rowOf: ix.rowOf } : undefined,
    },
  );
  traces.push({ stage: 'rerank', ms: lap(), candidates: finalItems.length, items: top(finalItems), note: `mmr λ=${cfg.rerank.diversityLambda}, freshness boost ${cfg.rerank.freshnessBoost}` });

  const chosen = new Map<string, string[]>(finalItems.map((x) => [x.itemId, []]));
  for (const m of merged) if (chosen.has(m.itemId)) chosen.set(m.itemId, channelsOf(m));
  return {
    items: finalItems.map((x) => ({ itemId: x.itemId, score: Math.round(x.score * 1e6) / 1e6, channels: chosen.get(x.itemId)! })),
    snapshotVersion: base.meta?.version ?? null,
    model,
    traces,
  };
}
