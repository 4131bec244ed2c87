import { RANKING_FEATURE_COUNT, RANKING_FEATURES, TopKRows, type RecallChannelName } from '@vidplat/contracts';
import { rng, type Interaction } from '../training/interactions.js';
import { auc, predict, trainLogisticRegression, trainPairwiseRanker, type LrModel } from '../training/logistic-regression.js';
import { DEFAULT_CHANNELS, OfflineRecommender, rankingDataset, type OfflineOptions } from '../training/offline-recommender.js';
import { chooseRanker, listwiseGroups, pairwiseFromGroups, type RankerChoice } from '../training/listwise-ranker.js';
import { chooseRanker as chooseLinearOrDeep, wideDeepScorer, type RankerChoice as DeepChoice } from '../training/deep/ranker-choice.js';
import { Ease } from '../similarity/ease.js';
import { InteractionMatrix } from '../similarity/interaction-matrix.js';
import { USER_CF_LIST_SIZE } from '../similarity/user-cf.js';
import { chooseUserCfBlend, type UserCfChoice } from '../similarity/user-cf-blend.js';
import { chooseEaseLambda, ease, itemKnn, popularity, topUnseen, type ScoringRecommender } from './baselines.js';
import { apAt, ndcgAt, precisionAt, recallAt } from './metrics.js';
import { leaveLastOut, randomFolds, splitByTimePerUser } from './ratings.js';

/** Neighbours per item published for item-CF (the edge reads at most 100 per seed). */
const NEIGHBOURS = 100;

export type Protocol = 'temporal' | 'random5' | 'loo';

export interface MethodFigures {
  precision_at_10: number;
  recall_at_10: number;
  ndcg_at_10: number;
  map_at_10: number;
  hr_at_10: number;
  /** Share of the catalogue in at least one top-10 list. */
  coverage: number;
  /** (split, user) pairs scored. */
  users: number;
}

export interface EvaluationReport {
  eval: 'recs';
  protocol: Protocol;
  seed: number;
  ratings: number;
  users: number;
  items: number;
  splits: { train: number; test: number; users: number; easeLambda: number; easeSpace: string; easeValidation: Record<string, number>; modelAuc: number; modelRows: number; userCfBlend?: { weight: number; byWeight: Record<string, number> }; ranker?: { kind: string; check: Record<string, number>; weights: number[] }; deep?: RankerSummary }[];
  /** Weights of the first split's ranking model, pairwise-trained as the trainer ships it (features in RANKING_FEATURES order). */
  model: { weights: number[]; bias: number } | null;
  results: Record<string, MethodFigures>;
  /** Best baseline by NDCG@10, and per pipeline the paired bootstrap 95 % CI of (pipeline − it). */
  comparison: { bestBaseline: string; metric: 'ndcg_at_10'; resamples: number; diffs: Record<string, { mean: number; lo: number; hi: number }>; deepVsLinear?: { mean: number; lo: number; hi: number } };
  seconds: number;
  /** Of which fitting the Wide & Deep rankers (wall time, like `seconds`). */
  deepSeconds: number;
}

/** The trainer's linear vs Wide & Deep choice on the split's ranking rows (validation users, never the test). */
export interface RankerSummary {
  chosen: DeepChoice['kind'];
  validationGroupAuc: DeepChoice['validation'];
  deepSteps: number;
}

export interface EvaluateOptions {
  protocol?: Protocol;
  seed?: number;
  /** temporal: test ratings at or above count as relevant (random5 / loo: every rating). */
  minRating?: number;
  testShare?: number;
  folds?: number;
  knnK?: number;
  easeLambdas?: readonly number[];
  negatives?: number;
  resamples?: number;
  categories?: ReadonlyMap<string, readonly string[]>;
  options?: Partial<OfflineOptions>;
  progress?: (msg: string) => void;
  /** The item-item model behind the item-CF channel: EASE's neighbour lists (default) or the cosine build. */
  itemItem?: 'ease' | 'cosine';
  /** The user_cf channel's lists (when the channels have user_cf): EASE's whole-history scores (default, as the similarity job publishes them) or user-kNN. */
  userCf?: 'ease' | 'knn';
  /** iALS weights tried for the user_cf blend on the validation split (default USER_CF_BLEND_WEIGHTS; [0]: EASE alone). */
  userCfWeights?: readonly number[];
  /** Evaluate only the first N splits of the protocol (random5: N of the 5 folds; for quick iteration). */
  maxSplits?: number;
  /** Ranking features held at 0 while training (an ablation: the model then gives them no weight). */
  dropFeatures?: readonly string[];
}

