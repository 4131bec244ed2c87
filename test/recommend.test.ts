import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { REPO_ROOT } from '@vidplat/devstack/stack';
import { FeatureKeys, ItemImportResponse, logisticRegressionOnnx, RANKING_FEATURE_COUNT, RecommendResponse } from '@vidplat/contracts';
import { FeatureSnapshotWriter } from '@vidplat/stream/features/snapshot-writer';
import type {} from '@vidplat/devstack/vitest-global-setup';

/**
 * Recommend end to end against `wrangler dev`, the Upstash bridge and Redis: items imported over
 * the API (mirrored into the feature store), hot lists from the stream's snapshot writer, recent
 * items and item-CF neighbours as the stream tier writes them, a model uploaded and hot-swapped.
 */
const { env, urls } = inject('stack');
const redis = new Redis(env.REDIS_URL!);
afterAll(() => redis.disconnect());

const tenant = `rec-e2e-${Date.now()}`;
let key = '';
const hdr = () => ({ authorization: `Bearer ${key}`, 'content-type': 'application/json' });
const rec = async (qs: string) => {
  const res = await fetch(`${urls.edge}/v1/recommend?tenant=${tenant}&${qs}`, { headers: hdr() });
  expect(res.status, await res.clone().text()).toBe(200);
  return RecommendResponse.parse(await res.json());
};
const now = Date.now();
const cats = ['news', 'sport', 'food', 'travel'];

