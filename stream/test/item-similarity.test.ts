import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { Redis } from 'ioredis';
import { createClickHouse } from '@vidplat/analytics';
import { eventRawRow, FeatureKeys, ItemSimilarityRunSummary, SnapshotMeta } from '@vidplat/contracts';
import { syntheticEvents } from '@vidplat/devstack/demo/synthetic-events';
import type {} from '@vidplat/devstack/vitest-global-setup';
import { itemNeighboursMetaKey } from '../src/features/snapshot-writer.js';
import { REPO_ROOT } from './helpers.js';
import { Ease, easeNeighbourLists, easeUserLists, ndcg10 } from '../src/similarity/ease.js';
import { chooseUserCfBlend } from '../src/similarity/user-cf-blend.js';
import { InteractionMatrix } from '../src/similarity/interaction-matrix.js';
import { userCfLists } from '../src/similarity/user-cf.js';

/** The item-CF CLI against real ClickHouse and Redis: neighbours in both, progress on stderr. */
const { env } = inject('stack');
const tenant = `sim-${Date.now().toString(36)}`;
const ch = createClickHouse({ url: env.CLICKHOUSE_URL!, database: env.CLICKHOUSE_DATABASE! });
const redis = new Redis(env.REDIS_URL!);
afterAll(async () => {
  await ch.close();
  redis.disconnect();
});

const cli = (args: string[]) =>
  new Promise<{ stdout: string; stderr: string }>((resolve, reject) =>
    execFile(process.execPath, ['--import', 'tsx', join(REPO_ROOT, 'stream/src/similarity/cli.ts'), ...args], { cwd: REPO_ROOT, env: { ...process.env, ...env }, timeout: 60_000 }, (err, stdout, stderr) =>
      err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve({ stdout, stderr }),
    ),
  );

