import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Redis } from 'ioredis';
import { ErrorBody, FeatureKeys, ItemImportResponse, RecommendResponse, RelatedItemsResponse, SCHEMA_VERSION, uuidv7 } from '@vidplat/contracts';
import { FeatureSnapshotWriter } from '@vidplat/stream/features/snapshot-writer';
import type {} from '@vidplat/devstack/vitest-global-setup';

/**
 * The real-time loop end to end: events posted to `wrangler dev`, forwarded to the ingest (and so
 * to Kafka), recorded in the feature store (Redis behind the Upstash bridge) as the user's recent
 * actions, and the user's very next recommend reflecting them: a disliked item is gone, a clicked
 * or played item is gone, and the clicked item seeds the item-CF channel.
 */
const { env, urls } = inject('stack');
const redis = new Redis(env.REDIS_URL!);
afterAll(() => redis.disconnect());

const tenant = `rt-e2e-${Date.now()}`;
let key = '';
const hdr = () => ({ authorization: `Bearer ${key}`, 'content-type': 'application/json' });
const rec = async (user: string) => {
  const res = await fetch(`${urls.edge}/v1/recommend?tenant=${tenant}&scenario=feed&user=${user}&n=10&debug=1`, { headers: hdr() });
  expect(res.status, await res.clone().text()).toBe(200);
  return RecommendResponse.parse(await res.json());
};
const event = (type: string, user: string, itemId: string, extra: Record<string, unknown> = {}) => ({
  eventId: uuidv7(),
  tenantId: tenant,
  eventTime: new Date().toISOString(),
  schemaVersion: SCHEMA_VERSION,
  userId: user,
  itemId,
  type,
  ...extra,
});
const post = (events: unknown[]) => fetch(`${urls.edge}/v1/events`, { method: 'POST', headers: hdr(), body: JSON.stringify({ events }) });
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
        { name: 'hot', weight: 1, size: 60 },
        { name: 'item_cf', weight: 3, size: 20 },
      ],
      rerank: { diversityLambda: 1, freshnessBoost: 0, freshnessHalfLifeHours: 48, filterSeen: true, maxPerCategory: 10 },
    }),
  });
  expect(scn.status).toBe(201);
  const now = Date.now();
  const lines = Array.from({ length: 60 }, (_, i) =>
    JSON.stringify({ itemId: `v${i}`, kind: 'video', title: `Item ${i}`, categories: [cats[i % 4]], state: 'published', publishedAt: new Date(now - 3_600_000).toISOString() }),
  );
  const imp = await fetch(`${urls.edge}/v1/items/import`, { method: 'POST', headers: { ...hdr(), 'content-type': 'application/x-ndjson' }, body: lines.join('\n') });
  expect(ItemImportResponse.parse(await imp.json())).toMatchObject({ accepted: 60, rejected: [], featureSync: 'done' });
  await new FeatureSnapshotWriter(redis, 'realtime-test').publishHotList(tenant, 'feed', Array.from({ length: 60 }, (_, i) => ({ itemId: `v${i}`, score: 1000 - i })));
  // Item-CF neighbours of v1 (the item the user will click): deep in the hot list, so only item-CF brings them up.
  await redis.zadd(FeatureKeys.itemNeighbours(tenant, 'v1'), 0.9, 'v51', 0.8, 'v52', 0.7, 'v53');
});