beforeAll(async () => {
  const p = await fetch(`${urls.edge}/v1/platform/tenants`, {
    method: 'POST',
    headers: { authorization: `Bearer ${env.ADMIN_API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ tenantId: tenant, name: tenant, permissions: ['act_as_user'] }),
  });
  key = ((await p.json()) as { apiKey: string }).apiKey;
  const scn = await fetch(`${urls.edge}/v1/scenarios`, {
    method: 'POST',
    headers: hdr(),
    body: JSON.stringify({
      scenario: 'feed',
      template: 'vlog',
      recall: [
        { name: 'hot', weight: 1, size: 50 },
        { name: 'item_cf', weight: 2, size: 50 },
        { name: 'fresh', weight: 0.5, size: 20 },
      ],
      rerank: { diversityLambda: 0.7, freshnessBoost: 0.2, freshnessHalfLifeHours: 48, filterSeen: true, maxPerCategory: 10 },
    }),
  });
  expect(scn.status).toBe(201);
  // 80 items: i % 10 === 7 unpublished, i % 10 === 8 scheduled-out, i % 10 === 9 publishes tomorrow.
  const lines = Array.from({ length: 80 }, (_, i) =>
    JSON.stringify({
      itemId: String(i), // numeric-looking ids must survive the feature store as strings
      kind: 'video',
      title: `Item ${i}`,
      categories: [cats[i % 4]],
      state: i % 10 === 7 ? 'unpublished' : 'published',
      publishedAt: new Date(i % 10 === 9 ? now + 86_400_000 : now - (80 - i) * 3_600_000).toISOString(),
      ...(i % 10 === 8 ? { unpublishAt: new Date(now - 60_000).toISOString() } : {}),
    }),
  );
  const imp = await fetch(`${urls.edge}/v1/items/import`, { method: 'POST', headers: { ...hdr(), 'content-type': 'application/x-ndjson' }, body: lines.join('\n') });
  expect(ItemImportResponse.parse(await imp.json())).toMatchObject({ accepted: 80, rejected: [], featureSync: 'done' });

  await new FeatureSnapshotWriter(redis, 'recommend-test').publishHotList(tenant, 'feed', Array.from({ length: 80 }, (_, i) => ({ itemId: String(i), score: 1000 - i })));
  // User u-cf recently watched 1 and 2; their neighbours are 41..46.
  await redis.zadd(FeatureKeys.userRecent(tenant, 'u-cf'), now - 1000, '1', now - 2000, '2');
  await redis.zadd(FeatureKeys.itemNeighbours(tenant, '1'), 0.9, '41', 0.8, '42', 0.7, '43', 0.1, '47');
  await redis.zadd(FeatureKeys.itemNeighbours(tenant, '2'), 0.95, '44', 0.6, '45', 0.5, '46');
});

describe('recommend with features, end to end', () => {
  it('a cold-start user gets hot + fresh, never an unpublished, scheduled or scheduled-out item', async () => {
    const r = await rec('scenario=feed&user=new-user&n=40&debug=1');
    expect(r.items).toHaveLength(40);
    const ids = r.items.map((i) => Number(i.itemId));
    expect(ids.filter((i) => i % 10 >= 7)).toEqual([]);
    expect(r.items.every((i) => typeof i.itemId === 'string')).toBe(true);
    expect(new Set(r.items.flatMap((i) => i.channels))).toEqual(new Set(['hot', 'fresh']));
    const stages = r.debug!.map((d) => d.stage);
    expect(stages).toEqual(['recall.hot', 'recall.item_cf', 'recall.embedding', 'recall.fresh', 'recall.user_cf', 'merge', 'rank', 'rerank']);
    expect(r.debug!.find((d) => d.stage === 'recall.item_cf')!.note).toMatch(/cold start/);
    expect(r.debug!.find((d) => d.stage === 'merge')!.note).toMatch(/cold start: hot \+ fresh/);
    expect(r.debug!.find((d) => d.stage === 'rank')!.note).toMatch(/heuristic: scenario has no ranking model/);
    expect(r.snapshotVersion).toBeGreaterThan(0);
  });

  it('item-CF neighbours of recent items rise; seen items are filtered; ineligible neighbours never show', async () => {
    const r = await rec('scenario=feed&user=u-cf&n=10&debug=1');
    const ids = r.items.map((i) => i.itemId);
    expect(ids).not.toContain('1');
    expect(ids).not.toContain('2');
    expect(ids).not.toContain('47'); // neighbour, but unpublished
    expect(ids.slice(0, 3).every((id) => ['41', '42', '43', '44', '45', '46'].includes(id))).toBe(true);
    const cf = r.debug!.find((d) => d.stage === 'recall.item_cf')!;
    expect(cf.candidates).toBe(7);
    expect(r.items.find((i) => i.itemId === '44')!.channels).toContain('item_cf');
  });

  it('a new hot-list snapshot is served on the next request (isolate caches follow the version)', async () => {
    const writer = new FeatureSnapshotWriter(redis, 'recommend-test');
    const first = await rec('scenario=feed&user=new-user&n=5&debug=1');
    expect(first.debug![0]!.items![0]!.itemId).toBe('0');
    const v = await writer.publishHotList(tenant, 'feed', [{ itemId: '5', score: 9999 }, ...Array.from({ length: 80 }, (_, i) => ({ itemId: String(i), score: 1000 - i })).filter((x) => x.itemId !== '5')]);
    const next = await rec('scenario=feed&user=new-user&n=5&debug=1');
    expect(next.snapshotVersion).toBe(v);
    expect(next.debug![0]!.items![0]!.itemId, JSON.stringify(next.debug![0]!.items!.slice(0, 3))).toBe('5');
  });

  it('unpublishing through the items API hides the item on the next request', async () => {
    const before = await rec('scenario=feed&user=u-cf&n=10');
    const top = before.items[0]!.itemId;
    const res = await fetch(`${urls.edge}/v1/items/${top}/publish-state`, { method: 'POST', headers: hdr(), body: JSON.stringify({ state: 'unpublished' }) });
    expect(res.status).toBe(200);
    const after = await rec('scenario=feed&user=u-cf&n=10');
    expect(after.items.map((i) => i.itemId)).not.toContain(top);
  });

  it('an uploaded ONNX model ranks (hot-swapped, no deploy); a model with a wrong signature is refused', async () => {
    // More inputs than the edge computes (fewer are fed the first k features: edge/test/recommend-wide-deep.test.ts).
    const bad = await fetch(`${urls.edge}/v1/models/ctr/versions/bad`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/octet-stream' },
      body: logisticRegressionOnnx({ weights: Array.from({ length: RANKING_FEATURE_COUNT + 1 }, () => 1), bias: 0 }),
    });
    expect(bad.status).toBe(400);

    // Scenario switches to model "ctr" that does not exist yet: heuristic fallback, flagged.
    const cfg = (await (await fetch(`${urls.edge}/v1/scenarios/feed`, { headers: hdr() })).json()) as Record<string, unknown>;
    const { tenantId: _t, scenario: _s, version: _v, updatedAt: _u, ...body } = cfg;
    expect((await fetch(`${urls.edge}/v1/scenarios/feed`, { method: 'PUT', headers: hdr(), body: JSON.stringify({ ...body, rankingModel: 'ctr' }) })).status).toBe(200);

    // Weights favour the "fresh" feature only: ranking must follow recency.
    const weights = Array.from({ length: RANKING_FEATURE_COUNT }, (_, i) => (i === 4 ? 5 : 0));
    const up = await fetch(`${urls.edge}/v1/models/ctr/versions/v1`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/octet-stream' },
      body: logisticRegressionOnnx({ weights, bias: 0 }),
    });
    expect(up.status).toBe(201);
    // Scenario configs are cached per isolate for 10 s.
    let r = await rec('scenario=feed&user=new-user&n=5&debug=1');
    for (let i = 0; i < 40 && r.model !== 'ctr@v1'; i++) {
      await new Promise((res) => setTimeout(res, 500));
      r = await rec('scenario=feed&user=new-user&n=5&debug=1');
    }
    expect(r.model).toBe('ctr@v1');
    expect(r.debug!.find((d) => d.stage === 'rank')!.note).toMatch(/^onnx ctr@v1/);
    const rankStage = r.debug!.find((d) => d.stage === 'rank')!;
    // Newest eligible item first: 76 (77 unpublished, 78 scheduled-out, 79 tomorrow).
    expect(rankStage.items![0]!.itemId).toBe('76');
  });
});

describe('demo seeder', () => {
  it('seeds a tenant whose feed recommends with the trained model and the A/B experiment', async () => {
    const { seedRecommend } = await import('@vidplat/devstack/demo/recommend');
    const t = `rec-demo-${Date.now()}`;
    const p = await fetch(`${urls.edge}/v1/platform/tenants`, {
      method: 'POST',
      headers: { authorization: `Bearer ${env.ADMIN_API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ tenantId: t, name: t, permissions: ['act_as_user'] }),
    });
    const superKey = ((await p.json()) as { apiKey: string }).apiKey;
    const logs: string[] = [];
    await seedRecommend({ edgeUrl: urls.edge!, env, tenants: [{ tenantId: t, name: t, template: 'music', superKey }], log: (l) => logs.push(l) });
    expect(logs.join('\n')).toMatch(/model ctr \(AUC/);
    // The neighbour and user_cf lists come from the similarity job over the seeded sessions in
    // events_raw, as under `npm start` (tools/devstack/src/cli.ts runs it after the seeders).
    await new Promise<void>((resolve, reject) =>
      execFile(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'stream/src/similarity/cli.ts'), '--tenant', t], { cwd: REPO_ROOT, env: { ...process.env, ...env }, timeout: 120_000 }, (err, _out, stderr) =>
        err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(),
      ),
    );
    const res = await fetch(`${urls.edge}/v1/recommend?tenant=${t}&scenario=feed&user=u3&n=10&debug=1`, { headers: { authorization: `Bearer ${superKey}` } });
    const r = RecommendResponse.parse(await res.json());
    expect(r.items).toHaveLength(10);
    expect(r.experiment?.id).toBe('feed-ranker');
    expect(['control', 'b']).toContain(r.experiment?.variant);
    if (r.experiment?.variant === 'control') expect(r.model).toMatch(/^ctr@demo-/);
    else expect(r.debug!.find((d) => d.stage === 'rank')!.note).toMatch(/no ranking model/);
    expect(r.debug!.find((d) => d.stage === 'recall.item_cf')!.candidates).toBeGreaterThan(0);
    expect(r.debug!.find((d) => d.stage === 'recall.embedding')!.candidates).toBeGreaterThan(0);
  });
});

