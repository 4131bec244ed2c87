import { env, SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TENANT_LIMITS, ErrorBody, ItemPage, SCHEMA_VERSION, TenantLimits, uuidv7 } from '@vidplat/contracts';
import { TokenBucket } from '../src/guardrails/rate-limit.js';
import { leaseSize, RateLeases, type LimiterNamespace } from '../src/guardrails/rate-leases.js';
import { breaker } from '../src/guardrails/breaker.js';
import { createKey, json, provisionTenant } from './helpers.js';

const api = (path: string, init: RequestInit = {}) => SELF.fetch(`https://edge.test${path}`, init);
const platform = (method: string, body?: unknown) => json(method, env.ADMIN_API_KEY!, body);
const setLimits = async (tenant: string, patch: unknown) => {
  const res = await api(`/v1/platform/tenants/${tenant}/limits`, platform('PUT', patch));
  expect(res.status, await res.clone().text()).toBe(200);
  return TenantLimits.parse(await res.json());
};
const ndjson = (key: string, body: string): RequestInit => ({ method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/x-ndjson' }, body });
const item = (id: string) => JSON.stringify({ itemId: id, kind: 'video', title: id, categories: ['c'], state: 'published', publishedAt: '2026-01-01T00:00:00.000Z' });

describe('token bucket', () => {
  it('grants a burst, then one per 1/rate seconds; says how long to wait', () => {
    const b = new TokenBucket(2, 2, 0);
    expect([b.take(0), b.take(0)]).toEqual([0, 0]);
    expect(b.take(0)).toBe(500);
    expect(b.take(499)).toBeGreaterThan(0);
    expect(b.take(500)).toBe(0);
    b.refund();
    expect(b.take(500)).toBe(0);
  });
});

describe('tenant limits through the platform API', () => {
  it('defaults, patched in part, validated; platform key only; unknown tenant 404', async () => {
    const sup = await provisionTenant('lim-api');
    const get = await api('/v1/platform/tenants/lim-api/limits', platform('GET'));
    expect(TenantLimits.parse(await get.json())).toEqual(DEFAULT_TENANT_LIMITS);
    const next = await setLimits('lim-api', { rate: { recommend: { perKey: 7 } }, quotas: { items: 10 } });
    expect(next.rate.recommend).toEqual({ perTenant: DEFAULT_TENANT_LIMITS.rate.recommend.perTenant, perKey: 7 });
    expect(next.quotas).toEqual({ ...DEFAULT_TENANT_LIMITS.quotas, items: 10 });
    expect(TenantLimits.parse(await (await api('/v1/platform/tenants/lim-api/limits', platform('GET'))).json())).toEqual(next);
    const bad = await api('/v1/platform/tenants/lim-api/limits', platform('PUT', { rate: { recommend: { perKey: -1 } } }));
    expect(bad.status).toBe(400);
    expect(ErrorBody.parse(await bad.json()).error).toMatchObject({ code: 'invalid_body', field: 'rate.recommend.perKey' });
    const extra = await api('/v1/platform/tenants/lim-api/limits', platform('PUT', { quotas: { seats: 3 } }));
    expect(extra.status).toBe(400);
    expect((await api('/v1/platform/tenants/nobody-here/limits', platform('PUT', { burstSeconds: 3 }))).status).toBe(404);
    expect((await api('/v1/platform/tenants/lim-api/limits', json('PUT', sup.apiKey, { burstSeconds: 3 }))).status).toBe(401);
  });
});

describe('rate limits per key and per tenant', () => {
  it('recommend: 429 rate_limited with Retry-After past the per-key burst; another key has its own bucket until the tenant limit', async () => {
    const sup = await provisionTenant('lim-rec');
    await api('/v1/scenarios', json('POST', sup.apiKey, { scenario: 'feed', template: 'news' }));
    // perTenant = perKey: once this key has spent its burst, the tenant has nothing left either,
    // so another key (its own bucket full) is refused by the tenant's limit, not its own.
    await setLimits('lim-rec', { rate: { recommend: { perKey: 2, perTenant: 2 } }, burstSeconds: 1 });
    const other = await createKey(sup.apiKey, 'tenant');
    const rec = (key: string) => api('/v1/recommend?tenant=lim-rec&scenario=feed&user=u1', { headers: { authorization: `Bearer ${key}` } });
    // The feature store is unreachable in these tests (503): the limit applies before any of that.
    // Buckets refill at the rate, so what a key gets depends on how long its requests took: the
    // burst, plus at most rate × elapsed (a loaded machine makes requests slower, never the limit laxer).
    const untilRefused = async (key: string) => {
      const t0 = performance.now();
      let admitted = 0;
      for (let i = 0; i < 20; i++) {
        const r = await rec(key);
        if (r.status === 429) return { admitted, refused: r, seconds: (performance.now() - t0) / 1000 };
        admitted++;
      }
      throw new Error(`20 requests with key ${key.slice(0, 6)}… were all admitted`);
    };
    const own = await untilRefused(sup.apiKey);
    expect(own.admitted).toBeGreaterThanOrEqual(2);
    expect(own.admitted).toBeLessThanOrEqual(2 + Math.ceil(2 * own.seconds));
    expect(Number(own.refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(ErrorBody.parse(await own.refused.json()).error).toMatchObject({ code: 'rate_limited', message: expect.stringContaining('per API key') });
    const viaOther = await untilRefused(other.apiKey);
    expect(viaOther.admitted).toBeLessThanOrEqual(Math.ceil(2 * (own.seconds + viaOther.seconds)));
    expect(ErrorBody.parse(await viaOther.refused.json()).error.message).toContain('per tenant');
    // Another tenant is not affected.
    const b = await provisionTenant('lim-rec-b');
    expect((await api('/v1/recommend?tenant=lim-rec-b&scenario=feed&user=u1', { headers: { authorization: `Bearer ${b.apiKey}` } })).status).not.toBe(429);
    const m = await (await api('/v1/platform/metrics', { headers: { authorization: `Bearer ${env.ADMIN_API_KEY}` } })).text();
    expect(m).toMatch(/edge_rate_limited_total\{class="recommend",scope="key"\} [1-9]/);
  });

  it('admin writes: a refused write is not done', async () => {
    const sup = await provisionTenant('lim-write');
    await setLimits('lim-write', { rate: { admin_write: { perKey: 1 } }, burstSeconds: 1 });
    expect((await api('/v1/scenarios', json('POST', sup.apiKey, { scenario: 'one', template: 'news' }))).status).toBe(201);
    const second = await api('/v1/scenarios', json('POST', sup.apiKey, { scenario: 'two', template: 'news' }));
    expect(second.status).toBe(429);
    expect(ErrorBody.parse(await second.json()).error.code).toBe('rate_limited');
    expect((await api('/v1/scenarios/two', json('GET', sup.apiKey))).status).toBe(404);
  });
});

describe('rate limits shared across isolates (the tenant\'s RateLimiter object)', () => {
  // Each RateLeases is what one isolate holds; two of them stand for two isolates (or two
  // locations) serving the same tenant, both taking from the one RateLimiter object.
  const ns = () => env.RATE_LIMITER as unknown as LimiterNamespace;
  const limits = (perKey: number, perTenant: number, burstSeconds: number) =>
    TenantLimits.parse({ ...DEFAULT_TENANT_LIMITS, rate: { ...DEFAULT_TENANT_LIMITS.rate, recommend: { perKey, perTenant } }, burstSeconds });

  it('two isolates together admit the one limit, not one limit each', async () => {
    const l = limits(1, 1, 10); // a bucket of 10, refilled at 1/s; leases of 1 token
    expect(leaseSize(l, 'recommend')).toBe(1);
    const a = new RateLeases();
    const b = new RateLeases();
    const admitted = { a: 0, b: 0 };
    const refusals = [];
    for (let i = 0; i < 15; i++) {
      for (const [name, iso] of [['a', a], ['b', b]] as const) {
        const r = await iso.take(ns(), l, 'recommend', 'shared-two', 'key-1');
        if (r) refusals.push(r);
        else admitted[name]++;
      }
    }
    // Per-isolate buckets would have admitted 10 in each (20); shared: 10, plus at most one
    // token refilled while the test ran.
    const total = admitted.a + admitted.b;
    expect(total).toBeGreaterThanOrEqual(10);
    expect(total).toBeLessThanOrEqual(11);
    expect(admitted.a).toBeGreaterThanOrEqual(5);
    expect(admitted.b).toBeGreaterThanOrEqual(5);
    expect(refusals[0]).toMatchObject({ scope: 'key', message: expect.stringContaining('per API key') });
    expect(refusals[0]!.retryAfterSeconds).toBeGreaterThanOrEqual(1);
    // The tenant limit is shared the same way across keys and isolates.
    const t = limits(100, 1, 5);
    let tenantAdmitted = 0;
    for (let i = 0; i < 6; i++) {
      if (!(await a.take(ns(), t, 'recommend', 'shared-tenant', 'key-a'))) tenantAdmitted++;
      if (!(await b.take(ns(), t, 'recommend', 'shared-tenant', 'key-b'))) tenantAdmitted++;
    }
    expect(tenantAdmitted).toBeGreaterThanOrEqual(5);
    expect(tenantAdmitted).toBeLessThanOrEqual(6);
  });

  it('leases: at high rates an isolate calls the object once per lease, not per request', async () => {
    const l = limits(1000, 1000, 1); // a bucket of 1000 refilled at 1000/s; leases of 100 tokens
    expect(leaseSize(l, 'recommend')).toBe(100);
    const a = new RateLeases();
    let admitted = 0;
    for (let i = 0; i < 150; i++) {
      const r = a.take(ns(), l, 'recommend', 'shared-lease', 'key-1');
      if (!(r instanceof Promise ? await r : r)) admitted++;
    }
    expect(admitted).toBe(150);
    expect(a.calls).toBe(2);
  });

  it('the gate of the Worker takes from the shared object: requests it admitted are gone for another isolate', async () => {
    const sup = await provisionTenant('lim-shared');
    await api('/v1/scenarios', json('POST', sup.apiKey, { scenario: 'feed', template: 'news' }));
    await setLimits('lim-shared', { rate: { recommend: { perKey: 100, perTenant: 3 } }, burstSeconds: 1 });
    const rec = () => api('/v1/recommend?tenant=lim-shared&scenario=feed&user=u1', { headers: { authorization: `Bearer ${sup.apiKey}` } });
    expect([(await rec()).status, (await rec()).status]).not.toContain(429);
    // Another isolate, another key of the tenant: one token of the tenant's 3 is left.
    const other = new RateLeases();
    const l = TenantLimits.parse(await (await api('/v1/platform/tenants/lim-shared/limits', platform('GET'))).json());
    expect(await other.take(ns(), l, 'recommend', 'lim-shared', 'another-key')).toBeNull();
    expect(await other.take(ns(), l, 'recommend', 'lim-shared', 'another-key')).toMatchObject({ scope: 'tenant' });
    // And the Worker's isolate is refused in turn.
    const limited = await rec();
    expect(limited.status).toBe(429);
    expect(ErrorBody.parse(await limited.json()).error.code).toBe('rate_limited');
  });

  it('while the object cannot be reached, the isolate\'s own buckets still limit (never unlimited)', async () => {
    const down = { idFromName: (n: string) => n, get: () => ({ lease: () => Promise.reject(new Error('limiter down')) }) } as unknown as LimiterNamespace;
    const a = new RateLeases();
    const l = limits(2, 100, 1);
    const got = [];
    for (let i = 0; i < 3; i++) got.push(await a.take(down, l, 'recommend', 'shared-down', 'key-1'));
    expect(got.slice(0, 2)).toEqual([null, null]);
    expect(got[2]).toMatchObject({ scope: 'key' });
    breaker('rate_limiter').succeeded(); // the other tests of this isolate see a closed circuit
  });
});

describe('quotas', () => {
  it('items: an import that would pass the quota is refused whole (403 quota_exceeded, field items); rewriting existing items is fine', async () => {
    const sup = await provisionTenant('quota-items');
    await setLimits('quota-items', { quotas: { items: 3 } });
    expect((await api('/v1/items/import', ndjson(sup.apiKey, [item('a'), item('b')].join('\n')))).status).toBe(200);
    const over = await api('/v1/items/import', ndjson(sup.apiKey, [item('c'), item('d')].join('\n')));
    expect(over.status).toBe(403);
    expect(ErrorBody.parse(await over.json()).error).toMatchObject({ code: 'quota_exceeded', field: 'items' });
    const page = ItemPage.parse(await (await api('/v1/items', json('GET', sup.apiKey))).json());
    expect(page.items.map((i) => i.itemId).sort()).toEqual(['a', 'b']);
    expect((await api('/v1/items/import', ndjson(sup.apiKey, [item('a'), item('b'), item('c')].join('\n')))).status).toBe(200);
    const put = await api('/v1/items/e', json('PUT', sup.apiKey, JSON.parse(item('e'))));
    expect(put.status).toBe(403);
    expect(ErrorBody.parse(await put.json()).error.field).toBe('items');
    expect((await api('/v1/items/e', json('GET', sup.apiKey))).status).toBe(404);
  });

  it('events per day: a batch past the quota is refused whole before it reaches the pipeline', async () => {
    const sup = await provisionTenant('quota-events');
    await setLimits('quota-events', { quotas: { eventsPerDay: 1 } });
    const ev = () => ({ eventId: uuidv7(), tenantId: 'quota-events', eventTime: new Date().toISOString(), schemaVersion: SCHEMA_VERSION, type: 'click', userId: 'u1', itemId: 'i1' });
    const res = await api('/v1/events', json('POST', sup.apiKey, { events: [ev(), ev()] }));
    // 403, not the 503 the unreachable ingest would give: nothing was forwarded.
    expect(res.status).toBe(403);
    expect(ErrorBody.parse(await res.json()).error).toMatchObject({ code: 'quota_exceeded', field: 'eventsPerDay' });
    const usage = await env.CATALOGUE.prepare('SELECT events FROM tenant_usage WHERE tenant_id = ?1').bind('quota-events').first();
    expect(usage).toBeNull();
  });

  it('stored media: an upload whose declared size passes the quota is refused before anything is written', async () => {
    await provisionTenant('quota-media');
    await setLimits('quota-media', { quotas: { mediaBytes: 1000 } });
    const internal = (body: unknown) => api('/v1/internal/videos', json('POST', env.EDGE_INTERNAL_TOKEN!, body));
    expect((await internal({ tenantId: 'quota-media', videoId: 'v1', title: 'one', sizeBytes: 600 })).status).toBe(201);
    const over = await internal({ tenantId: 'quota-media', videoId: 'v2', title: 'two', sizeBytes: 600 });
    expect(over.status).toBe(403);
    expect(ErrorBody.parse(await over.json()).error).toMatchObject({ code: 'quota_exceeded', field: 'mediaBytes' });
    expect(await env.CATALOGUE.prepare("SELECT 1 FROM videos WHERE tenant_id = 'quota-media' AND video_id = 'v2'").first()).toBeNull();
    // The same upload registered again counts once.
    expect((await internal({ tenantId: 'quota-media', videoId: 'v1', title: 'one', sizeBytes: 900 })).status).toBe(200);
  });
});
