import { afterAll, describe, expect, inject, it } from 'vitest';
import { Redis } from 'ioredis';
import { createClickHouse } from '@vidplat/analytics';
import { CreatedApiKey, FeatureKeys, SnapshotMeta } from '@vidplat/contracts';
import { postDemoTraffic } from '@vidplat/devstack/demo/stream';
import type {} from '@vidplat/devstack/vitest-global-setup';
import { eventually } from './helpers.js';

/**
 * The demo path end to end on the dev stack's own services: the stream seeder posts live traffic
 * to the edge (POST /v1/events → ingest → Kafka), and the registered item-heat, user-profiles and
 * realtime-metrics services turn it into ClickHouse rows and feature snapshots the edge reads.
 */
const { env, urls } = inject('stack');
const ch = createClickHouse({ url: env.CLICKHOUSE_URL!, database: env.CLICKHOUSE_DATABASE! });
const redis = new Redis(env.REDIS_URL!);
afterAll(async () => {
  await ch.close();
  redis.disconnect();
});

const rows = async (table: string, tenant: string) => {
  const r = await ch.query({ query: `SELECT count() AS n FROM ${table} FINAL WHERE tenant_id = {t:String}`, query_params: { t: tenant }, format: 'JSONEachRow' });
  return Number((await r.json<{ n: string }>())[0]!.n);
};

describe('stream demo traffic through the running services', () => {
  it('the seeder’s events become window rows in ClickHouse and a hot list the edge can read', async () => {
    const tenantId = `demo-${Date.now().toString(36)}`;
    const res = await fetch(`${urls.edge}/v1/platform/tenants`, {
      method: 'POST',
      headers: { authorization: `Bearer ${env.ADMIN_API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ tenantId, name: tenantId, permissions: ['act_as_user'] }),
    });
    expect(res.status).toBe(201);
    const key = CreatedApiKey.parse(await res.json());
    const lines: string[] = [];
    const t0 = Date.now();
    // The last 90 minutes, as the seeder posts them: a new tenant has its own watermarks, so other
    // tests' traffic on the shared partitions does not make it late (and the door refuses the future).
    const ctx = { edgeUrl: urls.edge!, env, tenants: [{ tenantId, name: tenantId, template: 'vlog' as const, superKey: key.apiKey }], log: (l: string) => lines.push(l) };
    await postDemoTraffic(ctx, Date.now());
    expect(Date.now() - t0).toBeLessThan(10_000);
    expect(lines.join('\n')).toContain(`${tenantId} 1500 live events`);

    const meta = await eventually(() => redis.get(FeatureKeys.hotListMeta(tenantId, 'feed')), (v) => v !== null, 60_000);
    expect(SnapshotMeta.parse(JSON.parse(meta!)).source).toBe('item-heat');
    expect(await redis.zcard(FeatureKeys.hotList(tenantId, 'feed'))).toBeGreaterThan(0);
    expect(await eventually(() => rows('metrics_windows', tenantId), (n) => n > 0, 30_000)).toBeGreaterThan(0);
    expect(await eventually(() => rows('user_profile_windows', tenantId), (n) => n > 0, 30_000)).toBeGreaterThan(0);
    // The recommend path answers from the snapshot once the scenario exists (the recommend seeder creates it in the demo).
    const auth = { authorization: `Bearer ${key.apiKey}`, 'content-type': 'application/json' };
    const scn = await fetch(`${urls.edge}/v1/scenarios`, { method: 'POST', headers: auth, body: JSON.stringify({ scenario: 'feed', template: 'vlog' }) });
    expect(scn.status).toBe(201);
    const rec = await fetch(`${urls.edge}/v1/recommend?tenant=${tenantId}&scenario=feed&user=u1&n=5`, { headers: auth });
    expect(rec.status).toBe(200);
    expect(await rec.json()).toMatchObject({ tenant: tenantId, scenario: 'feed' });
  });
});
