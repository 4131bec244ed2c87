import { RANKING_FEATURE_COUNT, RANKING_FEATURES } from '@vidplat/contracts';
import { trainPairwiseRanker, type LrModel } from './logistic-regression.js';
import type { OfflineRecommender } from './offline-recommender.js';

/**
 * Ranker selection by NDCG@10 on a validation split (RankLib's coordinate ascent, Metzler & Croft
 * 2007), for a linear model the edge serves as its logistic-regression ONNX: the order of
 * σ(w·x + b) is the order of w·x, so a weight vector found here is served unchanged.
 *
 * Why: the pairwise ranker optimises a surrogate over sampled pairs and ordered slightly worse on
 * real data than its best single input (the user_cf channel alone). Here every candidate ranker —
 * each recall channel's own order, the pairwise fit, coordinate ascent started from the best
 * channel — is judged by what is served (NDCG@10 of the candidate order) on validation users it
 * was not fitted on, and the best is shipped; where nothing beats a channel, that channel's order
 * is what the edge serves.
 */

/** One validation user's merged candidates (rows × RANKING_FEATURE_COUNT, as served) and labels. */
export interface ListwiseGroup {
  x: Float32Array;
  rel: Uint8Array;
  /** Ideal DCG@10 over every relevant item of the user (recalled or not): missing recall costs. */
  idcg: number;
}

/** Features a ranker may order by alone: the recall channels' scores and the merged recall. */
export const CHANNEL_FEATURES = ['user_cf', 'item_cf', 'embedding', 'hot', 'fresh', 'recall'] as const;

const K = 10;
const DISCOUNT = Float64Array.from({ length: K }, (_, i) => 1 / Math.log2(i + 2));

export function listwiseGroups(rec: OfflineRecommender, truth: ReadonlyMap<string, ReadonlySet<string>>): ListwiseGroup[] {
  const out: ListwiseGroup[] = [];
  for (const [user, rel] of truth) {
    if (!rel.size || !rec.users.has(user)) continue;
    const { cands, features } = rec.candidates(user);
    if (!cands.length) continue;
    let idcg = 0;
    for (let i = 0; i < Math.min(K, rel.size); i++) idcg += DISCOUNT[i]!;
    out.push({ x: features, rel: Uint8Array.from(cands, (c) => (rel.has(c.itemId) ? 1 : 0)), idcg });
  }
  return out;
}

/**
 * Mean NDCG@10 of ordering each group by w·x (equal scores: earlier row first, i.e. the merge's
 * recall order, as the edge's stable order would keep them).
 */
export function meanNdcg(groups: readonly ListwiseGroup[], w: ArrayLike<number>): number {
  if (!groups.length) return 0;
  const F = RANKING_FEATURE_COUNT;
  const topS = new Float64Array(K);
  const topR = new Uint8Array(K);
  let sum = 0;
  for (const g of groups) {
    const n = g.rel.length;
    let size = 0;
    for (let r = 0; r < n; r++) {
      let s = 0;
      const o = r * F;
      for (let k = 0; k < F; k++) s += w[k]! * g.x[o + k]!;
      if (size === K && s <= topS[K - 1]!) continue;
      let p = size < K ? size++ : K - 1;
      while (p > 0 && topS[p - 1]! < s) {
        topS[p] = topS[p - 1]!;
        topR[p] = topR[p - 1]!;
        p--;
      }
      topS[p] = s;
      topR[p] = g.rel[r]!;
    }
    let dcg = 0;
    for (let i = 0; i < size; i++) if (topR[i]) dcg += DISCOUNT[i]!;
    sum += dcg / g.idcg;
  }
  return sum / groups.length;
}

const oneHot = (name: string): number[] => RANKING_FEATURES.map((f) => (f === name ? 1 : 0));

/**
 * Coordinate ascent on mean NDCG@10 from `start`: each round tries, per feature, steps of ± a
 * fraction of the weight vector's scale, keeping a change only when it raises the figure.
 */
export function coordinateAscent(groups: readonly ListwiseGroup[], start: readonly number[], o: { rounds?: number; steps?: readonly number[] } = {}): { weights: number[]; ndcg: number } {
  const w = [...start];
  let best = meanNdcg(groups, w);
  const steps = o.steps ?? [-0.5, -0.2, -0.1, -0.05, 0.05, 0.1, 0.2, 0.5];
  for (let round = 0; round < (o.rounds ?? 3); round++) {
    let improved = false;
    for (let k = 0; k < w.length; k++) {
      const scale = w.reduce((s, v) => s + Math.abs(v), 0) || 1;
      const keep = w[k]!;
      let bestStep = 0;
      for (const st of steps) {
        w[k] = keep + st * scale;
        const v = meanNdcg(groups, w);
        // Strictly better by a margin: ties and noise-sized gains keep the simpler model.
        if (v > best + 1e-5) (best = v), (bestStep = st * scale);
      }
      w[k] = keep + bestStep;
      if (bestStep) improved = true;
    }
    if (!improved) break;
  }
  return { weights: w, ndcg: best };
}