interface Split {
  train: Interaction[];
  truth: Map<string, Set<string>>;
  /** loo: each test user's candidates (held-out item first). */
  candidates?: Map<string, string[]>;
}

function groupSets(xs: readonly Interaction[], minRating: number): Map<string, Set<string>> {
  const m = new Map<string, Set<string>>();
  for (const x of xs) {
    if (x.weight < minRating) continue;
    let s = m.get(x.user);
    if (!s) m.set(x.user, (s = new Set()));
    s.add(x.item);
  }
  return m;
}

function splitsOf(ratings: readonly Interaction[], protocol: Protocol, o: Required<Pick<EvaluateOptions, 'seed' | 'minRating' | 'testShare' | 'folds' | 'negatives'>>): Split[] {
  if (protocol === 'temporal') {
    const { train, test } = splitByTimePerUser(ratings, o.testShare);
    return [{ train, truth: groupSets(test, o.minRating) }];
  }
  if (protocol === 'random5') return randomFolds(ratings, o.folds, o.seed).map(({ train, test }) => ({ train, truth: groupSets(test, -Infinity) }));
  const { train, test, candidates } = leaveLastOut(ratings, o.negatives, o.seed);
  return [{ train, truth: groupSets(test, -Infinity), candidates }];
}

/** The validation split inside a training set, the same shape as the protocol's own (never the test). */
function innerSplit(train: readonly Interaction[], protocol: Protocol, seed: number, minRating: number): { train: Interaction[]; truth: Map<string, Set<string>> } {
  if (protocol === 'random5') {
    const f = randomFolds(train, 5, seed + 1)[0]!;
    return { train: f.train, truth: groupSets(f.test, -Infinity) };
  }
  if (protocol === 'loo') {
    const l = leaveLastOut(train, 0, seed + 1);
    return { train: l.train, truth: groupSets(l.test, -Infinity) };
  }
  const s = splitByTimePerUser(train, 0.2);
  return { train: s.train, truth: groupSets(s.test, minRating) };
}

/** Per method, per (split, user) row: the metrics, for means and the bootstrap. */
class Rows {
  readonly users: string[] = [];
  readonly byMethod = new Map<string, { p: number[]; r: number[]; n: number[]; m: number[]; h: number[]; shown: Set<string> }>();

  add(method: string, p: number, r: number, n: number, m: number, h: number, list: readonly string[]): void {
    let x = this.byMethod.get(method);
    if (!x) this.byMethod.set(method, (x = { p: [], r: [], n: [], m: [], h: [], shown: new Set() }));
    x.p.push(p), x.r.push(r), x.n.push(n), x.m.push(m), x.h.push(h);
    for (let i = 0; i < list.length && i < 10; i++) x.shown.add(list[i]!);
  }
}

const round = (x: number) => Math.round(x * 1e4) / 1e4;
const mean = (xs: readonly number[]) => (xs.length ? xs.reduce((s, v) => s + v, 0) / xs.length : 0);

/**
 * Paired bootstrap over users (a user's rows in every split move together): the 2.5 and 97.5
 * percentiles of the mean of (a − b) over `resamples` resamples of the users, seeded.
 */
export function pairedBootstrap(users: readonly string[], a: readonly number[], b: readonly number[], resamples: number, seed: number): { mean: number; lo: number; hi: number } {
  const ix = new Map<string, number>();
  const sum: number[] = [];
  const cnt: number[] = [];
  for (let r = 0; r < users.length; r++) {
    let k = ix.get(users[r]!);
    if (k === undefined) ix.set(users[r]!, (k = sum.push(0) - 1)), cnt.push(0);
    sum[k]! += a[r]! - b[r]!;
    cnt[k]!++;
  }
  const n = sum.length;
  const rand = rng(seed);
  const stats = new Float64Array(resamples);
  for (let s = 0; s < resamples; s++) {
    let tot = 0;
    let c = 0;
    for (let i = 0; i < n; i++) {
      const k = Math.floor(rand() * n);
      tot += sum[k]!;
      c += cnt[k]!;
    }
    stats[s] = c ? tot / c : 0;
  }
  stats.sort();
  const d = mean(a.map((v, r) => v - b[r]!));
  return { mean: round(d), lo: round(stats[Math.floor(0.025 * (resamples - 1))] ?? 0), hi: round(stats[Math.ceil(0.975 * (resamples - 1))] ?? 0) };
}

