import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Redis } from 'ioredis';
import { FeatureKeys, RecommendResponse } from '@vidplat/contracts';
import { FeatureSnapshotWriter } from '@vidplat/stream/features/snapshot-writer';
import { logisticRegressionOnnx, RANKING_FEATURES } from '@vidplat/contracts';
import { easeNeighbourLists, ndcg10 } from '@vidplat/stream/similarity/ease';
import { chooseUserCfBlend } from '@vidplat/stream/similarity/user-cf-blend';
import { servedModel } from '@vidplat/stream/training/listwise-ranker';
import { parseRatings } from '@vidplat/stream/evaluation/ratings';
import { syntheticRatings } from '@vidplat/stream/evaluation/synthetic-ratings';
import { OfflineRecommender } from '@vidplat/stream/training/offline-recommender';
import type { Interaction } from '@vidplat/stream/training/interactions';
import type {} from '@vidplat/devstack/vitest-global-setup';

/**
 * The model eval:recs scores is the one the edge serves: EASE neighbour lists built from a small
 * ratings set are published as the similarity job publishes them, users' histories written as the
 * stream tier writes recent items, and the edge's item-CF recall for a few users must equal the
 * offline harness's item-CF channel (OfflineRecommender, contracts' itemCfRecallScores) item for
 * item and score for score.
 */
const { env, urls } = inject('stack');
const redis = new Redis(env.REDIS_URL!);
afterAll(() => redis.disconnect());

const tenant = `rec-parity-${Date.now()}`;
let key = '';
const { ratings } = parseRatings(syntheticRatings({ users: 60, items: 120, seed: 21 }));
const history = new Map<string, Interaction[]>();
for (const r of ratings) (history.get(r.user) ?? history.set(r.user, []).get(r.user)!).push(r);
const SIZE = 50;
/**
 * User-CF lists as the similarity job publishes them: EASE blended with iALS (user-cf-blend.ts),
 * here at a fixed weight 0.5 (the job chooses it on its validation split) so iALS is surely in.
 */
const ease = easeNeighbourLists(ratings, 100, { lambda: 50 })!;
const ucfLists = chooseUserCfBlend(ease.model, { model: ease.model, truth: new Map() }, ndcg10, { weights: [0.5], ials: { dim: 8, iterations: 5 } }).blend.lists(100);
/** A served ranker that orders by the user_cf channel alone (what chooseRanker ships when no trained ranker beats that channel). */
const ucfOrder = servedModel(RANKING_FEATURES.map((f) => (f === 'user_cf' ? 1 : 0)));
/** A served mix (as coordinate ascent ships): item_cf, channel_count, recall and user_cf weighed together. */
const mix = servedModel(RANKING_FEATURES.map((f) => ({ item_cf: 1, channel_count: 0.3, recall: 0.5, user_cf: 2 })[f as string] ?? 0));

