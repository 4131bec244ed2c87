import { afterAll, describe, expect, inject, it } from 'vitest';
import { createClickHouse } from '@vidplat/analytics';
import { ModelPointer, RANKING_FEATURE_COUNT, RecommendResponse, uuidv7 } from '@vidplat/contracts';
import { loadTrainingEvents, publishArtefacts, trainRanking } from '../src/training/trainer.js';
import type {} from '@vidplat/devstack/vitest-global-setup';

/**
 * The model pipeline against the real ClickHouse and `wrangler dev`: impressions and clicks in
 * events_raw → trainer → ONNX + embeddings uploaded through the edge (verified, versioned in KV)
 * → the next recommend requests rank with the new version, without a deploy.
 */
const { env, urls } = inject('stack');
const ch = createClickHouse({ url: env.CLICKHOUSE_URL!, database: env.CLICKHOUSE_DATABASE! });
afterAll(() => ch.close());

describe('offline trainer → ONNX → edge', () => {
  it('trains on ClickHouse impressions/clicks, uploads a verified model, and the edge ranks with it', async () => {
    const tenant = `train-${Date.now()}`;
    // 60 users in 4 taste groups of 50 items; impressions of anything, clicks on the group's items.
    const rows: Record<string, unknown>[] = [];
    const start = Date.now() - 9 * 86_400_000;
    let seq = 0;
    const row = (user: string, item: string, type: string, ts: number) => {
      const t = new Date(ts).toISOString().replace('T', ' ').replace('Z', '');
      rows.push({ event_id: uuidv7(ts), tenant_id: tenant, user_id: user, item_id: item, type, scenario: 'feed', experiment_id: '', variant: '', event_time: t, ingest_time: t, watched_seconds: 0, payload: '{}', kafka_partition: 0, kafka_offset: seq++ });
    };
    for (let u = 0; u < 60; u++) {
      const g = u % 4;
      for (let k = 0; k < 40; k++) {
        const ts = start + k * 5 * 3_600_000 + u * 1000;
        const own = `i${g * 50 + ((k * 7 + u) % 50)}`;
        const other = `i${((g + 1 + (k % 3)) % 4) * 50 + ((k * 3 + u) % 50)}`;
        row(`u${u}`, own, 'impression', ts);
        row(`u${u}`, other, 'impression', ts);
        row(`u${u}`, own, k % 3 ? 'click' : 'play_start', ts + 5000);
      }
    }
    await ch.insert({ table: 'events_raw', values: rows, format: 'JSONEachRow' });

    const ev = await loadTrainingEvents(ch, tenant, 30);
    expect(ev.impressions).toHaveLength(60 * 40 * 2);
    expect(ev.interactions).toHaveLength(60 * 40);
    const trained = trainRanking(ev)!;
    expect(trained).not.toBeNull();
    expect(trained.positives).toBeGreaterThan(0);
    expect(trained.auc).toBeGreaterThan(0.6);
    // Trained here, before any request: seconds of synchronous training between two fetches let
    // the server close an idle keep-alive socket that undici then reuses ("other side closed").
    const deep = trainRanking(ev, 48, { ranker: 'wide_deep' })!;
    expect(deep.kind).toBe('wide_deep');
    expect(deep.deep!.deepSteps).toBeGreaterThan(0);

    // A tenant with a scenario that ranks with model "ctr".
    const prov = await fetch(`${urls.edge}/v1/platform/tenants`, {
      method: 'POST',
      headers: { authorization: `Bearer ${env.ADMIN_API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ tenantId: tenant, name: tenant, permissions: ['act_as_user'] }),
    });
    const key = ((await prov.json()) as { apiKey: string }).apiKey;
    const h = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
    await fetch(`${urls.edge}/v1/scenarios`, { method: 'POST', headers: h, body: JSON.stringify({ scenario: 'feed', template: 'music', rankingModel: 'ctr' }) });
    const items = Array.from({ length: 200 }, (_, i) => JSON.stringify({ itemId: `i${i}`, kind: 'track', title: `Track ${i}`, categories: [`g${Math.floor(i / 50)}`], state: 'published' }));
    await fetch(`${urls.edge}/v1/items/import`, { method: 'POST', headers: { ...h, 'content-type': 'application/x-ndjson' }, body: items.join('\n') });

    await publishArtefacts(urls.edge!, key, 'ctr', 'v20261125', trained);
    const ptr = ModelPointer.parse({ ...((await (await fetch(`${urls.edge}/v1/models/ctr`, { headers: h })).json()) as object) });
    expect(ptr.version).toBe('v20261125');
    expect(ptr.metrics?.auc).toBeCloseTo(trained.auc, 3);

    // A user of group 0 who listened to i0: embedding recall comes from the uploaded vectors, and
    // the ONNX model ranks.
    const { Redis } = await import('ioredis');
    const redis = new Redis(env.REDIS_URL!);
    await redis.zadd(`fs:${tenant}:recent:u0`, Date.now(), 'i0', Date.now() - 1000, 'i1');
    redis.disconnect();
    const r = RecommendResponse.parse(await (await fetch(`${urls.edge}/v1/recommend?tenant=${tenant}&scenario=feed&user=u0&n=10&debug=1`, { headers: h })).json());
    expect(r.model).toBe('ctr@v20261125');
    const emb = r.debug!.find((d) => d.stage === 'recall.embedding')!;
    expect(emb.candidates).toBeGreaterThan(0);
    // Taste: most of the embedding neighbours of group-0 items are group-0 items.
    const group0 = emb.items!.slice(0, 10).filter((x) => Number(x.itemId.slice(1)) < 50).length;
    expect(group0).toBeGreaterThanOrEqual(6);
    expect([0, 1]).toContain(ptr.metrics?.wide_deep);

    // The Wide & Deep ranker (trained above) ships through the same path (same ONNX signature):
    // verified by the edge, and a scenario ranking with it answers with it.
    await fetch(`${urls.edge}/v1/scenarios`, { method: 'POST', headers: h, body: JSON.stringify({ scenario: 'feed_deep', template: 'music', rankingModel: 'ctr_deep' }) });
    await publishArtefacts(urls.edge!, key, 'ctr_deep', 'v20261126', deep);
    const deepPtr = ModelPointer.parse(await (await fetch(`${urls.edge}/v1/models/ctr_deep`, { headers: h })).json());
    expect(deepPtr).toMatchObject({ version: 'v20261126', featureCount: RANKING_FEATURE_COUNT, metrics: { wide_deep: 1 } });
    const rd = RecommendResponse.parse(await (await fetch(`${urls.edge}/v1/recommend?tenant=${tenant}&scenario=feed_deep&user=u0&n=10`, { headers: h })).json());
    expect(rd.model).toBe('ctr_deep@v20261126');
    expect(rd.items.length).toBeGreaterThan(0);
  });
});