/**
 * Offline evaluation under one protocol: per split, baselines (popularity, item-kNN, EASE with λ
 * chosen on a validation split of the training data), each recall channel and the pipeline with
 * heuristic weights and with a ranking model trained on the training data only — the pipeline
 * being contracts' shared functions, as the edge runs them (OfflineRecommender).
 */
export function evaluateRecommenders(ratings: readonly Interaction[], eo: EvaluateOptions = {}): EvaluationReport {
  const t0 = performance.now();
  const protocol = eo.protocol ?? 'temporal';
  const seed = eo.seed ?? 1;
  const minRating = eo.minRating ?? (protocol === 'temporal' ? 4 : -Infinity);
  const lambdas = eo.easeLambdas ?? [10, 50, 200, 500, 1000];
  const say = eo.progress ?? (() => {});
  const o: OfflineOptions = { channels: DEFAULT_CHANNELS, halfLifeHours: 24 * 90, diversityLambda: 0.9, freshnessBoost: 0.05, ...(eo.categories ? { categories: eo.categories } : {}), ...eo.options };
  const splits = splitsOf(ratings, protocol, { seed, minRating, testShare: eo.testShare ?? 0.2, folds: eo.folds ?? 5, negatives: eo.negatives ?? 99 }).slice(0, eo.maxSplits ?? Infinity);
  const allItems = new Set(ratings.map((r) => r.item));
  const rows = new Rows();
  const splitInfo: EvaluationReport['splits'] = [];
  let firstModel: LrModel | null = null;
  let deepSeconds = 0;
  splits.forEach((sp, f) => {
    const tag = splits.length > 1 ? `split ${f + 1}/${splits.length}: ` : '';
    const m = new InteractionMatrix(sp.train);
    const inner = innerSplit(sp.train, protocol, seed + f, minRating);
    const innerM = new InteractionMatrix(inner.train, m.items);
    say(`${tag}choosing EASE λ on a validation split of the training data`);
    const chosen = chooseEaseLambda(innerM, inner.truth, lambdas, (l, rel) => ndcgAt(l, rel, 10));
    say(`${tag}EASE λ=${chosen.lambda}; fitting baselines`);
    const easeModel = new Ease(m, chosen.lambda);
    const scorers: ScoringRecommender[] = [popularity(m), itemKnn(m, eo.knnK ?? 100), ease(easeModel)];

    // Ranking model: recall built on the inner training data, labels from its validation part.
    say(`${tag}training the ranking model`);
    const useEase = (eo.itemItem ?? 'ease') === 'ease';
    const wantsUserCf = o.channels.some((c) => c.name === 'user_cf');
    const easeUserCf = useEase && (eo.userCf ?? 'ease') === 'ease';
    // The user_cf lists as the similarity job publishes them: EASE blended with iALS at the weight
    // the validation split chooses (similarity/user-cf-blend.ts).
    let ucf: UserCfChoice | null = null;
    if (wantsUserCf && easeUserCf) {
      say(`${tag}choosing the user_cf blend (EASE + iALS) on the validation split`);
      ucf = chooseUserCfBlend(easeModel, { model: chosen.model, truth: inner.truth }, (l, rel) => ndcgAt(l, rel, 10), eo.userCfWeights ? { weights: eo.userCfWeights } : {});
    }
    const innerRec = new OfflineRecommender(inner.train, {
      ...o,
      ...(useEase ? { neighbours: chosen.model.neighbours(NEIGHBOURS) } : {}),
      ...(ucf ? { userCf: ucf.validationBlend.lists(USER_CF_LIST_SIZE) } : {}),
    });
    const ds = rankingDataset(innerRec, inner.truth);
    for (const name of eo.dropFeatures ?? []) {
      const k = (RANKING_FEATURES as readonly string[]).indexOf(name);
      if (k < 0) throw new Error(`unknown ranking feature ${name}; one of ${RANKING_FEATURES.join(', ')}`);
      for (let r = 0; r < ds.rows; r++) ds.x[r * RANKING_FEATURE_COUNT + k] = 0;
    }
    let model: LrModel | null = null;
    let pointwise: LrModel | null = null;
    let fitAuc = 0.5;
    let deepChoice: DeepChoice | null = null;
    if (ds.rows && ds.y.some((v) => v) && ds.y.some((v) => !v)) {
      // Held-out AUC of the shipped (pairwise) ranker: fit on the first 80 % of rows.
      const cut = Math.floor(ds.rows * 0.8);
      const fit = trainPairwiseRanker(ds.x.subarray(0, cut * RANKING_FEATURE_COUNT), ds.y.subarray(0, cut), ds.groups.subarray(0, cut), RANKING_FEATURE_COUNT);
      const hold = ds.y.subarray(cut);
      const holdX = ds.x.subarray(cut * RANKING_FEATURE_COUNT);
      fitAuc = auc(Array.from(hold, (_, i) => predict(fit, holdX, i)), hold);
      model = trainPairwiseRanker(ds.x, ds.y, ds.groups, RANKING_FEATURE_COUNT);
      pointwise = trainLogisticRegression(ds.x, ds.y, RANKING_FEATURE_COUNT);
      say(`${tag}training the Wide & Deep ranker`);
      deepChoice = chooseLinearOrDeep(ds, RANKING_FEATURE_COUNT, { ranker: 'wide_deep' });
      deepSeconds += deepChoice.deepSeconds;
    }
    firstModel ??= model;
    // The served ranker: chosen by NDCG@10 on validation users it was not fitted on, among each
    // channel's own order, the pairwise fit and coordinate ascent (training/listwise-ranker.ts).
    say(`${tag}choosing the served ranker on the validation split`);
    const choice: RankerChoice | null = ds.rows ? chooseRanker(listwiseGroups(innerRec, inner.truth), { pairwise: (gs) => pairwiseFromGroups(gs) }) : null;
    const served = choice?.model ?? null;
    say(`${tag}building the pipeline on the training data`);
    const rec = new OfflineRecommender(sp.train, {
      ...o,
      ...(useEase ? { neighbours: easeModel.neighbours(NEIGHBOURS) } : {}),
      ...(ucf ? { userCf: ucf.blend.lists(USER_CF_LIST_SIZE) } : {}),
    });

    const buf = new Float64Array(m.items.length);
    const top = new TopKRows(10);
    const rand = rng(seed * 7919 + f);
    let scored = 0;
    const deepScorer = deepChoice?.deep ? wideDeepScorer(deepChoice.deep) : null;
    const listMethods: [string, (u: string, n: number) => string[]][] = [
      ...o.channels.map((c) => [`channel:${c.name}`, (u: string, n: number) => rec.recall(u).find((x) => x.channel === (c.name as RecallChannelName))?.items.slice(0, n).map((x) => x.itemId) ?? []] as [string, (u: string, n: number) => string[]]),
      ['pipeline:heuristic', (u, n) => rec.recommend(u, n, null).map((x) => x.itemId)],
      // What the trainer ships (the ranker chosen on validation).
      ...(served ? [['pipeline:model', (u: string, n: number) => rec.recommend(u, n, served).map((x) => x.itemId)] as [string, (u: string, n: number) => string[]]] : []),
      // The pairwise ranker alone (shipped before the choice on validation), for comparison.
      ...(model ? [['pipeline:model_pairwise', (u: string, n: number) => rec.recommend(u, n, model).map((x) => x.itemId)] as [string, (u: string, n: number) => string[]]] : []),
      // The Wide & Deep ranker (trainer --ranker wide_deep), for comparison with the served choice.
      ...(deepScorer ? [['pipeline:model_deep', (u: string, n: number) => rec.recommend(u, n, deepScorer).map((x) => x.itemId)] as [string, (u: string, n: number) => string[]]] : []),
      // The previous trainer's pointwise logistic regression, for comparison.
      ...(pointwise ? [['pipeline:model_pointwise', (u: string, n: number) => rec.recommend(u, n, pointwise).map((x) => x.itemId)] as [string, (u: string, n: number) => string[]]] : []),
    ];
    for (const [user, rel] of sp.truth) {
      if (!rel.size) continue;
      const u = m.userIx.get(user);
      if (u === undefined) continue; // no training history: nothing to personalise from
      rows.users.push(user);
      const cands = sp.candidates?.get(user);
      for (const s of scorers) {
        s.scoresInto(u, buf);
        if (cands) {
          const rank = rankOfFirst(cands.map((id) => scoreOf(m, buf, id)), rand);
          rows.add(s.name, 0, 0, rank < 10 ? 1 / Math.log2(rank + 2) : 0, 0, rank < 10 ? 1 : 0, []);
        } else addListRow(rows, s.name, topUnseen(m, u, buf, 10, top), rel);
      }
      for (const [name, fn] of listMethods) {
        if (cands) {
          const pos = new Map(fn(user, 100).map((id, i) => [id, i]));
          const rank = rankOfFirst(cands.map((id) => -(pos.get(id) ?? Infinity)), rand);
          rows.add(name, 0, 0, rank < 10 ? 1 / Math.log2(rank + 2) : 0, 0, rank < 10 ? 1 : 0, []);
        } else addListRow(rows, name, fn(user, 10), rel);
      }
      if (++scored % 100 === 0) say(`${tag}${scored}/${sp.truth.size} users scored`);
    }
    splitInfo.push({
      train: sp.train.length,
      test: [...sp.truth.values()].reduce((s, x) => s + x.size, 0),
      users: scored,
      easeLambda: chosen.lambda,
      easeSpace: easeModel.space,
      easeValidation: chosen.byLambda,
      modelAuc: round(fitAuc),
      modelRows: ds.rows,
      ...(ucf ? { userCfBlend: { weight: ucf.weight, byWeight: ucf.byWeight } } : {}),
      ...(choice ? { ranker: { kind: choice.kind, check: choice.check, weights: choice.model.weights.map(round) } } : {}),
      ...(deepChoice ? { deep: { chosen: deepChoice.kind, validationGroupAuc: { linear: round(deepChoice.validation.linear), wide_deep: round(deepChoice.validation.wide_deep) }, deepSteps: deepChoice.deepSteps } } : {}),
    });
  });

  const results: Record<string, MethodFigures> = {};
  for (const [name, x] of rows.byMethod) {
    results[name] = { precision_at_10: round(mean(x.p)), recall_at_10: round(mean(x.r)), ndcg_at_10: round(mean(x.n)), map_at_10: round(mean(x.m)), hr_at_10: round(mean(x.h)), coverage: round(x.shown.size / Math.max(1, allItems.size)), users: x.n.length };
  }
  const baselines = [...rows.byMethod.keys()].filter((k) => k.startsWith('baseline:'));
  const best = baselines.reduce((a, b) => (results[b]!.ndcg_at_10 > results[a]!.ndcg_at_10 ? b : a));
  const resamples = eo.resamples ?? 1000;
  const diffs: EvaluationReport['comparison']['diffs'] = {};
  for (const p of ['pipeline:heuristic', 'pipeline:model', 'pipeline:model_pairwise', 'pipeline:model_deep', 'channel:item_cf', 'channel:user_cf']) {
    const a = rows.byMethod.get(p);
    if (a) diffs[p] = pairedBootstrap(rows.users, a.n, rows.byMethod.get(best)!.n, resamples, seed);
  }
  // Wide & Deep against the linear ranker it would replace, paired over the same users.
  const deepRows = rows.byMethod.get('pipeline:model_deep');
  const linRows = rows.byMethod.get('pipeline:model');
  const deepVsLinear = deepRows && linRows ? pairedBootstrap(rows.users, deepRows.n, linRows.n, resamples, seed) : undefined;
  const fm = firstModel as LrModel | null;
  return {
    eval: 'recs',
    protocol,
    seed,
    ratings: ratings.length,
    users: new Set(ratings.map((r) => r.user)).size,
    items: allItems.size,
    splits: splitInfo,
    model: fm ? { weights: fm.weights.map(round), bias: round(fm.bias) } : null,
    results,
    comparison: { bestBaseline: best, metric: 'ndcg_at_10', resamples, diffs, ...(deepVsLinear ? { deepVsLinear } : {}) },
    seconds: Math.round((performance.now() - t0) / 100) / 10,
    deepSeconds: Math.round(deepSeconds * 10) / 10,
  };
}

function addListRow(rows: Rows, name: string, list: readonly string[], rel: ReadonlySet<string>): void {
  rows.add(name, precisionAt(list, rel, 10), recallAt(list, rel, 10), ndcgAt(list, rel, 10), apAt(list, rel, 10), list.slice(0, 10).some((i) => rel.has(i)) ? 1 : 0, list);
}

/** An item's score, −∞ for an item the training data never saw. */
const scoreOf = (m: InteractionMatrix, scores: Float64Array, id: string): number => {
  const i = m.itemIx.get(id);
  return i === undefined ? -Infinity : scores[i]!;
};

/** 0-based rank of candidate 0 among all by score, equal scores in random (seeded) order. */
export function rankOfFirst(scores: readonly number[], rand: () => number): number {
  const t = scores[0]!;
  let above = 0;
  let ties = 0;
  for (let i = 1; i < scores.length; i++) {
    if (scores[i]! > t) above++;
    else if (scores[i] === t) ties++;
  }
  return above + Math.floor(rand() * (ties + 1));
}