describe('the user\'s own events change their next recommendation', () => {
  it('a dislike removes the item from the very next answer; a click removes it and seeds item-CF; a play_start removes it', async () => {
    const user = 'u-rt';
    const first = await rec(user);
    const ids = first.items.map((i) => i.itemId);
    expect(ids.slice(0, 3)).toEqual(['v0', 'v1', 'v2']);
    expect(first.debug!.find((d) => d.stage === 'recall.item_cf')!.note).toMatch(/cold start/);

    // dislike v0: 202, and the next request (issued at once) no longer has it.
    const t0 = Date.now();
    const dis = await post([event('dislike', user, 'v0')]);
    expect(dis.status, await dis.clone().text()).toBe(202);
    const afterDislike = await rec(user);
    const elapsed = Date.now() - t0;
    expect(afterDislike.items.map((i) => i.itemId)).not.toContain('v0');
    expect(afterDislike.debug!.find((d) => d.stage === 'merge')!.note).toMatch(/1 disliked\/hidden/);
    console.log(`dislike posted → next recommend answered without it: ${elapsed} ms`);

    // click v1: gone from the next answer, and item-CF is seeded by it (its neighbours recalled).
    expect((await post([event('click', user, 'v1')])).status).toBe(202);
    const afterClick = await rec(user);
    const clickIds = afterClick.items.map((i) => i.itemId);
    expect(clickIds).not.toContain('v1');
    expect(clickIds).not.toContain('v0');
    const cf = afterClick.debug!.find((d) => d.stage === 'recall.item_cf')!;
    expect(cf.items!.map((x) => x.itemId)).toEqual(['v51', 'v52', 'v53']);
    expect(afterClick.items.find((i) => i.itemId === 'v51')?.channels).toContain('item_cf');

    // play_start v2: gone as well.
    expect((await post([event('play_start', user, 'v2', { positionSeconds: 0, durationSeconds: 120 })])).status).toBe(202);
    const afterPlay = await rec(user);
    expect(afterPlay.items.map((i) => i.itemId)).not.toContain('v2');

    // Another user is untouched.
    expect((await rec('someone-else')).items.slice(0, 3).map((i) => i.itemId)).toEqual(['v0', 'v1', 'v2']);
  });

  it('an item shown three times without engagement is demoted for that user only', async () => {
    const user = 'u-fatigue';
    expect((await rec(user)).items[0]!.itemId).toBe('v0');
    expect((await post([1, 2, 3].map(() => event('impression', user, 'v0')))).status).toBe(202);
    const r = await rec(user);
    expect(r.items[0]!.itemId).not.toBe('v0');
    expect(r.debug!.find((d) => d.stage === 'rank')!.note).toMatch(/fatigued 1/);
  });

  it('an unknown event type is refused with 400 naming the field; nothing of it is recorded', async () => {
    const res = await post([event('teleport', 'u-bad', 'v3')]);
    expect(res.status).toBe(400);
    const body = (await res.json()) as { error: { code: string; field?: string }; accepted: number };
    expect(body.error.field).toBe('events.0.type');
    expect(body.accepted).toBe(0);
    expect(await redis.llen(FeatureKeys.userActions(tenant, 'u-bad'))).toBe(0);
  });
});

describe('related items through the edge', () => {
  it('returns the item\'s neighbours, filtered like recommend; unknown id → 404; bad n → 400 naming it', async () => {
    await fetch(`${urls.edge}/v1/items/v52/publish-state`, { method: 'POST', headers: hdr(), body: JSON.stringify({ state: 'unpublished' }) });
    const res = await fetch(`${urls.edge}/v1/items/v1/related?n=5&scenario=feed`, { headers: hdr() });
    expect(res.status, await res.clone().text()).toBe(200);
    const r = RelatedItemsResponse.parse(await res.json());
    expect(r.itemId).toBe('v1');
    expect(r.items.map((i) => i.itemId)).toEqual(['v51', 'v53']);
    expect(r.items[0]!.channels).toContain('item_cf');

    const missing = await fetch(`${urls.edge}/v1/items/no-such-item/related`, { headers: hdr() });
    expect(missing.status).toBe(404);
    expect(ErrorBody.parse(await missing.json()).error.field).toBe('itemId');
    const bad = await fetch(`${urls.edge}/v1/items/v1/related?n=0`, { headers: hdr() });
    expect(bad.status).toBe(400);
    expect(ErrorBody.parse(await bad.json()).error.field).toBe('n');
    const otherScenario = await fetch(`${urls.edge}/v1/items/v1/related?scenario=nope`, { headers: hdr() });
    expect(otherScenario.status).toBe(404);
  });
});
