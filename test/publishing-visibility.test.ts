import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createClickHouse } from '@vidplat/analytics';
import { abPublishExperimentId, abVariantOf, ExperimentReport, ItemPage, RecommendResponse, SCHEMA_VERSION, stableBucket, uuidv7, type ScheduleView } from '@vidplat/contracts';
import type {} from '@vidplat/devstack/vitest-global-setup'; // typed inject('stack')

/**
 * Scheduled publishing as users see it, through the real stack (wrangler dev edge, the Scheduler
 * Durable Object, the Redis feature store behind the Upstash bridge, ingest → Kafka → ClickHouse):
 * a 10 % progressive publish in recommend and the item listing for 2,000 users, regional timing,
 * A/B publish with exposures in ClickHouse and promote-winner, and a pinned recommendation slot.
 *
 * The Scheduler's actions are fired with "execute now" (the next due action runs at once), the
 * operator's control for it; the alarm path itself is covered by the edge tests.
 */
const { env, urls } = inject('stack');
const ch = createClickHouse({ url: env.CLICKHOUSE_URL!, database: env.CLICKHOUSE_DATABASE! });
afterAll(() => ch.close());

const tenant = `pubvis-${Date.now()}`;
let key = '';
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: any }> {
  const res = await fetch(`${urls.edge}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}
const recommend = async (user: string, headers: Record<string, string> = {}): Promise<string[]> => {
  const r = await call('GET', `/v1/recommend?tenant=${tenant}&scenario=feed&user=${user}&n=20`, undefined, headers);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return RecommendResponse.parse(r.body).items.map((i) => i.itemId);
};
const listing = async (user: string, q: string, headers: Record<string, string> = {}): Promise<string[]> => {
  const r = await call('GET', `/v1/items?q=${q}&state=published&limit=50`, undefined, { 'x-user-id': user, ...headers });
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return ItemPage.parse(r.body).items.map((i) => i.itemId);
};
/** Runs f over xs, `width` at a time; answers in input order. */
async function pool<T, R>(xs: T[], width: number, f: (x: T) => Promise<R>): Promise<R[]> {
  const out = new Array<R>(xs.length);
  let next = 0;
  await Promise.all(Array.from({ length: width }, async () => {
    while (next < xs.length) {
      const i = next++;
      out[i] = await f(xs[i]!);
    }
  }));
  return out;
}
async function until<T>(f: () => Promise<T>, ok: (v: T) => boolean, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  let v = await f();
  while (!ok(v) && Date.now() < end) {
    await sleep(300);
    v = await f();
  }
  return v;
}
const item = (itemId: string, state = 'draft') => ({ itemId, kind: 'video', title: `Item ${itemId}`, categories: [itemId.split('-')[0]], tags: [], state, publishedAt: new Date(Date.now() - 3_600_000).toISOString() });
async function importItems(items: unknown[]) {
  const res = await fetch(`${urls.edge}/v1/items/import`, {
    method: 'POST',
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/x-ndjson' },
    body: items.map((i) => JSON.stringify(i)).join('\n'),
  });
  expect(res.status, await res.clone().text()).toBe(200);
}
async function schedule(body: Record<string, unknown>): Promise<ScheduleView> {
  const r = await call('POST', '/v1/admin/scheduling/schedules', { scheduledAt: new Date(Date.now() + 3_600_000).toISOString(), ...body });
  expect(r.status, JSON.stringify(r.body)).toBe(201);
  return r.body as ScheduleView;
}
/** Runs the schedule's next due action now (publish, then each step / region in time order). */
async function executeNext(id: string): Promise<ScheduleView> {
  const r = await call('POST', `/v1/admin/scheduling/schedules/${id}/execute`);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body as ScheduleView;
}

beforeAll(async () => {
  const p = await fetch(`${urls.edge}/v1/platform/tenants`, {
    method: 'POST',
    headers: { authorization: `Bearer ${env.ADMIN_API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ tenantId: tenant, name: tenant, permissions: ['act_as_user'] }),
  });
  expect(p.status).toBe(201);
  key = ((await p.json()) as { apiKey: string }).apiKey;
  // Hot + fresh recall with room for every item: an item is in the answer iff it is eligible for the user.
  const scn = await call('POST', '/v1/scenarios', {
    scenario: 'feed',
    template: 'vlog',
    recall: [
      { name: 'hot', weight: 1, size: 50 },
      { name: 'fresh', weight: 1, size: 50 },
    ],
    rerank: { diversityLambda: 0.7, freshnessBoost: 0.2, freshnessHalfLifeHours: 48, filterSeen: true, maxPerCategory: 50 },
  });
  expect(scn.status, JSON.stringify(scn.body)).toBe(201);
  await importItems([...['other-1', 'other-2', 'other-3'].map((i) => item(i, 'published')), item('roll-1'), item('reg-1'), item('cut-a'), item('cut-b')]);
});

