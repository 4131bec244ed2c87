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
  const byId = new Map<string, Candidate>();
  for (const r of results) {
    const w = weights[r.channel] ?? 0;
    if (!r.items.length || w <= 0) continue;
    const max = r.items.reduce((m, i) => Math.max(m, i.score), 0);
    r.items.forEach((it, rank) => {
      const norm = max > 0 && it.score >= 0 ? it.score / max : 1 - rank / r.items.length;
      let c = byId.get(it.itemId);
      if (!c) byId.set(it.itemId, (c = { itemId: it.itemId, recall: 0, channels: {} }));
      const prev = c.channels[r.channel];
      if (prev === undefined || norm > prev) {
        c.recall += w * (norm - (prev ?? 0));
        c.channels[r.channel] = norm;
      }
    });
  }
  return [...byId.values()].sort((a, b) => b.recall - a.recall || (a.itemId < b.itemId ? -1 : 1));
}

/** Inputs of the ranking model, in this order (the ONNX model's input is [N, RANKING_FEATURES.length]). */
export const RANKING_FEATURES = ['hot', 'item_cf', 'embedding', 'fresh', 'recency', 'category_affinity', 'channel_count', 'recall'] as const;
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
export function categoryAffinity(userCategories: ReadonlyMap<string, number>, itemCategories: readonly string[]): number {
  let total = 0;
  for (const n of userCategories.values()) total += n;
  if (!total) return 0;
  let hit = 0;
  for (const c of new Set(itemCategories)) hit += userCategories.get(c) ?? 0;
  return hit / total;
}

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
): void {
  const o = row * RANKING_FEATURE_COUNT;
  out[o] = c.channels.hot ?? 0;
  out[o + 1] = c.channels.item_cf ?? 0;
  out[o + 2] = c.channels.embedding ?? 0;
  out[o + 3] = c.channels.fresh ?? 0;
  out[o + 4] = item ? recency(item.publishedAt, nowMs, halfLifeHours) : 0;
  out[o + 5] = item ? categoryAffinity(userCategories, item.categories) : 0;
  out[o + 6] = Object.keys(c.channels).length / 4;
  out[o + 7] = totalWeight > 0 ? c.recall / totalWeight : 0;
}

/** Hand-set weights used when a scenario has no (valid) model: relevance first, then taste. */
export const HEURISTIC_WEIGHTS: readonly number[] = [0.15, 0.25, 0.2, 0.05, 0.05, 0.15, 0.05, 0.1];

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
  publishedAt: number | null;
  embedding?: Float32Array | undefined;
}

export interface RerankOptions {
  n: number;
  /** MMR trade-off: 1 = relevance only. */
  lambda: number;
  freshnessBoost: number;
  freshnessHalfLifeHours: number;
  maxPerCategory?: number | undefined;
  nowMs: number;
}

function similarity(a: RerankItem, b: RerankItem): number {
  if (a.embedding && b.embedding && a.embedding.length === b.embedding.length) {
    let dot = 0;
    let na = 0;
    let nb = 0;
    for (let i = 0; i < a.embedding.length; i++) {
      dot += a.embedding[i]! * b.embedding[i]!;
      na += a.embedding[i]! ** 2;
      nb += b.embedding[i]! ** 2;
    }
    return na && nb ? Math.max(0, dot / Math.sqrt(na * nb)) : 0;
  }
  if (!a.categories.length || !b.categories.length) return 0;
  let inter = 0;
  for (const c of a.categories) if (b.categories.includes(c)) inter++;
  return inter / (a.categories.length + b.categories.length - inter);
}

/**
 * Freshness boost, then Maximal Marginal Relevance: repeatedly takes the item maximising
 * λ·relevance − (1−λ)·(max similarity to what is already taken), with at most maxPerCategory
 * items per primary category. The pool is the top 4n by boosted score, which keeps it O(n²).
 */
export function rerankMmr(items: RerankItem[], o: RerankOptions): Scored[] {
  const sorted = items
    .map((it) => ({ it, s: it.score * (1 + o.freshnessBoost * recency(it.publishedAt, o.nowMs, o.freshnessHalfLifeHours)) }))
    .sort((a, b) => b.s - a.s || (a.it.itemId < b.it.itemId ? -1 : 1));
  // With a per-category cap, the pool keeps at most 2× the cap per category, so a few dominant
  // categories cannot crowd out the alternatives the cap needs.
  const boosted: typeof sorted = [];
  const inPool = new Map<string, number>();
  for (const x of sorted) {
    if (boosted.length >= o.n * 4) break;
    const cat = x.it.categories[0];
    if (o.maxPerCategory && cat !== undefined) {
      const k = inPool.get(cat) ?? 0;
      if (k >= o.maxPerCategory * 2) continue;
      inPool.set(cat, k + 1);
    }
    boosted.push(x);
  }
  if (!boosted.length) return [];
  const max = boosted[0]!.s;
  const min = boosted[boosted.length - 1]!.s;
  const rel = (s: number) => (max > min ? (s - min) / (max - min) : 1);
  const taken: { it: RerankItem; s: number }[] = [];
  const perCat = new Map<string, number>();
  const maxSim = new Float64Array(boosted.length);
  const used = new Uint8Array(boosted.length);
  while (taken.length < o.n) {
    let best = -1;
    let bestVal = -Infinity;
    for (let i = 0; i < boosted.length; i++) {
      if (used[i]) continue;
      const cat = boosted[i]!.it.categories[0];
      if (o.maxPerCategory && cat !== undefined && (perCat.get(cat) ?? 0) >= o.maxPerCategory) continue;
      const v = o.lambda * rel(boosted[i]!.s) - (1 - o.lambda) * maxSim[i]!;
      if (v > bestVal) {
        bestVal = v;
        best = i;
      }
    }
    if (best < 0) break;
    used[best] = 1;
    const pick = boosted[best]!;
    taken.push(pick);
    const cat = pick.it.categories[0];
    if (cat !== undefined) perCat.set(cat, (perCat.get(cat) ?? 0) + 1);
    if (o.lambda < 1) for (let i = 0; i < boosted.length; i++) if (!used[i]) maxSim[i] = Math.max(maxSim[i]!, similarity(boosted[i]!.it, pick.it));
  }
  return taken.map((t) => ({ itemId: t.it.itemId, score: t.s }));
}

/** Brute-force top-k by dot product over a row-major matrix (ids.length × dim), skipping `exclude`. */
export function topKDot(matrix: Float32Array, dim: number, ids: readonly string[], query: Float32Array, k: number, exclude: ReadonlySet<string>): Scored[] {
  const n = ids.length;
  const heapS: number[] = [];
  const heapI: number[] = [];
  // A sorted small array beats a heap for k ≤ a few hundred.
  for (let r = 0; r < n; r++) {
    let s = 0;
    const o = r * dim;
    for (let d = 0; d < dim; d++) s += matrix[o + d]! * query[d]!;
    if (heapS.length === k && s <= heapS[k - 1]!) continue;
    if (exclude.has(ids[r]!)) continue;
    let pos = heapS.length;
    while (pos > 0 && heapS[pos - 1]! < s) pos--;
    heapS.splice(pos, 0, s);
    heapI.splice(pos, 0, r);
    if (heapS.length > k) {
      heapS.pop();
      heapI.pop();
    }
  }
  return heapI.map((r, j) => ({ itemId: ids[r]!, score: heapS[j]! }));
}
