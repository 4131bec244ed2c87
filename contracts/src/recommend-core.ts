/**
 * The recommendation algorithms shared by the edge (serving), the offline trainer and the
 * evaluation CLI, so the features a model is trained on are computed exactly as they are served.
 * Pure functions: no I/O, no runtime-specific APIs.
 */
import type { RecallChannelName } from './scenarios.js';

export interface Scored {
  itemId: string;
  score: number;
}

export interface ChannelResult {
  channel: RecallChannelName;
  /** Best first. */
  items: Scored[];
}

export interface Candidate {
  itemId: string;
  /** Weighted merge score over the channels that proposed the item. */
  recall: number;
  /** Per channel, the item's score normalised to [0, 1] within that channel. */
  channels: Partial<Record<RecallChannelName, number>>;
}

/**
 * Normalises each channel (score / channel max; rank-based when scores are not positive) and
 * merges: an item's recall score is the weighted sum over the channels that proposed it, so an
 * item found by several channels rises. Duplicates within and across channels collapse.
 */
export function mergeRecall(results: ChannelResult[], weights: Partial<Record<RecallChannelName, number>>): Candidate[] {
  return mergeRecallUnsorted(results, weights).sort(byRecall);
}

/** Best recall first; ties by id, so the order is deterministic. */
export const byRecall = (a: Candidate, b: Candidate): number => b.recall - a.recall || (a.itemId < b.itemId ? -1 : 1);

/** mergeRecall without the final sort, for callers that re-order the candidates anyway. */
export function mergeRecallUnsorted(results: ChannelResult[], weights: Partial<Record<RecallChannelName, number>>): Candidate[] {
  return mergeRecallInto(results, weights, newCandidate);
}

const newCandidate = (itemId: string): Candidate => ({ itemId, recall: 0, channels: {} });

/** The largest score in a channel's list: the scale its scores are normalised by. */
export function channelMaxScore(items: readonly Scored[]): number {
  let max = 0;
  for (let i = 0; i < items.length; i++) max = Math.max(max, items[i]!.score);
  return max;
}

/** A recalled item's channel score in [0, 1]: score / max, or by rank when the channel has no positive scale. */
export function normalisedRecallScore(score: number, max: number, rank: number, len: number): number {
  return max > 0 && score >= 0 ? score / max : 1 - rank / len;
}

/**
 * The merge itself, with the caller building each new candidate (the edge's carries the item's
 * features and a fixed-shape channel record): candidates in first-seen order, each channel's
 * scores normalised by its best, weighted, and an item's best score per channel counted once.
 */
export function mergeRecallInto<R extends ChannelResult, C extends Candidate>(
  results: readonly R[],
  weights: Partial<Record<RecallChannelName, number>>,
  create: (itemId: string, from: R, rank: number) => C,
): C[] {
  const byId = new Map<string, C>();
  const out: C[] = [];
  for (const r of results) {
    const w = weights[r.channel] ?? 0;
    const items = r.items;
    const len = items.length;
    if (!len || w <= 0) continue;
    const max = channelMaxScore(items);
    for (let rank = 0; rank < len; rank++) {
      const it = items[rank]!;
      const norm = normalisedRecallScore(it.score, max, rank, len);
      let c = byId.get(it.itemId);
      if (!c) {
        byId.set(it.itemId, (c = create(it.itemId, r, rank)));
        out.push(c);
      }
      const channels: Candidate['channels'] = c.channels;
      const prev = channels[r.channel];
      if (prev === undefined || norm > prev) {
        c.recall += w * (norm - (prev ?? 0));
        channels[r.channel] = norm;
      }
    }
  }
  return out;
}

/**
 * Item-CF seeding, shared by the edge (candidates.ts' itemCfRecall, in columns) and the offline
 * pipeline: the user's whole recent history (newest first, up to ITEM_CF_SEEDS items, what the
 * feature store keeps) seeds the recall, seed r weighing itemCfSeedWeight(r); an item's score is
 * the weighted sum of its scores in the seeds' neighbour lists (an item-item model's prediction
 * X·B restricted to the lists, as EASE and item-kNN score), so an item many recent seeds point to
 * rises. Recency halves a seed's weight every ITEM_CF_SEED_HALF_LIFE items: tastes drift, yet
 * the 100th item still counts a little (the old rule took the 5 latest seeds only).
 */
