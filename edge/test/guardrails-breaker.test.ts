import { env, SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { ErrorBody, FeatureKeys, SCHEMA_VERSION, ScenarioConfig, uuidv7, type EdgeEnv } from '@vidplat/contracts';
import { CircuitBreaker, BreakerOpen, guardedFetch } from '../src/guardrails/breaker.js';
import { GuardedStore, StoreCommandError } from '../src/feature-store/pipeline.js';
import { MemoryStore } from './memory-feature-store.js';
import { FeatureStoreDown, runPipeline } from '../src/recommend/pipeline.js';
import { json, provisionTenant } from './helpers.js';

describe('circuit breaker', () => {
  it('opens after N consecutive failures, fails fast while open, lets one probe through half-open, closes on success', async () => {
    let now = 1_000;
    const b = new CircuitBreaker('t', { failures: 3, openMs: 5_000 }, () => now);
    let calls = 0;
    const fail = () => b.run(async () => { calls++; throw new Error('down'); });
    const ok = () => b.run(async () => { calls++; return 'up'; });
    await expect(fail()).rejects.toThrow('down');
    await expect(ok()).resolves.toBe('up'); // a success resets the count: failures must be consecutive
    for (let i = 0; i < 3; i++) await expect(fail()).rejects.toThrow('down');
    expect(b.state).toBe('open');
    expect(calls).toBe(5);
    const refused = await fail().catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(BreakerOpen);
    expect((refused as BreakerOpen).retryAfterSeconds).toBe(5);
    expect(calls).toBe(5); // not called
    now += 5_000;
    expect(b.state).toBe('half_open');
    // One probe at a time: a second caller during the probe is refused.
    let release!: () => void;
    const probe = b.run(() => new Promise<string>((r) => (release = () => r('up'))));
    await expect(ok()).rejects.toBeInstanceOf(BreakerOpen);
    release();
    await expect(probe).resolves.toBe('up');
    expect(b.state).toBe('closed');
    expect(b.transitions).toEqual({ closed: 1, open: 1, half_open: 1 });
  });

  it('a failed probe re-opens for another full period; errors that do not count leave the state alone', async () => {
    let now = 0;
    const b = new CircuitBreaker('t', { failures: 1, openMs: 1_000 }, () => now);
    await expect(b.run(async () => { throw new StoreCommandError('WRONGTYPE'); }, (e) => !(e instanceof StoreCommandError))).rejects.toThrow('WRONGTYPE');
    expect(b.state).toBe('closed');
    await expect(b.run(async () => { throw new Error('timeout'); })).rejects.toThrow('timeout');
    expect(b.state).toBe('open');
    now = 1_000;
    await expect(b.run(async () => { throw new Error('still down'); })).rejects.toThrow('still down');
    expect(b.state).toBe('open');
    now = 1_999;
    await expect(b.run(async () => 1)).rejects.toBeInstanceOf(BreakerOpen);
    now = 2_000;
    await expect(b.run(async () => 1)).resolves.toBe(1);
  });

  it('guardedFetch counts network errors and 5xx, not 4xx', async () => {
    const b = new CircuitBreaker('f', { failures: 2, openMs: 60_000 });
    let status = 404;
    const f = guardedFetch(b, (async () => new Response('x', { status })) as typeof fetch);
    await f('http://x/');
    await f('http://x/');
    expect(b.state).toBe('closed');
    status = 503;
    expect((await f('http://x/')).status).toBe(503);
    await f('http://x/');
    expect(b.state).toBe('open');
    await expect(f('http://x/')).rejects.toBeInstanceOf(BreakerOpen);
  });
});

describe('recommend degrades to the isolate caches when the feature store is unreachable', () => {
  const NOW = Date.now();
  const cfgEnv = { BREAKER_FAILURES: 3, BREAKER_OPEN_MS: 60_000 } as EdgeEnv;
  function storeFor(t: string) {
    const items = Array.from({ length: 30 }, (_, i) => `v${i}`);
    const data = new Map<string, unknown>([
      [FeatureKeys.hotListMeta(t, 'feed'), JSON.stringify({ version: 7, builtAt: new Date(NOW).toISOString(), source: 'test', size: 30 })],
      [FeatureKeys.itemMetaVersion(t), '3'],
      [FeatureKeys.hotList(t, 'feed'), items.map((id, i) => [id, 100 - i])],
      [FeatureKeys.freshItems(t), items.slice(0, 5).map((id, i) => [id, NOW - 60_000 * (i + 1)])],
      [FeatureKeys.userRecent(t, 'u1'), [['v0', NOW - 1000]]],
      [FeatureKeys.itemMeta(t), Object.fromEntries(items.map((id) => [id, JSON.stringify({ s: 'published', p: NOW - 3_600_000, u: null, c: ['news'], a: 'free' })]))],
    ]);
    return new MemoryStore(data);
  }
  const cfg = (t: string) => ScenarioConfig.parse({ tenantId: t, scenario: 'feed', recall: [{ name: 'hot', weight: 1, size: 30 }, { name: 'fresh', weight: 0.5, size: 5 }], rerank: { filterSeen: true } });
  const input = (t: string) => ({ tenant: t, scenario: 'feed', user: 'u1', n: 10, cfg: cfg(t), nowMs: NOW, debug: true });

  it('serves 10 items marked degraded with the reason; a cold tenant fails; the breaker stops calling the dead store', async () => {
    const mem = storeFor('deg-a');
    // The breaker is the isolate's `feature-store` one, as in production.
    const store = new GuardedStore(mem, cfgEnv);
    const healthy = await runPipeline(store, env.MODELS, input('deg-a'));
    expect(healthy.degraded).toBeUndefined();
    expect(healthy.items).toHaveLength(10);
    expect(healthy.items.map((i) => i.itemId)).not.toContain('v0'); // seen item filtered while healthy

    mem.down = true;
    const callsBefore = mem.calls;
    const out = await runPipeline(store, env.MODELS, input('deg-a'));
    expect(out.items).toHaveLength(10);
    expect(out.snapshotVersion).toBe(7);
    expect(out.degraded).toMatch(/feature store unreachable: fetch failed/);
    expect(out.traces.find((t) => t.stage === 'recall.hot')).toMatchObject({ candidates: 30 });
    expect(out.traces.find((t) => t.stage === 'feature_store')).toMatchObject({ fallback: true, note: expect.stringContaining('degraded') });

    // A tenant this isolate never served has nothing cached: the route answers 503.
    await expect(runPipeline(store, env.MODELS, input('deg-cold'))).rejects.toBeInstanceOf(FeatureStoreDown);
    // A third consecutive failure opens the breaker: no more calls reach the store, answers stay degraded.
    expect(mem.calls - callsBefore).toBe(2);
    expect((await runPipeline(store, env.MODELS, input('deg-a'))).degraded).toMatch(/unreachable/);
    const during = mem.calls;
    for (let i = 0; i < 5; i++) {
      const r = await runPipeline(store, env.MODELS, input('deg-a'));
      expect(r.items).toHaveLength(10);
      expect(r.degraded).toMatch(/circuit open/);
    }
    expect(mem.calls).toBe(during);
    const cold = await runPipeline(store, env.MODELS, input('deg-cold')).catch((e: unknown) => e);
    expect(cold).toBeInstanceOf(FeatureStoreDown);
    expect((cold as FeatureStoreDown).retryAfterSeconds).toBeGreaterThanOrEqual(1);
  });
});

describe('breakers at the routes', () => {
  it('events: the ingest breaker opens after consecutive failures; still 503 + Retry-After, nothing accepted; state in the metrics', async () => {
    const sup = await provisionTenant('brk-events');
    const ev = (_i: number) => ({ eventId: uuidv7(), tenantId: 'brk-events', eventTime: new Date().toISOString(), schemaVersion: SCHEMA_VERSION, type: 'click', userId: 'u1', itemId: 'i1' });
    for (let i = 0; i < 7; i++) {
      const res = await SELF.fetch('https://edge.test/v1/events', json('POST', sup.apiKey, { events: [ev(i)] }));
      expect(res.status).toBe(503);
      expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(ErrorBody.parse(await res.json()).error.code).toBe('upstream_unavailable');
    }
    const m = await SELF.fetch('https://edge.test/v1/platform/metrics', { headers: { authorization: `Bearer ${env.ADMIN_API_KEY}` } });
    const text = await m.text();
    expect(text).toMatch(/edge_breaker_state\{breaker="ingest"\} 2/);
    expect(Number(/edge_breaker_rejected_total\{breaker="ingest"\} (\d+)/.exec(text)?.[1])).toBeGreaterThanOrEqual(2);
  });
});
