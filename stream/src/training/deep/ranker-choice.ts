/**
 * Linear or Wide & Deep: both rankers are fitted on the first users of the ranking rows and
 * compared on the rest (validation rows from the training data, never the test), by the metric
 * the served order depends on — AUC within each user. The chosen kind is refitted on every row.
 */
import { logisticRegressionOnnx, wideAndDeepOnnx, wideAndDeepScores, type WideAndDeepModel } from '@vidplat/contracts';
import { auc, predict, trainPairwiseRanker, type LrModel, type LrOptions } from '../logistic-regression.js';
import type { RankingDataset } from '../offline-recommender.js';
import { trainWideAndDeep, type WideDeepOptions } from './wide-and-deep.js';

export type RankerKind = 'linear' | 'wide_deep';

/** Scores rows [0, n) of a features matrix (rows × RANKING_FEATURES, row-major). */
export interface RowScorer {
  kind: RankerKind;
  scores(features: Float32Array, n: number): Float32Array;
}

export const linearScorer = (m: LrModel): RowScorer => ({ kind: 'linear', scores: (x, n) => Float32Array.from({ length: n }, (_, i) => predict(m, x, i)) });
export const wideDeepScorer = (m: WideAndDeepModel): RowScorer => ({ kind: 'wide_deep', scores: (x, n) => wideAndDeepScores(m, x, n) });

/**
 * AUC within each group (user), pooled over groups by their number of (positive, negative) pairs:
 * the share of a user's pairs the scores order correctly (ties count half). Groups with one class
 * carry no pair. 0.5 when there is none.
 */
export function groupAuc(scores: ArrayLike<number>, y: ArrayLike<number>, groups: ArrayLike<number>): number {
  const by = new Map<number, number[]>();
  for (let i = 0; i < y.length; i++) (by.get(groups[i]!) ?? by.set(groups[i]!, []).get(groups[i]!)!).push(i);
  let right = 0;
  let pairs = 0;
  for (const rows of by.values()) {
    const pos = rows.filter((i) => y[i]).map((i) => scores[i]!);
    const neg = rows.filter((i) => !y[i]).map((i) => scores[i]!);
    for (const p of pos) for (const q of neg) right += p > q ? 1 : p === q ? 0.5 : 0;
    pairs += pos.length * neg.length;
  }
  return pairs ? right / pairs : 0.5;
}

export interface RankerChoiceOptions {
  /** auto: the better on validation; linear / wide_deep: that one (validation figures still reported). */
  ranker?: 'auto' | RankerKind;
  validationShare?: number;
  /** Refit the Wide & Deep model on every row even when linear is chosen (the evaluation scores both). */
  refitBoth?: boolean;
  linear?: LrOptions;
  deep?: WideDeepOptions;
}

export interface RankerChoice {
  kind: RankerKind;
  /** Group AUC of each kind on the validation rows (fitted on the others). */
  validation: Record<RankerKind, number>;
  /** Global AUC of the chosen kind on the validation rows (the figure the trainer always reported). */
  heldOutAuc: number;
  /** Refitted on every row, whichever is chosen: it is cheap and stays in logs and comparisons. */
  linear: LrModel;
  /** Refitted on every row when chosen or refitBoth. */
  deep: WideAndDeepModel | null;
  scorer: RowScorer;
  /** Wall time of the Wide & Deep fits (validation fit, and the final one if any), and their optimiser steps. */
  deepSeconds: number;
  deepSteps: number;
  onnx(docString?: string): Uint8Array;
}

/** Row index where validation starts: a group boundary near (1 − share) of the rows (rows come grouped). */
function validationStart(groups: Int32Array, share: number): number {
  let cut = Math.floor(groups.length * (1 - share));
  while (cut > 0 && cut < groups.length && groups[cut] === groups[cut - 1]) cut++;
  return cut;
}

export function chooseRanker(ds: RankingDataset, features: number, o: RankerChoiceOptions = {}): RankerChoice {
  const want = o.ranker ?? 'auto';
  const cut = validationStart(ds.groups, o.validationShare ?? 0.2);
  const fx = ds.x.subarray(0, cut * features);
  const vx = ds.x.subarray(cut * features);
  const vy = ds.y.subarray(cut);
  const vg = ds.groups.subarray(cut);
  const nv = vy.length;

  const lin = trainPairwiseRanker(fx, ds.y.subarray(0, cut), ds.groups.subarray(0, cut), features, o.linear);
  const linScores = linearScorer(lin).scores(vx, nv);
  const fitDeep = trainWideAndDeep(fx, ds.y.subarray(0, cut), ds.groups.subarray(0, cut), features, o.deep);
  let deepSeconds = fitDeep.seconds;
  let deepSteps = fitDeep.steps;
  const deepScores = wideDeepScorer(fitDeep.model).scores(vx, nv);
  const validation = { linear: groupAuc(linScores, vy, vg), wide_deep: groupAuc(deepScores, vy, vg) };
  // Ties go to the linear model: the deep one has to earn its extra cost (and an untrained one,
  // no pair in the fitting rows, earns nothing).
  const kind: RankerKind = want === 'auto' ? (fitDeep.steps > 0 && validation.wide_deep > validation.linear ? 'wide_deep' : 'linear') : want;
  const heldOutAuc = auc(kind === 'wide_deep' ? deepScores : linScores, vy);

  const linear = trainPairwiseRanker(ds.x, ds.y, ds.groups, features, o.linear);
  let deep: WideAndDeepModel | null = null;
  if (kind === 'wide_deep' || o.refitBoth) {
    const d = trainWideAndDeep(ds.x, ds.y, ds.groups, features, o.deep);
    deepSeconds += d.seconds;
    deepSteps += d.steps;
    deep = d.model;
  }
  const chosenDeep = kind === 'wide_deep' ? deep! : null;
  return {
    kind,
    validation,
    heldOutAuc,
    linear,
    deep,
    scorer: chosenDeep ? wideDeepScorer(chosenDeep) : linearScorer(linear),
    deepSeconds,
    deepSteps,
    onnx: (doc) => (chosenDeep ? wideAndDeepOnnx(chosenDeep, doc) : logisticRegressionOnnx(linear, doc)),
  };
}