export const ITEM_CF_SEEDS = 100;
export const ITEM_CF_SEED_HALF_LIFE = 25;
const SEED_WEIGHTS = Float64Array.from({ length: ITEM_CF_SEEDS }, (_, r) => Math.pow(2, -r / ITEM_CF_SEED_HALF_LIFE));
/** Neighbours read per seed for an item-CF channel of `size`: a fixed depth, so a cached list serves every user. */
export const itemCfListDepth = (size: number): number => Math.max(10, Math.min(100, size));
/** Weight of the seed at recency rank r (0 = newest); 0 past ITEM_CF_SEEDS. */
export const itemCfSeedWeight = (r: number): number => (r < ITEM_CF_SEEDS ? SEED_WEIGHTS[r]! : 0);

/**
 * Item-CF recall over seed neighbour lists (lists[r] = neighbours of the seed at recency rank r):
 * unseen items scored by Σ_r itemCfSeedWeight(r)·score, summed in seed order then list order; the
 * `size` best, ties in first-seen order. The reference the edge's columnar version must equal.
 */
export function itemCfRecallScores(lists: readonly (readonly Scored[])[], seen: ReadonlySet<string>, size: number): Scored[] {
  const score = new Map<string, number>();
  for (let r = 0; r < lists.length && r < ITEM_CF_SEEDS; r++) {
    const w = SEED_WEIGHTS[r]!;
    for (const x of lists[r]!) {
      if (seen.has(x.itemId)) continue;
      score.set(x.itemId, (score.get(x.itemId) ?? 0) + x.score * w);
    }
  }
  const out: Scored[] = [];
  for (const [itemId, s] of score) out.push({ itemId, score: s });
  // Array.prototype.sort is stable: ties keep first-seen order.
  return out.sort((a, b) => b.score - a.score).slice(0, Math.max(0, size));
}

/**
 * Inputs of the ranking model, in this order (the ONNX model's input is [N, RANKING_FEATURES.length]).
 * channel_count counts the first four channels (hot, item_cf, embedding, fresh) over 4; user_cf
 * (the offline whole-history list) has its own column, appended so the others keep their index.
 */
export const RANKING_FEATURES = ['hot', 'item_cf', 'embedding', 'fresh', 'recency', 'category_affinity', 'channel_count', 'recall', 'user_cf'] as const;
export const RANKING_FEATURE_COUNT = RANKING_FEATURES.length;
export const RANKING_INPUT = 'features';
export const RANKING_OUTPUT = 'score';

export interface ItemContext {
  /** Publish time, epoch ms (null: unknown). */
  publishedAt: number | null;
  categories: readonly string[];
}

/** 1 for a brand-new item, 0.5 after one half-life; 0 when the age is unknown. */
export const recency = (publishedAt: number | null, nowMs: number, halfLifeHours: number): number =>
  publishedAt === null ? 0 : Math.pow(2, -Math.max(0, nowMs - publishedAt) / (halfLifeHours * 3_600_000));

/** Share of the user's recent categories (by count) that the item belongs to. */
export function categoryAffinity(userCategories: ReadonlyMap<string, number>, itemCategories: readonly string[], userTotal?: number): number {
  let total = userTotal ?? 0;
  if (userTotal === undefined) for (const n of userCategories.values()) total += n;
  if (!total) return 0;
  let hit = 0;
  // Each distinct category once (a Set per candidate per request costs more than this loop).
  for (let i = 0; i < itemCategories.length; i++) {
    const c = itemCategories[i]!;
    if (itemCategories.indexOf(c) === i) hit += userCategories.get(c) ?? 0;
  }
  return hit / total;
}

/** Channel columns per candidate in writeFeatureRows' channelScores: hot, item_cf, embedding, fresh, user_cf. */
export const RECALL_COLUMNS = 5;

/** Writes the candidate's features into `out` at row `row` (Float32Array of N × features). */
export function writeFeatures(
  out: Float32Array,
  row: number,
  c: Candidate,
  item: ItemContext | undefined,
  userCategories: ReadonlyMap<string, number>,
  totalWeight: number,
  nowMs: number,
  halfLifeHours: number,
  /** Sum of userCategories' counts, when the caller has it (saves a pass per candidate). */
  userCategoryTotal?: number,
): void {
  const ch = c.channels;
  writeFeatureValues(out, row, ch.hot, ch.item_cf, ch.embedding, ch.fresh, c.recall, item, userCategories, totalWeight, nowMs, halfLifeHours, userCategoryTotal, undefined, ch.user_cf);
}

