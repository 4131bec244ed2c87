import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { refreshHold, SwrCache } from '../src/tenancy/swr-cache.js';
import { createKey, json, provisionTenant } from './helpers.js';

/** A loader whose calls are counted and whose results the test releases one by one. */
function gatedLoader() {
  const pending: Array<{ resolve: (v: string) => void; reject: (e: Error) => void }> = [];
  const load = () => new Promise<string>((resolve, reject) => pending.push({ resolve, reject }));
  return { load, pending };
}

describe('SwrCache (refresh-ahead, single-flight)', () => {
  it('serves a fresh value without reloading', async () => {
    const c = new SwrCache<string>(100, 200);
    let calls = 0;
    const load = async () => `v${++calls}`;
    expect(await c.get('k', load, undefined, 0)).toBe('v1');
    expect(await c.get('k', load, undefined, 99)).toBe('v1');
    expect(calls).toBe(1);
  });

  it('bench-only refresh hold: a filled entry is served without reloading, an absent one still loads', async () => {
    const c = new SwrCache<string>(100, 200);
    let calls = 0;
    const load = async () => `v${++calls}`;
    refreshHold.frozen = true;
    try {
      expect(await c.get('k', load, undefined, 0)).toBe('v1');
      expect(await c.get('k', load, undefined, 10_000)).toBe('v1');
      expect(await c.get('other', load, undefined, 10_000)).toBe('v2');
      expect(calls).toBe(2);
    } finally {
      refreshHold.frozen = false;
    }
    expect(await c.get('k', load, undefined, 10_000)).toBe('v3');
  });

  it('cold miss: concurrent callers share one load', async () => {
    const c = new SwrCache<string>(100, 200);
    const g = gatedLoader();
    const a = c.get('k', g.load, undefined, 0);
    const b = c.get('k', g.load, undefined, 1);
    expect(g.pending).toHaveLength(1);
    g.pending[0]!.resolve('v1');
    expect(await Promise.all([a, b])).toEqual(['v1', 'v1']);
  });

  it('stale: serves the old value at once, reloads once in the background via waitUntil', async () => {
    const c = new SwrCache<string>(100, 200);
    let calls = 0;
    await c.get('k', async () => `v${++calls}`, undefined, 0);
    const g = gatedLoader();
    const kept: Promise<unknown>[] = [];
    const waitUntil = (p: Promise<unknown>) => void kept.push(p);
    expect(await c.get('k', g.load, waitUntil, 150)).toBe('v1');
    expect(await c.get('k', g.load, waitUntil, 151)).toBe('v1');
    expect(g.pending).toHaveLength(1);
    expect(kept).toHaveLength(1);
    g.pending[0]!.resolve('v2');
    await Promise.all(kept);
    // Fresh again, counted from when the reload started.
    expect(await c.get('k', g.load, waitUntil, 249)).toBe('v2');
    expect(g.pending).toHaveLength(1);
  });

  it('never serves a value older than maxAge: the caller waits for the reload', async () => {
    const c = new SwrCache<string>(100, 200);
    await c.get('k', async () => 'old', undefined, 0);
    const g = gatedLoader();
    const r = c.get('k', g.load, undefined, 200);
    expect(g.pending).toHaveLength(1);
    g.pending[0]!.resolve('new');
    expect(await r).toBe('new');
  });

  it('a failed background reload keeps the value and the next request retries', async () => {
    const c = new SwrCache<string>(100, 200);
    await c.get('k', async () => 'v1', undefined, 0);
    const kept: Promise<unknown>[] = [];
    expect(await c.get('k', () => Promise.reject(new Error('D1 down')), (p) => void kept.push(p), 150)).toBe('v1');
    await Promise.all(kept);
    expect(await c.get('k', async () => 'v2', (p) => void kept.push(p), 160)).toBe('v1');
    await Promise.all(kept);
    expect(await c.get('k', async () => 'v3', undefined, 170)).toBe('v2');
  });

  it('a cold-miss failure reaches every waiter and is not cached', async () => {
    const c = new SwrCache<string>(100, 200);
    const g = gatedLoader();
    const a = c.get('k', g.load, undefined, 0);
    const b = c.get('k', g.load, undefined, 0);
    g.pending[0]!.reject(new Error('D1 down'));
    await expect(a).rejects.toThrow('D1 down');
    await expect(b).rejects.toThrow('D1 down');
    expect(await c.get('k', async () => 'v1', undefined, 1)).toBe('v1');
  });

  it('delete during a reload: the reload result (read before the write) is not stored', async () => {
    const c = new SwrCache<string>(100, 200);
    const g = gatedLoader();
    const r = c.get('k', g.load, undefined, 0);
    c.delete('k');
    g.pending[0]!.resolve('before-write');
    expect(await r).toBe('before-write');
    expect(await c.get('k', async () => 'after-write', undefined, 1)).toBe('after-write');
  });
});

describe('API key cache', () => {
  it('a key revoked through this isolate stops working at once, though it was cached', async () => {
    const sup = await provisionTenant('tenant-swr-revoke');
    const admin = await createKey(sup.apiKey, 'admin');
    const url = 'https://edge.test/v1/recommend?tenant=tenant-swr-revoke&scenario=none&user=u1';
    // Authenticated (and now cached): the scenario is unknown, so 404 rather than 401.
    expect((await SELF.fetch(url, json('GET', admin.apiKey))).status).toBe(404);
    expect((await SELF.fetch(`https://edge.test/v1/admin/api-keys/${admin.keyId}`, json('DELETE', sup.apiKey))).status).toBe(204);
    const after = await SELF.fetch(url, json('GET', admin.apiKey));
    expect(after.status).toBe(401);
    expect(((await after.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
    // The other keys of the tenant still work.
    expect((await SELF.fetch(url, json('GET', sup.apiKey))).status).toBe(404);
  });
});
