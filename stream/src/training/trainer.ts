import type { ClickHouseClient } from '@clickhouse/client';
import { logisticRegressionOnnx, RANKING_FEATURE_COUNT, ScenarioConfig } from '@vidplat/contracts';
import type { Interaction } from './interactions.js';
import { auc, predict, trainPairwiseRanker, type LrModel } from './logistic-regression.js';
import { chooseRanker as chooseLinearOrDeep, type RankerChoice as DeepChoice, type RankerChoiceOptions } from './deep/ranker-choice.js';
import { easeNeighbourLists, easeUserLists } from '../similarity/ease.js';
import { USER_CF_LIST_SIZE } from '../similarity/user-cf.js';
import { DEFAULT_CHANNELS, OfflineRecommender, rankingDataset } from './offline-recommender.js';
import { chooseRanker, listwiseGroups, pairwiseFromGroups } from './listwise-ranker.js';

/** Engagement weights of the default scenario config; impressions are exposures, not interest. */
const ACTION_WEIGHTS: Record<string, number> = { ...ScenarioConfig.shape.actionWeights.parse(undefined), impression: 0 };

export interface TrainingEvents {
  interactions: Interaction[];
  /** user → items shown (impressions), for negatives. */
  impressions: { user: string; item: string; ts: number }[];
}

/** Reads a tenant's impressions and engagement events of the last `days` from events_raw. */
export async function loadTrainingEvents(ch: ClickHouseClient, tenantId: string, days: number, limit = 5_000_000): Promise<TrainingEvents> {
  const r = await ch.query({
    query: `SELECT user_id AS u, item_id AS i, type AS t, toUnixTimestamp64Milli(event_time) AS ts
            FROM events_raw FINAL
            WHERE tenant_id = {t:String} AND event_time >= now64(3) - toIntervalDay({d:UInt32})
              AND type IN ('impression', 'click', 'play_start', 'play_complete', 'like', 'share', 'comment', 'purchase')
            ORDER BY event_time LIMIT {n:UInt32}`,
    query_params: { t: tenantId, d: days, n: limit },
    format: 'JSONEachRow',
  });
  const rows = await r.json<{ u: string; i: string; t: string; ts: string | number }>();
  const interactions: Interaction[] = [];
  const impressions: TrainingEvents['impressions'] = [];
  for (const row of rows) {
    const ts = Number(row.ts);
    if (row.t === 'impression') impressions.push({ user: row.u, item: row.i, ts });
    else interactions.push({ user: row.u, item: row.i, ts, weight: ACTION_WEIGHTS[row.t] ?? 1 });
  }
  return { interactions, impressions };
}

export interface TrainedRanking {
  /** The linear ranker refitted on every row (logged whichever kind ships). */
  model: LrModel;
  /** The served ranker chosen on validation users (chooseRanker): `channel:<feature>`, `pairwise` or `coordinate_ascent`, and each contender's NDCG@10 there; with `wide_deep`, each kind's group AUC (keys `group_auc:*`). */
  kind: string;
  check: Record<string, number>;
  /** With `ranker: 'wide_deep'`: the Wide & Deep fit (what `onnx` holds) and its validation figures. */
  deep: DeepChoice | null;
  auc: number;
  rows: number;
  positives: number;
  onnx: Uint8Array;
  recommender: OfflineRecommender;
}

/**
 * Trains the ranking model: recall and features from events before the cut (80 % of the time
 * span), labels from after it — engaged = 1; impressed or recalled without engagement = 0.
 * Returns the model, its held-out AUC and its ONNX bytes; null when there is nothing to learn.
 */