/**
 * writeFeatures from the candidate's values (normalised channel scores, undefined where the channel
 * did not recall it, and the recall score): for callers that keep candidates in columns.
 */
export function writeFeatureValues(
  out: Float32Array,
  row: number,
  hot: number | undefined,
  itemCf: number | undefined,
  embedding: number | undefined,
  fresh: number | undefined,
  recall: number,
  item: ItemContext | undefined,
  userCategories: ReadonlyMap<string, number>,
  totalWeight: number,
  nowMs: number,
  halfLifeHours: number,
  userCategoryTotal?: number,
  /** recency(item.publishedAt, nowMs, halfLifeHours) when the caller has computed it already. */
  itemRecency?: number,
  /** The normalised user_cf score (undefined: not recalled by user_cf). */
  userCf?: number,
): void {
  const o = row * RANKING_FEATURE_COUNT;
  out[o] = hot ?? 0;
  out[o + 1] = itemCf ?? 0;
  out[o + 2] = embedding ?? 0;
  out[o + 3] = fresh ?? 0;
  out[o + 4] = item ? (itemRecency ?? recency(item.publishedAt, nowMs, halfLifeHours)) : 0;
  out[o + 5] = item ? categoryAffinity(userCategories, item.categories, userCategoryTotal) : 0;
  out[o + 6] = ((hot !== undefined ? 1 : 0) + (itemCf !== undefined ? 1 : 0) + (embedding !== undefined ? 1 : 0) + (fresh !== undefined ? 1 : 0)) / 4;
  out[o + 7] = totalWeight > 0 ? recall / totalWeight : 0;
  out[o + 8] = userCf ?? 0;
}

/**
 * writeFeatureValues for many candidates held in columns (the edge's merged candidates): for
 * j < count, row j of `out` gets candidate rows[j]'s features, and recencyOut[j] its recency (0
 * without an item), which the re-rank reuses. channelScores holds RECALL_COLUMNS per candidate
 * in hot/item_cf/embedding/fresh/user_cf order, NaN where the channel did not recall it. The same arithmetic
 * as writeFeatureValues (tests compare them bit for bit), in one loop: no channel score, recall or
 * recency crosses a call as a boxed number (~6 heap numbers per candidate otherwise).
 */
export function writeFeatureRows(
  out: Float32Array,
  recencyOut: Float64Array,
  rows: Int32Array,
  count: number,
  channelScores: Float64Array,
  recall: Float64Array,
  items: readonly ({ p: number | null; c: readonly string[] } | undefined)[],
  userCategories: ReadonlyMap<string, number>,
  totalWeight: number,
  nowMs: number,
  halfLifeHours: number,
  userCategoryTotal?: number,
): void {
  for (let j = 0; j < count; j++) {
    const r = rows[j]!;
    const item = items[r];
    const o = j * RANKING_FEATURE_COUNT;
    const c = r * RECALL_COLUMNS;
    const hot = channelScores[c]!;
    const itemCf = channelScores[c + 1]!;
    const embedding = channelScores[c + 2]!;
    const fresh = channelScores[c + 3]!;
    // x === x: recalled by that channel (NaN is not).
    out[o] = hot === hot ? hot : 0;
    out[o + 1] = itemCf === itemCf ? itemCf : 0;
    out[o + 2] = embedding === embedding ? embedding : 0;
    out[o + 3] = fresh === fresh ? fresh : 0;
    const rec = item ? recency(item.p, nowMs, halfLifeHours) : 0;
    recencyOut[j] = rec;
    out[o + 4] = rec;
    out[o + 5] = item ? categoryAffinity(userCategories, item.c, userCategoryTotal) : 0;
    out[o + 6] = ((hot === hot ? 1 : 0) + (itemCf === itemCf ? 1 : 0) + (embedding === embedding ? 1 : 0) + (fresh === fresh ? 1 : 0)) / 4;
    out[o + 7] = totalWeight > 0 ? recall[r]! / totalWeight : 0;
    const userCf = channelScores[c + 4]!;
    out[o + 8] = userCf === userCf ? userCf : 0;
  }
}