describe('item similarity CLI', () => {
  it('builds cosine top-K neighbours per item into ClickHouse and the feature store', async () => {
    const events = syntheticEvents({ tenants: [tenant], users: 30, items: 12, count: 1500, seed: 9, startMs: Date.UTC(2026, 10, 23, 12) });
    await ch.insert({ table: 'events_raw', values: events.map((e, i) => eventRawRow(e, 0, String(i), new Date())), format: 'JSONEachRow' });

    const { stdout, stderr } = await cli(['--tenant', tenant, '--top-k', '5', '--model', 'cosine']);
    const summary = ItemSimilarityRunSummary.parse(JSON.parse(stdout.trim().split('\n').pop()!));
    expect(summary.tenantId).toBe(tenant);
    expect(summary.model).toBe('cosine');
    expect(stderr).toMatch(/item-cf .* \[#+\] 100% 30\/30/);

    // Reference cosine for one pair, straight from the events.
    const users = new Map<string, Set<string>>();
    for (const e of events) if (e.type !== 'impression') users.set(e.itemId, (users.get(e.itemId) ?? new Set()).add(e.userId));
    const [i, j] = ['v0', 'v1'];
    const co = [...users.get(i)!].filter((u) => users.get(j)!.has(u)).length;
    const cosine = co / Math.sqrt(users.get(i)!.size * users.get(j)!.size);

    const r = await ch.query({
      query: 'SELECT item_id, neighbour_id, score FROM item_similarity FINAL WHERE tenant_id = {t:String} AND version = {v:UInt64} ORDER BY item_id, score DESC',
      query_params: { t: tenant, v: summary.version },
      format: 'JSONEachRow',
    });
    const rows = await r.json<{ item_id: string; neighbour_id: string; score: number }>();
    expect(new Set(rows.map((x) => x.item_id)).size).toBe(summary.items);
    expect(Math.max(...[...new Set(rows.map((x) => x.item_id))].map((it) => rows.filter((x) => x.item_id === it).length))).toBeLessThanOrEqual(5);
    const nbrs = await redis.zrange(FeatureKeys.itemNeighbours(tenant, i), 0, -1, 'REV', 'WITHSCORES');
    expect(nbrs.length / 2).toBe(rows.filter((x) => x.item_id === i).length);
    const pair = rows.find((x) => x.item_id === i && x.neighbour_id === j);
    expect(pair, 'v0–v1 are among each other’s top 5').toBeDefined();
    expect(pair!.score).toBeCloseTo(cosine, 12);
    expect(Number(nbrs[1])).toBeCloseTo(rows.find((x) => x.item_id === i)!.score, 12);
    const meta = SnapshotMeta.parse(JSON.parse((await redis.get(itemNeighboursMetaKey(tenant)))!));
    expect(meta).toMatchObject({ version: summary.version, source: 'item-similarity', size: summary.items });
  });

  it('publishes EASE weights by default: the lists equal the closed form on the same interactions', async () => {
    const t2 = `${tenant}-ease`;
    const events = syntheticEvents({ tenants: [t2], users: 30, items: 12, count: 1500, seed: 11, startMs: Date.UTC(2026, 10, 23, 12) });
    await ch.insert({ table: 'events_raw', values: events.map((e, i) => eventRawRow(e, 0, String(i), new Date())), format: 'JSONEachRow' });
    const { stdout } = await cli(['--tenant', t2, '--top-k', '5', '--ease-lambda', '5']);
    const summary = ItemSimilarityRunSummary.parse(JSON.parse(stdout.trim().split('\n').pop()!));
    expect(summary).toMatchObject({ tenantId: t2, model: 'ease', lambda: 5 });
    const expected = new Ease(new InteractionMatrix(events.filter((e) => e.type !== 'impression').map((e) => ({ user: e.userId, item: e.itemId, ts: 0, weight: 1 }))), 5).neighbours(5);
    expect(summary.items).toBe(expected.size);
    for (const item of ['v0', 'v3']) {
      const got = await redis.zrange(FeatureKeys.itemNeighbours(t2, item), 0, -1, 'REV', 'WITHSCORES');
      const want = expected.get(item)!;
      expect(got.length / 2).toBe(want.length);
      for (let k = 0; k < want.length; k++) {
        expect(Number(got[2 * k + 1])).toBeCloseTo(want[k]!.score, 9);
        // Equal scores may come back in either order from the sorted set: compare the score's item set.
        expect(want.filter((w) => Math.abs(w.score - want[k]!.score) < 1e-12).map((w) => w.itemId)).toContain(got[2 * k]);
      }
    }
  });

  it('publishes each user\'s user-CF list from the same interactions (EASE whole-history scores; user-kNN under the cosine build)', async () => {
    for (const model of ['ease', 'cosine'] as const) {
      const t3 = `${tenant}-ucf-${model}`;
      const events = syntheticEvents({ tenants: [t3], users: 30, items: 40, count: 600, seed: 13, startMs: Date.UTC(2026, 10, 23, 12) });
      await ch.insert({ table: 'events_raw', values: events.map((e, i) => eventRawRow(e, 0, String(i), new Date())), format: 'JSONEachRow' });
      const { stdout } = await cli(['--tenant', t3, '--top-k', '5', '--ease-lambda', '5', '--model', model]);
      const summary = ItemSimilarityRunSummary.parse(JSON.parse(stdout.trim().split('\n').pop()!));
      const xs = events.filter((e) => e.type !== 'impression').map((e) => ({ user: e.userId, item: e.itemId, ts: 0, weight: 1 }));
      const expected = model === 'ease' ? easeUserLists(new Ease(new InteractionMatrix(xs), 5), 100) : userCfLists(xs);
      expect(summary.userCf).toEqual({ users: expected.size, model: model === 'ease' ? 'ease' : 'knn' });
      expect(expected.size).toBeGreaterThan(20);
      for (const user of [...expected.keys()].slice(0, 3)) {
        const got = await redis.zrange(FeatureKeys.userCf(t3, user), 0, -1, 'REV', 'WITHSCORES');
        const want = expected.get(user)!;
        expect(got.length / 2).toBe(want.length);
        const seen = new Set(events.filter((e) => e.userId === user && e.type !== 'impression').map((e) => e.itemId));
        for (let k = 0; k < want.length; k++) {
          expect(Number(got[2 * k + 1])).toBeCloseTo(want[k]!.score, 9);
          expect(seen.has(got[2 * k]!), 'a user-CF list never holds the user\'s own items').toBe(false);
        }
        expect(await redis.ttl(FeatureKeys.userCf(t3, user))).toBeGreaterThan(0);
      }
      const meta = SnapshotMeta.parse(JSON.parse((await redis.get(FeatureKeys.userCfMeta(t3)))!));
      expect(meta).toMatchObject({ version: summary.version, size: expected.size });
    }
  });

  it('with λ chosen on its validation split, publishes the EASE + iALS user-CF blend chosen on that split (what eval:recs scores)', async () => {
    const t4 = `${tenant}-blend`;
    // A data set on which the validation split picks iALS (weight > 0), so the blend path runs.
    const events = syntheticEvents({ tenants: [t4], users: 40, items: 60, count: 1200, seed: 26, startMs: Date.UTC(2026, 10, 23, 12) });
    await ch.insert({ table: 'events_raw', values: events.map((e, i) => eventRawRow(e, 0, String(i), new Date())), format: 'JSONEachRow' });
    const { stdout } = await cli(['--tenant', t4, '--top-k', '5']);
    const summary = ItemSimilarityRunSummary.parse(JSON.parse(stdout.trim().split('\n').pop()!));
    // The job's interactions: each user's distinct items by their latest event, newest first (ts = −rank).
    const latest = new Map<string, Map<string, number>>();
    for (const e of events) {
      if (e.type === 'impression') continue;
      const m = latest.get(e.userId) ?? latest.set(e.userId, new Map()).get(e.userId)!;
      m.set(e.itemId, Math.max(m.get(e.itemId) ?? -Infinity, Date.parse(e.eventTime)));
    }
    const xs = [...latest].flatMap(([user, m]) => [...m].sort((a, b) => b[1] - a[1]).map(([item], k) => ({ user, item, ts: -k, weight: 1 })));
    const ease = easeNeighbourLists(xs, 5)!;
    const choice = chooseUserCfBlend(ease.model, ease.inner!, ndcg10);
    const expected = choice.blend.lists(100);
    expect(choice.weight).toBeGreaterThan(0);
    expect(summary).toMatchObject({ tenantId: t4, model: 'ease', lambda: ease.lambda, userCf: { users: expected.size, model: 'ease', ialsWeight: choice.weight } });
    for (const user of [...expected.keys()].slice(0, 3)) {
      const got = await redis.zrange(FeatureKeys.userCf(t4, user), 0, -1, 'REV', 'WITHSCORES');
      const want = expected.get(user)!;
      expect(got.length / 2).toBe(want.length);
      for (let k = 0; k < want.length; k++) {
        expect(Number(got[2 * k + 1])).toBeCloseTo(want[k]!.score, 9);
        expect(want.filter((w) => Math.abs(w.score - want[k]!.score) < 1e-12).map((w) => w.itemId)).toContain(got[2 * k]);
      }
    }
  });
});