/**
 * Served weights: scaled so Σ|w| = SCALE (w·x of features in [0, 1] stays within ±SCALE, so the
 * model's σ neither saturates in float32 nor flattens the order the re-rank's freshness boost
 * multiplies), bias 0.
 */
const SCALE = 8;
export function servedModel(weights: readonly number[]): LrModel {
  const s = weights.reduce((a, v) => a + Math.abs(v), 0) || 1;
  return { weights: weights.map((v) => (v * SCALE) / s), bias: 0 };
}

export interface RankerChoice {
  model: LrModel;
  /** What was chosen: `channel:<feature>`, `pairwise` or `coordinate_ascent`. */
  kind: string;
  /** Mean NDCG@10 of each contender on the check half of the validation users. */
  check: Record<string, number>;
}

/**
 * Picks the served ranker on validation groups: users alternate between a fit half and a check
 * half; contenders are each channel's own order, the given fitted models (fitted on the fit half
 * by `fit`), and coordinate ascent from the best channel on the fit half. The contender best on the
 * check half wins (ties: the earlier, i.e. a channel); the winner is then refitted on all groups.
 */
export function chooseRanker(groups: readonly ListwiseGroup[], fitted: Record<string, (gs: readonly ListwiseGroup[]) => LrModel | null> = {}): RankerChoice {
  const fitHalf = groups.filter((_, i) => i % 2 === 0);
  const checkHalf = groups.filter((_, i) => i % 2 === 1);
  const check: Record<string, number> = {};
  const round = (x: number) => Math.round(x * 1e4) / 1e4;
  let bestKind = '';
  let bestV = -1;
  const offer = (kind: string, w: readonly number[] | null) => {
    if (!w) return;
    const v = meanNdcg(checkHalf, w);
    check[kind] = round(v);
    if (v > bestV + 1e-9) (bestV = v), (bestKind = kind);
  };
  let startName: string = CHANNEL_FEATURES[0];
  let startV = -1;
  for (const f of CHANNEL_FEATURES) {
    const w = oneHot(f);
    offer(`channel:${f}`, w);
    const v = meanNdcg(fitHalf, w);
    if (v > startV) (startV = v), (startName = f);
  }
  for (const [kind, fit] of Object.entries(fitted)) offer(kind, fit(fitHalf)?.weights ?? null);
  offer('coordinate_ascent', coordinateAscent(fitHalf, oneHot(startName)).weights);
  let weights: readonly number[];
  if (bestKind.startsWith('channel:')) weights = oneHot(bestKind.slice('channel:'.length));
  else if (bestKind === 'coordinate_ascent') {
    let s = CHANNEL_FEATURES[0] as string;
    let sv = -1;
    for (const f of CHANNEL_FEATURES) {
      const v = meanNdcg(groups, oneHot(f));
      if (v > sv) (sv = v), (s = f);
    }
    weights = coordinateAscent(groups, oneHot(s)).weights;
  } else weights = fitted[bestKind]!(groups)!.weights;
  return { model: servedModel(weights), kind: bestKind, check };
}

/**
 * The pairwise ranker (trainPairwiseRanker) fitted on listwise groups: every positive and up to
 * `negPerPos` sampled negatives per positive of each group (as rankingDataset samples them).
 */
export function pairwiseFromGroups(groups: readonly ListwiseGroup[], negPerPos = 10, seed = 11): LrModel | null {
  const F = RANKING_FEATURE_COUNT;
  let s = seed >>> 0;
  const rand = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
  const x: number[] = [];
  const y: number[] = [];
  const grp: number[] = [];
  groups.forEach((g, gi) => {
    const n = g.rel.length;
    let pos = 0;
    for (let r = 0; r < n; r++) pos += g.rel[r]!;
    if (!pos || pos === n) return;
    const keep = Math.min(1, (pos * negPerPos) / (n - pos));
    for (let r = 0; r < n; r++) {
      if (!g.rel[r] && rand() > keep) continue;
      for (let k = 0; k < F; k++) x.push(g.x[r * F + k]!);
      y.push(g.rel[r]!);
      grp.push(gi);
    }
  });
  if (!y.length) return null;
  return trainPairwiseRanker(Float32Array.from(x), Uint8Array.from(y), Int32Array.from(grp), F);
}