describe('A/B exposure through the event path', () => {
  it('a request served by an experiment arm lands in ClickHouse as impressions tagged with experiment and variant', async () => {
    const { createClickHouse } = await import('@vidplat/analytics');
    const ch = createClickHouse({ url: env.CLICKHOUSE_URL!, database: env.CLICKHOUSE_DATABASE! });
    try {
      const exp = await fetch(`${urls.edge}/v1/experiments`, {
        method: 'POST',
        headers: hdr(),
        body: JSON.stringify({ experimentId: 'exp-e2e', scenario: 'feed', variants: [{ name: 'a', weight: 1 }, { name: 'b', weight: 1, overrides: { rerank: { diversityLambda: 0.2 } } }] }),
      });
      expect(exp.status).toBe(201);
      // Experiments are cached per isolate for 10 s: wait until a response carries the arm.
      let r = await rec('scenario=feed&user=exp-user&n=3');
      for (let i = 0; i < 40 && !r.experiment; i++) {
        await new Promise((res) => setTimeout(res, 500));
        r = await rec('scenario=feed&user=exp-user&n=3');
      }
      expect(r.experiment?.id).toBe('exp-e2e');
      const variant = r.experiment!.variant;
      // Deterministic: the same user gets the same arm every time.
      for (let i = 0; i < 3; i++) expect((await rec('scenario=feed&user=exp-user&n=3')).experiment?.variant).toBe(variant);

      const count = async () => {
        const q = await ch.query({
          query: `SELECT count() AS n, any(variant) AS v FROM events_raw FINAL WHERE tenant_id = {t:String} AND type = 'impression' AND experiment_id = 'exp-e2e' AND user_id = 'exp-user'`,
          query_params: { t: tenant },
          format: 'JSONEachRow',
        });
        return (await q.json<{ n: string; v: string }>())[0]!;
      };
      let row = await count();
      for (let i = 0; i < 120 && Number(row.n) < 12; i++) {
        await new Promise((res) => setTimeout(res, 500));
        row = await count();
      }
      expect(Number(row.n)).toBe(12); // 4 requests × 3 items served
      expect(row.v).toBe(variant);
    } finally {
      await ch.close();
    }
  });
});
