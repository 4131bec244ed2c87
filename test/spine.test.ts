import { describe, expect, inject, it, afterAll } from 'vitest';
import { Redis } from 'ioredis';
import { createClickHouse } from '@vidplat/analytics';
import { ErrorBody, EventBatchResponse, RecommendResponse, uuidv7 } from '@vidplat/contracts';
import { FeatureSnapshotWriter } from '@vidplat/stream/features/snapshot-writer';
import { syntheticEvents } from '@vidplat/devstack/demo/synthetic-events';
import type {} from '@vidplat/devstack/vitest-global-setup'; // typed inject('stack')

/**
 * The platform's spine, end to end against the real components: POST /v1/events on workerd →
 * ingest producer → Kafka (librdkafka mock cluster) → raw-events consumer → ClickHouse, and
 * GET /v1/recommend answered from a hot-list snapshot in Redis through the Upstash REST protocol.
 */
const { env, urls } = inject('stack');
const ch = createClickHouse({ url: env.CLICKHOUSE_URL!, database: env.CLICKHOUSE_DATABASE! });
const redis = new Redis(env.REDIS_URL!);
afterAll(async () => {
  await ch.close();
  redis.disconnect();
});

async function countRows(tenant: string): Promise<number> {
  const r = await ch.query({
    query: 'SELECT count() AS n, uniqExact(event_id) AS u FROM events_raw FINAL WHERE tenant_id = {t:String}',
    query_params: { t: tenant },
    format: 'JSONEachRow',
  });
  const [row] = await r.json<{ n: string; u: string }>();
  expect(row!.n).toBe(row!.u); // no duplicates survive
  return Number(row!.n);
}

async function eventually<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let v = await fn();
  while (!ok(v) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 250));
    v = await fn();
  }
  return v;
}

/** Provisions a tenant through the platform API; returns its super key. */
async function provision(tenantId: string): Promise<string> {
  const res = await fetch(`${urls.edge}/v1/platform/tenants`, {
    method: 'POST',
    headers: { authorization: `Bearer ${env.ADMIN_API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ tenantId, name: tenantId, permissions: ['act_as_user'] }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { apiKey: string }).apiKey;
}

const post = (key: string, body: unknown) =>
  fetch(`${urls.edge}/v1/events`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify(body),
  });

describe('spine: events in, rows out, recommendations from the snapshot', () => {
  it('N events posted to the edge become N rows in ClickHouse, and a retried batch adds none', async () => {
    const tenant = `spine-${Date.now()}`;
    const key = await provision(tenant);
    const events = syntheticEvents({ tenants: [tenant], users: 40, items: 60, count: 1200, seed: 7, startMs: Date.now() - 3_600_000 });
    let accepted = 0;
    for (let i = 0; i < events.length; i += 300) {
      const res = await post(key, { events: events.slice(i, i + 300) });
      expect(res.status).toBe(202);
      accepted += EventBatchResponse.parse(await res.json()).accepted;
    }
    expect(accepted).toBe(1200);
    // The client did not see our 202 and retries the first batch: same eventIds.
    expect((await post(key, { events: events.slice(0, 300) })).status).toBe(202);

    const n = await eventually(() => countRows(tenant), (v) => v >= 1200);
    expect(n).toBe(1200);
  });

  it('a batch with bad events rejects them by index with code and field, and accepts the rest', async () => {
    const tenant = `spine-bad-${Date.now()}`;
    const key = await provision(tenant);
    const [good1, good2] = syntheticEvents({ tenants: [tenant], users: 2, items: 2, count: 2, seed: 3, startMs: Date.now() - 60_000 });
    const res = await post(key, {
      events: [good1, { ...good1, eventId: 'not-a-uuid' }, good2, { ...good2, eventId: uuidv7(), type: 'teleport' }],
    });
    expect(res.status).toBe(400);
    const body = (await res.json()) as ErrorBody & EventBatchResponse;
    expect(body.accepted).toBe(2);
    expect(body.rejected.map((r) => r.index)).toEqual([1, 3]);
    expect(body.rejected[0]!.error).toMatchObject({ code: 'invalid_field', field: 'events.1.eventId' });
    expect(body.rejected[1]!.error.field).toBe('events.3.type');
    expect(await eventually(() => countRows(tenant), (v) => v >= 2)).toBe(2);
  });

  it('recommend answers from the hot-list snapshot written by the stream tier', async () => {
    const tenant = `spine-rec-${Date.now()}`;
    const key = await provision(tenant);
    const headers = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    // A scenario that recalls from the hot list only, and the items it may serve.
    const scn = await fetch(`${urls.edge}/v1/scenarios`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ scenario: 'feed', template: 'vlog', recall: [{ name: 'hot', weight: 1, size: 100 }] }),
    });
    expect(scn.status).toBe(201);
    const ids = [...Array.from({ length: 50 }, (_, i) => `item-${i}`), 'new-top'];
    const lines = ids.map((itemId) => JSON.stringify({ itemId, kind: 'video', title: itemId, state: 'published', publishedAt: new Date(Date.now() - 86_400_000).toISOString() }));
    const imp = await fetch(`${urls.edge}/v1/items/import`, { method: 'POST', headers: { ...headers, 'content-type': 'application/x-ndjson' }, body: lines.join('\n') });
    expect(imp.status).toBeLessThan(300);

    const writer = new FeatureSnapshotWriter(redis, 'spine-test');
    const hot = ids.slice(0, 50).map((itemId, i) => ({ itemId, score: 100 - i }));
    const version = await writer.publishHotList(tenant, 'feed', hot);
    const rec = async (qs: string) => {
      const res = await fetch(`${urls.edge}/v1/recommend?tenant=${tenant}&scenario=feed&${qs}`, { headers });
      expect(res.status, await res.clone().text()).toBe(200);
      return RecommendResponse.parse(await res.json());
    };
    const body = await rec('user=u1&n=5&debug=1');
    expect(body.items).toHaveLength(5);
    for (const it of body.items) {
      expect(hot.map((h) => h.itemId)).toContain(it.itemId);
      expect(it.channels).toEqual(['hot']);
    }
    expect(body.snapshotVersion).toBe(version);
    expect(body.debug?.find((d) => d.stage === 'recall.hot')?.candidates).toBeGreaterThan(0);

    // The next snapshot replaces the list atomically; the next request serves it.
    const v2 = await writer.publishHotList(tenant, 'feed', [{ itemId: 'new-top', score: 1 }]);
    const again = await rec('user=u1');
    expect(again.items.map((i) => i.itemId)).toEqual(['new-top']);
    expect(again.snapshotVersion).toBe(v2);

    // Without a key there is no answer at all; with it, a bad parameter is named.
    expect((await fetch(`${urls.edge}/v1/recommend?tenant=${tenant}&scenario=feed&user=u1`)).status).toBe(401);
    const bad = await fetch(`${urls.edge}/v1/recommend?tenant=${tenant}&scenario=feed&user=u1&n=0`, { headers });
    expect(bad.status).toBe(400);
    expect(ErrorBody.parse(await bad.json()).error).toMatchObject({ code: 'invalid_query', field: 'n' });
  });
});