beforeAll(async () => {
  const p = await fetch(`${urls.edge}/v1/platform/tenants`, {
    method: 'POST',
    headers: { authorization: `Bearer ${env.ADMIN_API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ tenantId: tenant, name: tenant, permissions: ['act_as_user'] }),
  });
  key = ((await p.json()) as { apiKey: string }).apiKey;
  const scn = await fetch(`${urls.edge}/v1/scenarios`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    body: JSON.stringify({ scenario: 'feed', template: 'vlog', recall: [{ name: 'item_cf', weight: 1, size: SIZE }, { name: 'user_cf', weight: 1, size: SIZE }] }),
  });
  expect(scn.status).toBe(201);
  // Scenarios ranked by a served model (the channel order, a feature mix), re-rank neutral
  // (relevance only), each model uploaded as the trainer uploads it.
  for (const [scenario, modelId, model] of [['ranked', 'ucf-order', ucfOrder], ['mixed', 'mix', mix]] as const) {
    const res = await fetch(`${urls.edge}/v1/scenarios`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        scenario,
        template: 'vlog',
        recall: [{ name: 'item_cf', weight: 1, size: SIZE }, { name: 'user_cf', weight: 1, size: SIZE }],
        rankingModel: modelId,
        rerank: { diversityLambda: 1, freshnessBoost: 0, freshnessHalfLifeHours: 48, filterSeen: true, maxPerCategory: 100 },
      }),
    });
    expect(res.status, await res.clone().text()).toBe(201);
    const up = await fetch(`${urls.edge}/v1/models/${modelId}/versions/v1`, { method: 'PUT', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/octet-stream' }, body: logisticRegressionOnnx(model) });
    expect(up.status, await up.clone().text()).toBe(201);
  }
  const items = [...new Set(ratings.map((r) => r.item))].map((id) => JSON.stringify({ itemId: id, kind: 'video', title: `Item ${id}`, categories: [], state: 'published' }));
  const imp = await fetch(`${urls.edge}/v1/items/import`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/x-ndjson' }, body: items.join('\n') });
  expect(imp.status, await imp.clone().text()).toBe(200);
  const writer = new FeatureSnapshotWriter(redis, 'parity-test');
  await writer.publishItemNeighbours(tenant, ease.lists, Date.now());
  await writer.publishUserCf(tenant, ucfLists, Date.now());
  for (const [user, xs] of history) await redis.zadd(FeatureKeys.userRecent(tenant, user), ...xs.flatMap((x) => [x.ts, x.item] as const));
});

describe('eval harness and edge agree', () => {
  it('the edge item-CF recall equals the offline item-CF channel for a few users (EASE lists, whole-history seeding)', async () => {
    const offline = new OfflineRecommender(ratings, { channels: [{ name: 'item_cf', weight: 1, size: SIZE }], halfLifeHours: 48, diversityLambda: 1, freshnessBoost: 0, neighbours: ease.lists });
    for (const user of ['1', '17', '42']) {
      // Distinct timestamps, so the edge's recent-items order is the harness's.
      expect(new Set(history.get(user)!.map((x) => x.ts)).size).toBe(history.get(user)!.length);
      const res = await fetch(`${urls.edge}/v1/recommend?tenant=${tenant}&scenario=feed&user=${user}&n=10&debug=1`, { headers: { authorization: `Bearer ${key}` } });
      expect(res.status, await res.clone().text()).toBe(200);
      const r = RecommendResponse.parse(await res.json());
      const edge = r.debug!.find((d) => d.stage === 'recall.item_cf')!;
      const want = offline.recall(user)[0]!.items;
      expect(edge.candidates).toBe(want.length);
      expect(want.length).toBeGreaterThan(10);
      // The debug listing holds the first 50, scores rounded to 1e-6.
      expect(edge.items).toEqual(want.slice(0, 50).map((x) => ({ itemId: x.itemId, score: Math.round(x.score * 1e6) / 1e6 })));
    }
  });

  it('the edge user-CF recall equals the offline user_cf channel (the published EASE + iALS lists, seen items left out)', async () => {
    const offline = new OfflineRecommender(ratings, { channels: [{ name: 'user_cf', weight: 1, size: SIZE }], halfLifeHours: 48, diversityLambda: 1, freshnessBoost: 0, userCf: ucfLists });
    for (const user of ['1', '17', '42']) {
      const res = await fetch(`${urls.edge}/v1/recommend?tenant=${tenant}&scenario=feed&user=${user}&n=10&debug=1`, { headers: { authorization: `Bearer ${key}` } });
      expect(res.status, await res.clone().text()).toBe(200);
      const r = RecommendResponse.parse(await res.json());
      const edge = r.debug!.find((d) => d.stage === 'recall.user_cf')!;
      const want = offline.recall(user)[0]!.items;
      expect(want.length).toBe(SIZE);
      expect(edge.candidates).toBe(want.length);
      expect(edge.items).toEqual(want.map((x) => ({ itemId: x.itemId, score: Math.round(x.score * 1e6) / 1e6 })));
    }
  });

  /** The harness's pipeline over the two published channels, re-rank neutral (as the test scenarios 'ranked' and 'mixed'). */
  const rankedOffline = () =>
    new OfflineRecommender(ratings, {
      channels: [{ name: 'item_cf', weight: 1, size: SIZE }, { name: 'user_cf', weight: 1, size: SIZE }],
      halfLifeHours: 48,
      diversityLambda: 1,
      freshnessBoost: 0,
      neighbours: ease.lists,
      userCf: ucfLists,
    });
  /** The edge's answer for a user of a scenario ranked by `model`, after checking which model answered. */
  const edgeAnswer = async (scenario: string, user: string, model: string) => {
    const res = await fetch(`${urls.edge}/v1/recommend?tenant=${tenant}&scenario=${scenario}&user=${user}&n=10&debug=1`, { headers: { authorization: `Bearer ${key}` } });
    expect(res.status, await res.clone().text()).toBe(200);
    const r = RecommendResponse.parse(await res.json());
    expect(r.model).toBe(model);
    return r.items.map((x) => x.itemId);
  };

  it('the edge answer with the served channel-order model equals the harness list (ONNX ranking, re-rank neutral)', async () => {
    const offline = rankedOffline();
    for (const user of ['1', '17', '42']) {
      const want = offline.recommend(user, 10, ucfOrder).map((x) => x.itemId);
      expect(want).toHaveLength(10);
      // The user_cf channel's own order: what chooseRanker ships where no trained ranker beats it.
      expect(want).toEqual(offline.recall(user).find((c) => c.channel === 'user_cf')!.items.slice(0, 10).map((x) => x.itemId));
      expect(await edgeAnswer('ranked', user, 'ucf-order@v1')).toEqual(want);
    }
  });

  it('the edge answer with a served feature mix (item_cf, channel_count, recall, user_cf) equals the harness list', async () => {
    const offline = rankedOffline();
    for (const user of ['1', '17', '42']) {
      const want = offline.recommend(user, 10, mix).map((x) => x.itemId);
      expect(want).toHaveLength(10);
      expect(await edgeAnswer('mixed', user, 'mix@v1')).toEqual(want);
    }
  });
});
