import type { RecallChannelName } from '@vidplat/contracts';
import type { Interaction } from '../training/interactions.js';
import { auc, predict, trainLogisticRegression, type LrModel } from '../training/logistic-regression.js';
import { DEFAULT_CHANNELS, OfflineRecommender, rankingDataset, type OfflineOptions } from '../training/offline-recommender.js';
import { RANKING_FEATURE_COUNT } from '@vidplat/contracts';
import { evaluateLists, type Figures } from './metrics.js';
import { splitByTimePerUser } from './ratings.js';

export interface EvaluationReport {
  eval: 'recs';
  ratings: number;
  users: number;
  items: number;
  train: number;
  test: number;
  /** Model fit on a held-out slice of the training period. */
  model: { rows: number; auc: number; weights: number[]; bias: number };
  results: Record<string, Figures>;
}

export interface EvaluateOptions {
  minRating?: number;
  testShare?: number;
  options?: Partial<OfflineOptions>;
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

/**
 * Offline evaluation: temporal split per user; the ranking model is trained on the training
 * period only (its own later slice as labels); each recall channel, the full pipeline, and a
 * popularity baseline are scored on the held-out test period.
 */
export function evaluateRecommenders(ratings: readonly Interaction[], eo: EvaluateOptions = {}): EvaluationReport {
  const minRating = eo.minRating ?? 4;
  const o: OfflineOptions = { channels: DEFAULT_CHANNELS, halfLifeHours: 24 * 90, diversityLambda: 0.9, freshnessBoost: 0.05, ...eo.options };
  const { train, test } = splitByTimePerUser(ratings, eo.testShare ?? 0.2);
  const truth = groupSets(test, minRating);
  const items = new Set(ratings.map((r) => r.item));

  // Ranking model: recall built on the earlier part of training, labels from its later part.
  const inner = splitByTimePerUser(train, 0.2);
  const innerRec = new OfflineRecommender(inner.train, o);
  const ds = rankingDataset(innerRec, groupSets(inner.test, minRating));
  let model: LrModel | null = null;
  let fitAuc = 0.5;
  if (ds.rows && ds.y.some((v) => v) && ds.y.some((v) => !v)) {
    // Fit on 80 % of rows, report AUC on the other 20 %.
    const cut = Math.floor(ds.rows * 0.8);
    const m = trainLogisticRegression(ds.x.subarray(0, cut * RANKING_FEATURE_COUNT), ds.y.subarray(0, cut), RANKING_FEATURE_COUNT);
    const hold = ds.y.subarray(cut);
    const holdX = ds.x.subarray(cut * RANKING_FEATURE_COUNT);
    fitAuc = auc(Array.from(hold, (_, i) => predict(m, holdX, i)), hold);
    model = m;
  }

  const rec = new OfflineRecommender(train, o);
  const users = [...truth.keys()];
  const results: Record<string, Figures> = {};
  const listsFor = (fn: (u: string) => string[]) => new Map(users.map((u) => [u, fn(u)]));
  for (const ch of o.channels.map((c) => c.name as RecallChannelName)) {
    results[`channel:${ch}`] = evaluateLists(listsFor((u) => rec.recall(u).find((c) => c.channel === ch)?.items.slice(0, 10).map((x) => x.itemId) ?? []), truth, items.size);
  }
  results['pipeline:heuristic'] = evaluateLists(listsFor((u) => rec.recommend(u, 10, null).map((x) => x.itemId)), truth, items.size);
  if (model) results['pipeline:model'] = evaluateLists(listsFor((u) => rec.recommend(u, 10, model).map((x) => x.itemId)), truth, items.size);
  // Baseline: most popular items by count over the training period, minus what the user saw.
  const count = new Map<string, number>();
  for (const x of train) count.set(x.item, (count.get(x.item) ?? 0) + 1);
  const popular = [...count].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).map(([id]) => id);
  results['baseline:popularity'] = evaluateLists(
    listsFor((u) => {
      const seen = new Set((rec.users.get(u) ?? []).map((x) => x.item));
      return popular.filter((i) => !seen.has(i)).slice(0, 10);
    }),
    truth,
    items.size,
  );
  return {
    eval: 'recs',
    ratings: ratings.length,
    users: new Set(ratings.map((r) => r.user)).size,
    items: items.size,
    train: train.length,
    test: test.length,
    model: { rows: ds.rows, auc: Math.round(fitAuc * 1e4) / 1e4, weights: (model?.weights ?? []).map((w) => Math.round(w * 1e4) / 1e4), bias: Math.round((model?.bias ?? 0) * 1e4) / 1e4 },
    results,
  };
}