describe('scheduled publishing changes what users see (recommend with the Redis feature store, listing)', () => {
  it('10 % progressive: of 2,000 users the share in recommend is in the binomial 99.9 % interval, the same users in the listing; 50 % keeps them', async () => {
    const s = await schedule({
      contentKind: 'video',
      contentId: 'roll-1',
      title: 'rollout',
      strategy: { kind: 'progressive', steps: [{ percent: 10, afterMinutes: 0 }, { percent: 50, afterMinutes: 60 }, { percent: 100, afterMinutes: 120 }] },
    });
    const users = Array.from({ length: 2000 }, (_, i) => `pv-user-${i}`);
    const inBucket = (p: number) => users.filter((u) => stableBucket(tenant, 'roll-1', u) < p);
    expect((await recommend(inBucket(10)[0]!))).not.toContain('roll-1'); // not yet published
    await executeNext(s.id); // the publish at 10 %
    // The publish reaches the feature store and every isolate's copy of the publish states within seconds.
    expect(await until(() => recommend(inBucket(10)[0]!), (ids) => ids.includes('roll-1'))).toContain('roll-1');

    const rec10 = await pool(users, 16, (u) => recommend(u));
    const at10 = users.filter((_, i) => rec10[i]!.includes('roll-1'));
    expect(rec10.every((ids) => ids.includes('other-1'))).toBe(true); // content without a rollout: everyone
    // Binomial(2000, 0.1): mean 200, sd 13.4; 99.9 % two-sided ±3.29 sd → [156, 244].
    expect(at10.length).toBeGreaterThanOrEqual(156);
    expect(at10.length).toBeLessThanOrEqual(244);
    expect(at10).toEqual(inBucket(10)); // exactly the contracts rule's users
    const list10 = await pool(users, 16, (u) => listing(u, 'roll'));
    expect(users.filter((_, i) => list10[i]!.includes('roll-1'))).toEqual(at10);

    await executeNext(s.id); // the 50 % step
    const probe = inBucket(50).find((u) => !at10.includes(u))!;
    expect(await until(() => recommend(probe), (ids) => ids.includes('roll-1'))).toContain('roll-1');
    const rec50 = await pool(users, 16, (u) => recommend(u));
    const at50 = users.filter((_, i) => rec50[i]!.includes('roll-1'));
    expect(at10.filter((u) => !at50.includes(u))).toEqual([]); // raising the percent keeps everyone in
    // Binomial(2000, 0.5): sd 22.4 → [927, 1073].
    expect(at50.length).toBeGreaterThanOrEqual(927);
    expect(at50.length).toBeLessThanOrEqual(1073);
    const list50 = await pool(users, 16, (u) => listing(u, 'roll'));
    expect(users.filter((_, i) => list50[i]!.includes('roll-1'))).toEqual(at50);
  }, 900_000);

  it('regional: visible in region A at its local time, not yet in region B (recommend and listing)', async () => {
    // Tokyo 09:00 comes 8 hours before Berlin 09:00 (winter), on a date ahead.
    const s = await schedule({
      contentKind: 'video',
      contentId: 'reg-1',
      scheduledAt: '2031-01-10T00:00:00.000Z',
      title: 'regional',
      strategy: { kind: 'regional', regions: [{ region: 'jp', localTime: '09:00', timeZone: 'Asia/Tokyo' }, { region: 'de', localTime: '09:00', timeZone: 'Europe/Berlin' }] },
    });
    await executeNext(s.id); // Tokyo's 09:00 (the earliest action)
    const jp = { 'x-region': 'JP' };
    expect(await until(() => recommend('traveller', jp), (ids) => ids.includes('reg-1'))).toContain('reg-1');
    expect(await listing('traveller', 'reg', jp)).toContain('reg-1');
    for (const region of ['DE', 'US']) {
      expect(await recommend('traveller', { 'x-region': region })).not.toContain('reg-1');
      expect(await listing('traveller', 'reg', { 'x-region': region })).not.toContain('reg-1');
    }
    await executeNext(s.id); // Berlin's 09:00
    expect(await until(() => recommend('traveller', { 'x-region': 'DE' }), (ids) => ids.includes('reg-1'))).toContain('reg-1');
    expect(await recommend('traveller', { 'x-region': 'US' })).toContain('reg-1'); // unknown regions: after the last
  }, 120_000);

  it('A/B publish: one variant per user, consistently; exposures reach ClickHouse and the experiment report; promote winner', async () => {
    const variants = [{ variant: 'a', contentId: 'cut-a', percent: 50 }, { variant: 'b', contentId: 'cut-b', percent: 50 }];
    const s = await schedule({ contentKind: 'video', contentId: 'cut-a', title: 'two cuts', strategy: { kind: 'ab', variants } });
    await executeNext(s.id);
    const users = Array.from({ length: 40 }, (_, i) => `ab-user-${i}`);
    const mine = (u: string) => abVariantOf({ tenantId: tenant, contentId: 'cut-a', variants }, u)!;
    await until(() => recommend(users[0]!), (ids) => ids.includes(mine(users[0]!).contentId));
    for (const u of users) {
      const first = (await recommend(u)).filter((i) => i.startsWith('cut-'));
      expect(first, u).toEqual([mine(u).contentId]);
      expect((await recommend(u)).filter((i) => i.startsWith('cut-'))).toEqual(first);
    }
    const experiment = abPublishExperimentId(s.id);
    const exposures = async () =>
      (await (await ch.query({ query: 'SELECT user_id, item_id, variant FROM events_raw FINAL WHERE tenant_id = {t:String} AND experiment_id = {e:String}', query_params: { t: tenant, e: experiment }, format: 'JSONEachRow' })).json()) as { user_id: string; item_id: string; variant: string }[];
    const rows = await until(exposures, (r) => new Set(r.map((x) => x.user_id)).size >= users.length, 120_000);
    expect(new Set(rows.map((x) => x.user_id)).size).toBe(users.length);
    for (const r of rows) expect([r.item_id, r.variant]).toEqual([mine(r.user_id).contentId, mine(r.user_id).variant]);
    const day = new Date().toISOString().slice(0, 10);
    const report = await call('GET', `/v1/admin/analytics/experiments/${experiment}?from=${day}&to=${day}`);
    expect(report.status, JSON.stringify(report.body)).toBe(200);
    const byVariant = Object.fromEntries(ExperimentReport.parse(report.body).variants.map((v) => [v.variant, v.units]));
    expect(byVariant).toEqual({ a: users.filter((u) => mine(u).variant === 'a').length, b: users.filter((u) => mine(u).variant === 'b').length });

    const promoted = await call('POST', `/v1/admin/scheduling/schedules/${s.id}/promote`, { variant: 'b' });
    expect(promoted.status, JSON.stringify(promoted.body)).toBe(200);
    const loser = users.find((u) => mine(u).variant === 'a')!;
    expect(await until(() => recommend(loser), (ids) => ids.includes('cut-b'))).toContain('cut-b');
    for (const u of users) expect((await recommend(u)).filter((i) => i.startsWith('cut-')), u).toEqual(['cut-b']);
  }, 300_000);

  it('a recommendation slot pins its item at its position while live', async () => {
    const before = await recommend('slot-user');
    const pinned = before.at(-1)!;
    expect(before[0]).not.toBe(pinned);
    const created = await call('POST', '/v1/admin/content/slots', { id: 'promo-slot', scenario: 'feed', position: 1, itemId: pinned, status: 'published' });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    const after = await until(() => recommend('slot-user'), (ids) => ids[0] === pinned);
    expect(after[0]).toBe(pinned);
    expect(after.filter((i) => i === pinned)).toHaveLength(1);
    // A user who disliked the pinned item never gets it back, pinned or not (issue 18); others still do.
    const hater = 'slot-hater';
    expect((await recommend(hater))[0]).toBe(pinned);
    const dislike = { eventId: uuidv7(), tenantId: tenant, eventTime: new Date().toISOString(), schemaVersion: SCHEMA_VERSION, userId: hater, itemId: pinned, type: 'dislike' };
    const posted = await call('POST', '/v1/events', { events: [dislike] });
    expect(posted.status, JSON.stringify(posted.body)).toBe(202);
    expect(await recommend(hater)).not.toContain(pinned);
    expect((await recommend('slot-user'))[0]).toBe(pinned);
    expect((await call('PATCH', '/v1/admin/content/slots/promo-slot', { status: 'unpublished' })).status).toBe(200);
    expect((await until(() => recommend('slot-user'), (ids) => ids[0] !== pinned))[0]).not.toBe(pinned);
  }, 120_000);
});