export function trainRanking(ev: TrainingEvents, halfLifeHours = 48, rankerOptions: RankerChoiceOptions = {}): TrainedRanking | null {
  const all = [...ev.interactions].sort((a, b) => a.ts - b.ts);
  if (all.length < 10) return null;
  const cut = all[0]!.ts + (all.at(-1)!.ts - all[0]!.ts) * 0.8;
  const before = all.filter((x) => x.ts < cut);
  const after = all.filter((x) => x.ts >= cut);
  // Item-CF features from the lists the similarity job publishes: EASE where it fits, else cosine.
  const ease = easeNeighbourLists(before, 100);
  // User-CF features from the lists it publishes too: EASE's whole-history scores, else user-kNN (the recommender's default).
  const rec = new OfflineRecommender(before, {
    channels: DEFAULT_CHANNELS,
    halfLifeHours,
    diversityLambda: 1,
    freshnessBoost: 0,
    embeddingEpochs: 10,
    ...(ease ? { neighbours: ease.lists, userCf: easeUserLists(ease.model, USER_CF_LIST_SIZE) } : {}),
  });
  const positives = new Map<string, Set<string>>();
  for (const x of after) {
    let s = positives.get(x.user);
    if (!s) positives.set(x.user, (s = new Set()));
    s.add(x.item);
  }
  const negatives = new Map<string, Set<string>>();
  for (const im of ev.impressions) {
    if (im.ts < cut || positives.get(im.user)?.has(im.item)) continue;
    let s = negatives.get(im.user);
    if (!s) negatives.set(im.user, (s = new Set()));
    s.add(im.item);
  }
  const ds = rankingDataset(rec, positives, negatives);
  const nPos = ds.y.reduce((s, v) => s + v, 0);
  if (!nPos || nPos === ds.rows) return null;
  // Pairwise within each user: what the served order needs (eval:recs compares it with the pointwise fit).
  const split = Math.floor(ds.rows * 0.8);
  const holdY = ds.y.subarray(split);
  const holdX = ds.x.subarray(split * RANKING_FEATURE_COUNT);
  const recommender = new OfflineRecommender(all, { channels: [{ name: 'embedding', weight: 1, size: 1 }], halfLifeHours, diversityLambda: 1, freshnessBoost: 0, embeddingEpochs: 10 });
  if (rankerOptions.ranker === 'wide_deep') {
    // Asked for by name: the Wide & Deep ranker (eval:recs shows it below the choice on validation
    // under both protocols on MovieLens, so it is not the default; stream/README.md).
    const deep = chooseLinearOrDeep(ds, RANKING_FEATURE_COUNT, rankerOptions);
    return { model: deep.linear, kind: 'wide_deep', check: { 'group_auc:linear': deep.validation.linear, 'group_auc:wide_deep': deep.validation.wide_deep }, deep, auc: deep.heldOutAuc, rows: ds.rows, positives: nPos, onnx: deep.onnx(`ctr model (wide_deep); held-out AUC ${deep.heldOutAuc.toFixed(4)}`), recommender };
  }
  const model = trainPairwiseRanker(ds.x.subarray(0, split * RANKING_FEATURE_COUNT), ds.y.subarray(0, split), ds.groups.subarray(0, split), RANKING_FEATURE_COUNT);
  const a = auc(Array.from(holdY, (_, i) => predict(model, holdX, i)), holdY);
  // The served ranker (auto / linear): chosen by NDCG@10 on validation users it was not fitted on,
  // among each channel's own order, the pairwise fit and coordinate ascent (listwise-ranker.ts), as eval:recs does.
  const choice = chooseRanker(listwiseGroups(rec, positives), { pairwise: (gs) => pairwiseFromGroups(gs) });
  const final = choice.model;
  return { model: final, kind: choice.kind, check: choice.check, deep: null, auc: a, rows: ds.rows, positives: nPos, onnx: logisticRegressionOnnx(final, `ctr model (${choice.kind}); pairwise held-out AUC ${a.toFixed(4)}`), recommender };
}

const fetchWithRetry = async (url: string, init: RequestInit, attempts = 3, timeoutMs = 30_000): Promise<Response> => {
  let last: unknown;
  for (let i = 0; i < attempts; i++) {
    try {
      const res = await fetch(url, { ...init, signal: AbortSignal.timeout(timeoutMs) });
      if (res.status < 500) return res;
      last = new Error(`${url}: ${res.status} ${await res.text()}`);
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 200 * 2 ** i));
  }
  throw last;
};

/**
 * Ships artefacts through the edge's API (the edge verifies the model's signature before moving
 * its KV pointer, so a bad build never reaches traffic): the ONNX model, then item embeddings.
 */
export async function publishArtefacts(edgeUrl: string, apiKey: string, modelId: string, version: string, t: TrainedRanking): Promise<void> {
  const auth = { authorization: `Bearer ${apiKey}` };
  const v = t.deep?.validation;
  const metrics = `m.auc=${t.auc.toFixed(4)}&m.rows=${t.rows}&m.wide_deep=${t.kind === 'wide_deep' ? 1 : 0}${v ? `&m.val_gauc_linear=${v.linear.toFixed(4)}&m.val_gauc_wide_deep=${v.wide_deep.toFixed(4)}` : ''}`;
  const m = await fetchWithRetry(`${edgeUrl}/v1/models/${modelId}/versions/${version}?${metrics}`, {
    method: 'PUT',
    headers: { ...auth, 'content-type': 'application/octet-stream' },
    body: t.onnx,
  });
  if (m.status !== 201) throw new Error(`model upload refused: ${m.status} ${await m.text()}`);
  const e = t.recommender.embeddings;
  if (e && e.items.length) {
    const res = await fetchWithRetry(`${edgeUrl}/v1/embeddings/${version}`, {
      method: 'PUT',
      headers: { ...auth, 'content-type': 'application/json' },
      body: JSON.stringify({ dim: e.dim, ids: e.items, vectors: Buffer.from(e.itemVectors.buffer, e.itemVectors.byteOffset, e.itemVectors.byteLength).toString('base64') }),
    });
    if (res.status !== 201) throw new Error(`embedding upload refused: ${res.status} ${await res.text()}`);
  }
}