/**
 * Hand-set weights used when a scenario has no (valid) model. They lean on the two collaborative
 * channels the way the rankers chosen on validation splits do (stream/README.md): the user's
 * whole-history list (user_cf) first, then item-CF of the recent items and category taste; hot,
 * embedding and freshness mostly break ties (for a user with no history they are all there is, so
 * cold start still follows the hot list). Was [0.15, 0.25, 0.2, 0.05, 0.05, 0.15, 0.05, 0.1, 0.2].
 */
export const HEURISTIC_WEIGHTS: readonly number[] = [0.05, 0.25, 0.05, 0.02, 0.03, 0.1, 0.02, 0.08, 0.4];

export function heuristicScores(features: Float32Array, n: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let f = 0; f < RANKING_FEATURE_COUNT; f++) s += HEURISTIC_WEIGHTS[f]! * features[i * RANKING_FEATURE_COUNT + f]!;
    out[i] = s;
  }
  return out;
}

export interface RerankItem {
  itemId: string;
  score: number;
  categories: readonly string[];
  /** Publish time, epoch ms; read only when `recency` is not given. */
  publishedAt: number | null;
  embedding?: Float32Array | undefined;
  /** recency(publishedAt, nowMs, freshnessHalfLifeHours), when the caller has it (Math.pow is not free); then publishedAt is not read. */
  recency?: number | undefined;
  /** The item's row in embeddingRows' matrix (negative: none), when the caller knows it: no lookup by id. */
  embeddingRow?: number | undefined;
}

export interface RerankOptions {
  n: number;
  /** MMR pool: the best poolPerItem·n candidates by boosted score (default 4; scenario rerank.mmrPoolPerItem). */
  poolPerItem?: number | undefined;
  /** Only items[0..count) are candidates (default: all), so a caller can hand over a reused, longer array. */
  count?: number | undefined;
  /** MMR trade-off: 1 = relevance only. */
  lambda: number;
  freshnessBoost: number;
  freshnessHalfLifeHours: number;
  maxPerCategory?: number | undefined;
  nowMs: number;
  /**
   * Embedding of an item when the items carry none: looked up only for the 4n items of the MMR
   * pool, not for every ranked candidate.
   */
  embeddingOf?: ((itemId: string) => Float32Array | undefined) | undefined;
  /**
   * Embeddings as rows of one matrix (row-major, `dim` wide), found by id: read in place, so the
   * pool needs no view object per item. Used for items with no `embedding`, before embeddingOf.
   */
  embeddingRows?:
    | {
        matrix: Float32Array;
        dim: number;
        /** Rows by id, for items without embeddingRow. */
        rowOf?: ReadonlyMap<string, number> | undefined;
        /** Squared norm of each row (Σ v[d]**2 in order d = 0…dim-1, as computed here otherwise). */
        norm2?: Float64Array | undefined;
      }
    | undefined;
}

/**
 * Re-rank scratch, reused by every call (the re-rank is synchronous, so calls never overlap): the
 * pool as columns instead of an object per pooled item, and grow-only typed arrays instead of
 * fresh ones per call. Each call overwrites what it reads; nothing returned points into it.
 */
class RerankScratch {
  boostedScore = new Float64Array(256);
  order = new Int32Array(256);
  /** Per category (small integer): pool members so far, then picks so far. */
  inPool = new Int32Array(256);
  perCat = new Int32Array(256);
  readonly catIds = new Map<string, number>();
  // The pool, best boosted score first; pool item p is items[src[p]].
  src = new Int32Array(64);
  s = new Float64Array(64);
  /** The item's embedding is emb[p][off[p]..off[p]+dim[p]) (its own vector, or a row of a shared matrix). */
  emb: (Float32Array | undefined)[] = [];
  off = new Int32Array(64);
  dim = new Int32Array(64);
  /** Squared norm of the embedding. */
  norm2 = new Float64Array(64);
  /** Primary category as a small integer (-1: none). */
  cat = new Int32Array(64);
  rel = new Float64Array(64);
  maxSim = new Float64Array(64);
  simDone = new Int32Array(64);
  used = new Uint8Array(64);
  taken = new Int32Array(64);

