import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Redis } from 'ioredis';
import { ErrorBody, ItemImportResponse, RecommendResponse } from '@vidplat/contracts';
import { FeatureSnapshotWriter } from '@vidplat/stream/features/snapshot-writer';
import type {} from '@vidplat/devstack/vitest-global-setup';

/**
 * Recommend while the feature store is unreachable, against `wrangler dev`, the Upstash bridge and
 * the real Redis: Redis is made unresponsive (CLIENT PAUSE ALL: every command hangs, as when the
 * server or its host stalls), so each feature-store call times out. A scenario this isolate served
 * before keeps answering 200 from its caches, marked degraded with the reason; one it never served
 * answers 503 + Retry-After; the breaker state shows in the metrics; answers recover by themselves.
 */
const { env, urls } = inject('stack');
const redis = new Redis(env.REDIS_URL!);
afterAll(() => redis.disconnect());

const stamp = Date.now();
const warm = `deg-warm-${stamp}`;
const cold = `deg-cold-${stamp}`;
const keys: Record<string, string> = {};
const now = Date.now();

async function provision(tenant: string): Promise<void> {
  const p = await fetch(`${urls.edge}/v1/platform/tenants`, {
    method: 'POST',
    headers: { authorization: `Bearer ${env.ADMIN_API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ tenantId: tenant, name: tenant, permissions: ['act_as_user'] }),
  });
  expect(p.status).toBe(201);
  keys[tenant] = ((await p.json()) as { apiKey: string }).apiKey;
  const hdr = { authorization: `Bearer ${keys[tenant]}`, 'content-type': 'application/json' };
  const scn = await fetch(`${urls.edge}/v1/scenarios`, {
    method: 'POST',
    headers: hdr,
    body: JSON.stringify({ scenario: 'feed', template: 'vlog', recall: [{ name: 'hot', weight: 1, size: 30 }, { name: 'fresh', weight: 0.5, size: 10 }] }),
  });
  expect(scn.status).toBe(201);
  const lines = Array.from({ length: 30 }, (_, i) =>
    JSON.stringify({ itemId: `i${i}`, kind: 'video', title: `Item ${i}`, categories: [`c${i % 6}`], state: 'published', publishedAt: new Date(now - (i + 1) * 3_600_000).toISOString() }),
  );
  const imp = await fetch(`${urls.edge}/v1/items/import`, { method: 'POST', headers: { ...hdr, 'content-type': 'application/x-ndjson' }, body: lines.join('\n') });
  expect(ItemImportResponse.parse(await imp.json())).toMatchObject({ accepted: 30, featureSync: 'done' });
  await new FeatureSnapshotWriter(redis, 'degraded-test').publishHotList(tenant, 'feed', Array.from({ length: 30 }, (_, i) => ({ itemId: `i${i}`, score: 100 - i })));
}

const get = (tenant: string, user: string) => fetch(`${urls.edge}/v1/recommend?tenant=${tenant}&scenario=feed&user=${user}&n=10`, { headers: { authorization: `Bearer ${keys[tenant]}` } });
const metrics = async () => (await fetch(`${urls.edge}/v1/platform/metrics`, { headers: { authorization: `Bearer ${env.ADMIN_API_KEY}` } })).text();

beforeAll(async () => {
  await provision(warm);
  await provision(cold);
});

describe('recommend when the feature store is unreachable', () => {
  it('warm scenario: degraded 200s from isolate caches; cold scenario: 503; breaker open in the metrics; recovers', async () => {
    const healthy = await get(warm, 'u1');
    expect(healthy.status).toBe(200);
    const h = RecommendResponse.parse(await healthy.json());
    expect(h.degraded).toBeUndefined();
    expect(h.items).toHaveLength(10);

    const PAUSE_MS = 6_000;
    const pausedAt = Date.now();
    await redis.call('client', 'pause', String(PAUSE_MS), 'ALL');
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) {
      const res = await get(warm, `u${i}`);
      statuses.push(res.status);
      if (res.status !== 200) continue;
      const r = RecommendResponse.parse(await res.json());
      expect(r.degraded).toBe(true);
      expect(r.items).toHaveLength(10);
      expect(r.items.map((x) => x.itemId)).toEqual(h.items.map((x) => x.itemId));
      expect(r.debug!.find((d) => d.stage === 'feature_store')!.note).toMatch(/degraded: (feature store unreachable|feature-store circuit open)/);
    }
    expect(statuses).toEqual(Array(10).fill(200));

    const c = await get(cold, 'u1');
    expect(c.status).toBe(503);
    expect(Number(c.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(ErrorBody.parse(await c.json()).error.code).toBe('upstream_unavailable');

    const m = await metrics();
    expect(m).toMatch(/edge_breaker_state\{breaker="feature-store"\} 2/);
    expect(Number(/edge_degraded_answers_total\{route="recommend",upstream="feature-store"\} (\d+)/.exec(m)?.[1])).toBeGreaterThanOrEqual(10);
    // Everything above answered while Redis was still paused: nobody waited for it.
    expect(Date.now() - pausedAt).toBeLessThan(PAUSE_MS);

    // After the pause and the breaker's open period a probe goes through and answers are whole again.
    let recovered: RecommendResponse | null = null;
    const until = Date.now() + 30_000;
    while (!recovered && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 500));
      const res = await get(warm, 'u1');
      if (res.status !== 200) continue;
      const r = RecommendResponse.parse(await res.json());
      if (!r.degraded) recovered = r;
    }
    expect(recovered?.items).toHaveLength(10);
    expect(await metrics()).toMatch(/edge_breaker_state\{breaker="feature-store"\} 0/);
  });
});