  /** Room for `n` candidates and a pool of `m`. */
  reserve(n: number, m: number): void {
    if (this.boostedScore.length < n) {
      const c = Math.max(n, this.boostedScore.length * 2);
      this.boostedScore = new Float64Array(c);
      this.order = new Int32Array(c);
      // Every candidate taken off the heap may bring a new category, pooled or not.
      this.inPool = new Int32Array(c);
      this.perCat = new Int32Array(c);
    }
    if (this.src.length < m) {
      const c = Math.max(m, this.src.length * 2);
      this.src = new Int32Array(c);
      this.s = new Float64Array(c);
      this.off = new Int32Array(c);
      this.dim = new Int32Array(c);
      this.norm2 = new Float64Array(c);
      this.cat = new Int32Array(c);
      this.rel = new Float64Array(c);
      this.maxSim = new Float64Array(c);
      this.simDone = new Int32Array(c);
      this.used = new Uint8Array(c);
      this.taken = new Int32Array(c);
    }
  }
}
const rerankScratch = new RerankScratch();

/** Similarity of pool items a and b: embedding cosine (clamped at 0), else category Jaccard. */
function similarity(x: RerankScratch, items: readonly RerankItem[], a: number, b: number): number {
  const ea = x.emb[a];
  const eb = x.emb[b];
  const da = x.dim[a]!;
  if (ea && eb && da === x.dim[b]) {
    let dot = 0;
    const oa = x.off[a]!;
    const ob = x.off[b]!;
    for (let i = 0; i < da; i++) dot += ea[oa + i]! * eb[ob + i]!;
    const na = x.norm2[a]!;
    const nb = x.norm2[b]!;
    return na && nb ? Math.max(0, dot / Math.sqrt(na * nb)) : 0;
  }
  const ac = items[x.src[a]!]!.categories;
  const bc = items[x.src[b]!]!.categories;
  if (!ac.length || !bc.length) return 0;
  let inter = 0;
  for (const c of ac) if (bc.includes(c)) inter++;
  return inter / (ac.length + bc.length - inter);
}

/** Is candidate a ahead of b: higher boosted score, then smaller id. */
function ahead(score: Float64Array, items: readonly RerankItem[], a: number, b: number): boolean {
  return score[a]! > score[b]! || (score[a] === score[b] && items[a]!.itemId < items[b]!.itemId);
}

/** Restores the max-heap property below `at` (heap of candidate indexes in order[0..size)). */
function siftDown(order: Int32Array, size: number, at: number, score: Float64Array, items: readonly RerankItem[]): void {
  for (;;) {
    const l = 2 * at + 1;
    if (l >= size) return;
    const m = l + 1 < size && ahead(score, items, order[l + 1]!, order[l]!) ? l + 1 : l;
    if (!ahead(score, items, order[m]!, order[at]!)) return;
    const t = order[at]!;
    order[at] = order[m]!;
    order[m] = t;
    at = m;
  }
}

/**
 * Freshness boost, then Maximal Marginal Relevance: repeatedly takes the item maximising
 * λ·relevance − (1−λ)·(max similarity to what is already taken), with at most maxPerCategory
 * items per primary category. The pool is the top 4n by boosted score, which keeps it O(n²).
 */
export function rerankMmr(items: RerankItem[], o: RerankOptions): Scored[] {
  const picks = rerankMmrPicks(items, o);
  const out = new Array<Scored>(picks.index.length);
  for (let i = 0; i < out.length; i++) out[i] = { itemId: items[picks.index[i]!]!.itemId, score: picks.score[i]! };
  return out;
}

/**
 * Candidates ranked per request (edge and offline alike): the best max(rankMin, rankPerItem·n) by
 * recall, at most 500; defaults 10 per requested item, at least 100 (scenario rerank settings).
 */
export const rankLimitFor = (n: number, r?: { rankPerItem?: number | undefined; rankMin?: number | undefined }): number => Math.min(500, Math.max(r?.rankMin ?? 100, (r?.rankPerItem ?? 10) * n));

/** rerankMmr's picks as indexes into `items` with their boosted scores, best pick first. */
export function rerankMmrPicks(items: readonly RerankItem[], o: RerankOptions): { index: number[]; score: number[] } {
  const n = Math.min(o.count ?? items.length, items.length);
  const poolMax = Math.max(0, Math.min(n, o.n * (o.poolPerItem ?? 4)));
  const x = rerankScratch;
  x.reserve(n, poolMax);
  const { boostedScore, order } = x;
  for (let i = 0; i < n; i++) {
    const it = items[i]!;
    boostedScore[i] = it.score * (1 + o.freshnessBoost * (it.recency ?? recency(it.publishedAt, o.nowMs, o.freshnessHalfLifeHours)));
    order[i] = i;
  }
  // Best first by boosted score (ties: smaller id). Only the pool's 4n items are needed, so a
  // binary heap hands them out in that order without sorting every candidate.
  let heapSize = n;
  for (let i = (n >> 1) - 1; i >= 0; i--) siftDown(order, heapSize, i, boostedScore, items);
  // With a per-category cap, the pool keeps at most 2× the cap per category, so a few dominant
  // categories cannot crowd out the alternatives the cap needs.
  // Primary categories as small integers (one map lookup per item), pool members per category.
  const catIds = x.catIds;
  catIds.clear();
  const inPool = x.inPool;
  const rowsOf = o.embeddingRows;
  let m = 0;
  while (heapSize > 0) {
    if (m >= poolMax) break;
    const i = order[0]!;
    order[0] = order[--heapSize]!;
    siftDown(order, heapSize, 0, boostedScore, items);
    const it = items[i]!;
    const catName = it.categories[0];
    let cat = -1;
    if (catName !== undefined) {
      cat = catIds.get(catName) ?? -1;
      if (cat < 0) {
        catIds.set(catName, (cat = catIds.size));
        inPool[cat] = 0;
      }
    }
    if (o.maxPerCategory && cat >= 0) {
      if (inPool[cat]! >= o.maxPerCategory * 2) continue;
      inPool[cat]!++;
    }
    let emb = it.embedding;
    let off = 0;
    let dim = emb ? emb.length : 0;
    let norm2 = -1;
    if (!emb && rowsOf) {
      const r = it.embeddingRow ?? rowsOf.rowOf?.get(it.itemId);
      if (r !== undefined && r >= 0) {
        emb = rowsOf.matrix;
        dim = rowsOf.dim;
        off = r * dim;
        if (rowsOf.norm2) norm2 = rowsOf.norm2[r]!;
      }
    }
    if (!emb && o.embeddingOf) {
      emb = o.embeddingOf(it.itemId);
      dim = emb ? emb.length : 0;
    }
    if (norm2 < 0) {
      norm2 = 0;
      if (emb) for (let d = 0; d < dim; d++) norm2 += emb[off + d]! ** 2;
    }
    x.src[m] = i;
    x.s[m] = boostedScore[i]!;
    x.emb[m] = emb;
    x.off[m] = off;
    x.dim[m] = dim;
    x.norm2[m] = norm2;
    x.cat[m] = cat;
    m++;
  }
  if (!m) return { index: [], score: [] };
  const max = x.s[0]!;
  const min = x.s[m - 1]!;
  // Per pool item: relevance in [0, 1] (its primary category is x.cat), so the n × 4n selection
  // loop does no map lookups.
  const { rel, cat: catOf, perCat, maxSim, simDone, used, taken } = x;
  for (let i = 0; i < m; i++) {
    rel[i] = max > min ? (x.s[i]! - min) / (max - min) : 1;
    maxSim[i] = 0;
    simDone[i] = 0;
    used[i] = 0;
  }
  perCat.fill(0, 0, catIds.size);
  const cap = o.maxPerCategory ?? 0;
  let takenCount = 0;
  // maxSim[i] covers the first simDone[i] taken items; brought up to date only while item i can
  // still win (similarities are ≥ 0, so a partial max only over-estimates i's MMR value). The pool
  // is in descending relevance, so once λ·rel cannot beat the best so far, nothing later can.
  const diverse = o.lambda < 1;
  while (takenCount < o.n) {
    let best = -1;
    let bestVal = -Infinity;
    for (let i = 0; i < m; i++) {
      if (used[i] || (cap > 0 && catOf[i]! >= 0 && perCat[catOf[i]!]! >= cap)) continue;
      if (o.lambda * rel[i]! <= bestVal) break;
      let v = o.lambda * rel[i]! - (1 - o.lambda) * maxSim[i]!;
      if (diverse) {
        while (simDone[i]! < takenCount && v > bestVal) {
          // Embeddings read in place (float32 → double is exact: the same products and sums).
          const sim = similarity(x, items, i, taken[simDone[i]!]!);
          if (sim > maxSim[i]!) maxSim[i] = sim;
          simDone[i]!++;
          v = o.lambda * rel[i]! - (1 - o.lambda) * maxSim[i]!;
        }
        if (simDone[i]! < takenCount) continue; // cannot beat bestVal
      }
      if (v > bestVal) {
        bestVal = v;
        best = i;
      }
    }
    if (best < 0) break;
    used[best] = 1;
    taken[takenCount++] = best;
    if (catOf[best]! >= 0) perCat[catOf[best]!]!++;
  }
  const index = new Array<number>(takenCount);
  const score = new Array<number>(takenCount);
  for (let k = 0; k < takenCount; k++) {
    index[k] = x.src[taken[k]!]!;
    score[k] = x.s[taken[k]!]!;
  }
  // Drop the embedding references (a replaced index's matrix must not stay reachable from here).
  x.emb.fill(undefined, 0, m);
  return { index, score };
}

/**
 * Top-k by dot product over a row-major matrix (ids.length × dim), skipping `exclude`: every row,
 * or only the rows of `rowLists` (an ANN index's probed cells), visited in order. Runs on every
 * recommend request, so it scans in place and keeps the top k in typed arrays (no per-row
 * allocation); equal scores keep the row visited first.
 */
export function topKDot(
  matrix: Float32Array,
  dim: number,
  ids: readonly string[],
  query: Float32Array,
  k: number,
  exclude: ReadonlySet<string>,
  rowLists?: readonly Int32Array[],
): Scored[] {
  if (k <= 0) return [];
  const top = new TopKRows(k);
  const lists = rowLists ?? [null];
  for (let l = 0; l < lists.length; l++) {
    const rows = lists[l];
    const count = rows ? rows.length : ids.length;
    for (let i = 0; i < count; i++) {
      const r = rows ? rows[i]! : i;
      let s = 0;
      const o = r * dim;
      for (let d = 0; d < dim; d++) s += matrix[o + d]! * query[d]!;
      if (!top.admits(s)) continue;
      if (exclude.size && exclude.has(ids[r]!)) continue;
      top.add(s, r);
    }
  }
  return top.toScored(ids);
}

/**
 * The k best (score, row) pairs offered, best first, in typed arrays (no per-row allocation); equal
 * scores keep the row offered first. A sorted small array beats a heap for k ≤ a few hundred.
 */
export class TopKRows {
  private readonly scores: Float64Array;
  private readonly rows: Int32Array;
  private size = 0;

  constructor(private readonly k: number) {
    this.scores = new Float64Array(k);
    this.rows = new Int32Array(k);
  }

  /** Empties the set for reuse (a caller keeping one instance per k allocates nothing per search). */
  clear(): void {
    this.size = 0;
  }

  /** Rows kept. */
  get count(): number {
    return this.size;
  }

  /** The j-th best score and its row (j < count). */
  scoreAt(j: number): number {
    return this.scores[j]!;
  }
  rowAt(j: number): number {
    return this.rows[j]!;
  }

  /** Whether a score would enter now: check it before costlier filters. */
  admits(s: number): boolean {
    return this.size < this.k || s > this.scores[this.k - 1]!;
  }

  /** Call only when admits(s). */
  add(s: number, r: number): void {
    const { scores, rows } = this;
    let pos = this.size < this.k ? this.size++ : this.k - 1;
    while (pos > 0 && scores[pos - 1]! < s) {
      scores[pos] = scores[pos - 1]!;
      rows[pos] = rows[pos - 1]!;
      pos--;
    }
    scores[pos] = s;
    rows[pos] = r;
  }

  /** The rows kept, best first. */
  rowList(): Int32Array {
    return this.rows.slice(0, this.size);
  }

  toScored(ids: readonly string[]): Scored[] {
    const out: Scored[] = new Array(this.size);
    for (let j = 0; j < this.size; j++) out[j] = { itemId: ids[this.rows[j]!]!, score: this.scores[j]! };
    return out;
  }
}
