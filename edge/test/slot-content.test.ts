import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { abPublishExperimentId, abVariantOf, Banner, ItemPage, LiveAnnouncementsResponse, LiveBannersResponse, type ScheduleView } from '@vidplat/contracts';
import { createKey, json } from './helpers.js';
import { BASE, createOk, fireAfter, HOUR, inHours, scheduler, tenantWithKeys } from './scheduling-support.js';

/**
 * Slot content through the real Worker: admin CRUD, the app read APIs, schedules driving them on the
 * Scheduler's alarm, the visibility rule (A/B buckets) and promote-winner.
 */
const api = (path: string, init: RequestInit) => SELF.fetch(`https://edge.test${path}`, init);
const errorOf = async (res: Response) => ((await res.json()) as { error: { code: string; field?: string; message: string } }).error;
const banner = (id: string, extra: Record<string, unknown> = {}) => ({ id, placement: 'home', imageUrl: `https://img.test/${id}.png`, linkUrl: `https://app.test/${id}`, title: id, ...extra });

async function liveBanners(key: string, user: string | null, placement = 'home'): Promise<LiveBannersResponse['items']> {
  const res = await api(`/v1/content/banners?placement=${placement}`, json('GET', key, undefined, user ? { 'x-user-id': user } : {}));
  expect(res.status).toBe(200);
  return LiveBannersResponse.parse(await res.json()).items;
}

describe('slot content: CRUD and bad input', () => {
  it('manages banners, announcements and slots; bad input names the field (400/404/409)', async () => {
    const t = await tenantWithKeys('slots-crud');
    const created = await api('/v1/admin/content/banners', json('POST', t.alice, banner('hero', { priority: 70 })));
    expect(created.status).toBe(201);
    expect(Banner.parse(await created.json())).toMatchObject({ id: 'hero', status: 'draft', priority: 70, placement: 'home' });
    const cases: [string, string, unknown, number, string][] = [
      ['POST', '/v1/admin/content/banners', banner('hero'), 409, 'id'],
      ['POST', '/v1/admin/content/banners', banner('b2', { imageUrl: 'ftp://img.test/x.png' }), 400, 'imageUrl'],
      ['POST', '/v1/admin/content/banners', banner('b3', { placement: 'home page' }), 400, 'placement'],
      ['PATCH', '/v1/admin/content/banners/hero', { colour: 'red' }, 400, ''],
      ['PATCH', '/v1/admin/content/banners/nope', { title: 'x' }, 404, 'id'],
      ['GET', '/v1/admin/content/banners/nope', undefined, 404, 'id'],
      ['DELETE', '/v1/admin/content/announcements/nope', undefined, 404, 'id'],
      ['POST', '/v1/admin/content/announcements', { id: 'a1', title: 'Down', body: 'Maintenance', severity: 'urgent' }, 400, 'severity'],
      // A slot position beyond the largest n recommend answers.
      ['POST', '/v1/admin/content/slots', { id: 's1', scenario: 'feed', position: 201, itemId: 'i1' }, 400, 'position'],
      ['POST', '/v1/admin/content/slots', { id: 's1', scenario: 'no-such-scenario', position: 2, itemId: 'i1' }, 404, 'scenario'],
    ];
    expect((await api('/v1/scenarios', json('POST', t.superKey, { scenario: 'feed', template: 'vlog' }))).status).toBe(201);
    cases.push(['POST', '/v1/admin/content/slots', { id: 's1', scenario: 'feed', position: 2, itemId: 'no-such-item' }, 404, 'itemId']);
    for (const [method, path, body, status, field] of cases) {
      const res = await api(path, json(method, t.alice, body));
      expect(res.status, `${method} ${path} ${JSON.stringify(body)}`).toBe(status);
      const e = await errorOf(res);
      if (field) expect(e.field, `${method} ${path}`).toBe(field);
    }
    // Only editors write; a tenant (app) key reads live content only.
    const app = await createKey(t.superKey, 'tenant');
    expect((await api('/v1/admin/content/banners', json('POST', app.apiKey, banner('b4')))).status).toBe(403);
    expect((await api('/v1/admin/content/banners', json('GET', app.apiKey))).status).toBe(403);

    const patched = await api('/v1/admin/content/banners/hero', json('PATCH', t.alice, { title: 'Winter sale', status: 'published' }));
    expect(Banner.parse(await patched.json())).toMatchObject({ title: 'Winter sale', status: 'published' });
    const list = (await (await api('/v1/admin/content/banners?status=published', json('GET', t.senior))).json()) as { items: Banner[] };
    expect(list.items.map((b) => b.id)).toEqual(['hero']);
    expect((await liveBanners(app.apiKey, null)).map((b) => b.id)).toEqual(['hero']);
    expect(await liveBanners(app.apiKey, null, 'player')).toEqual([]);
    expect((await api('/v1/content/banners', json('GET', app.apiKey))).status).toBe(400); // placement is required
    expect((await api('/v1/admin/content/banners/hero', json('DELETE', t.alice))).status).toBe(204);
    expect(await liveBanners(app.apiKey, null)).toEqual([]);

    // Announcements: live ones only, critical first.
    for (const [id, severity, status] of [['info-1', 'info', 'published'], ['crit-1', 'critical', 'published'], ['draft-1', 'critical', 'draft']] as const) {
      expect((await api('/v1/admin/content/announcements', json('POST', t.alice, { id, title: id, body: 'text', severity, status }))).status).toBe(201);
    }
    const ann = LiveAnnouncementsResponse.parse(await (await api('/v1/content/announcements', json('GET', app.apiKey))).json());
    expect(ann.items.map((a) => [a.id, a.severity])).toEqual([['crit-1', 'critical'], ['info-1', 'info']]);
  });

  it('a schedule names a known content kind and id (contentExists checks every kind)', async () => {
    const t = await tenantWithKeys('slots-exists');
    const post = (body: Record<string, unknown>) => SELF.fetch(`${BASE}/schedules`, json('POST', t.alice, { scheduledAt: inHours(1), title: 'x', ...body }));
    expect((await api('/v1/admin/content/banners', json('POST', t.alice, banner('real')))).status).toBe(201);
    const cases: [Record<string, unknown>, string][] = [
      [{ contentKind: 'poster', contentId: 'real' }, 'contentKind'],
      [{ contentKind: 'banner', contentId: 'ghost' }, 'contentId'],
      [{ contentKind: 'announcement', contentId: 'real' }, 'contentId'], // a banner, not an announcement
      [{ contentKind: 'recommendation_slot', contentId: 'ghost' }, 'contentId'],
      [{ contentKind: 'banner', contentId: 'real', strategy: { kind: 'ab', variants: [{ variant: 'a', contentId: 'real', percent: 50 }, { variant: 'b', contentId: 'ghost', percent: 50 }] } }, 'strategy.variants.1.contentId'],
    ];
    for (const [body, field] of cases) {
      const res = await post(body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect((await errorOf(res)).field).toBe(field);
    }
    expect((await post({ contentKind: 'banner', contentId: 'real' })).status).toBe(201);
  });
});

describe('slot content: schedules and the visibility rule', () => {
  it('a banner scheduled for 10:00 is absent at 09:59 and present at 10:00, by the alarm; gone at its end', async () => {
    const t = await tenantWithKeys('slots-alarm');
    const app = await createKey(t.superKey, 'tenant');
    for (const b of [banner('always', { status: 'published', priority: 10 }), banner('launch', { priority: 90 })]) {
      expect((await api('/v1/admin/content/banners', json('POST', t.alice, b))).status).toBe(201);
    }
    // "10:00" is an hour from now; it ends two hours later.
    const s = await createOk(t.alice, { contentKind: 'banner', contentId: 'launch', scheduledAt: inHours(1), endAt: inHours(3), title: 'Launch banner' });
    // Alarm-driven: the Scheduler's alarm is armed for the publish instant itself.
    expect(await scheduler(t.tenantId).nextAlarm()).toBe(Date.parse(s.scheduledAt));
    const ids = async () => (await liveBanners(app.apiKey, 'u1')).map((b) => b.id);
    expect(await ids()).toEqual(['always']);
    await fireAfter(t.tenantId, HOUR - 60_000); // 09:59: the alarm runs, nothing is due
    expect(await ids()).toEqual(['always']);
    await fireAfter(t.tenantId, 60_000); // 10:00
    expect(await ids()).toEqual(['launch', 'always']);
    expect((await (await api('/v1/admin/content/banners/launch', json('GET', t.alice))).json()) as Banner).toMatchObject({ status: 'published' });
    // The unpublish is planned when the publish fires, at the real end time (3 h after creation).
    await fireAfter(t.tenantId, 3 * HOUR);
    expect(await ids()).toEqual(['always']);
  });

  it('A/B publish: each user sees exactly one variant, consistently; promote winner shows it to everyone', async () => {
    const t = await tenantWithKeys('slots-ab');
    const app = await createKey(t.superKey, 'tenant');
    for (const id of ['hero-a', 'hero-b']) expect((await api('/v1/admin/content/banners', json('POST', t.alice, banner(id)))).status).toBe(201);
    const s = await createOk(t.alice, {
      contentKind: 'banner',
      contentId: 'hero-a',
      scheduledAt: inHours(1),
      title: 'Hero test',
      strategy: { kind: 'ab', variants: [{ variant: 'a', contentId: 'hero-a', percent: 50 }, { variant: 'b', contentId: 'hero-b', percent: 50 }] },
    });
    const users = Array.from({ length: 60 }, (_, i) => `ab-user-${i}`);
    // Before the publish nobody sees either.
    expect(await liveBanners(app.apiKey, users[0]!)).toEqual([]);
    await fireAfter(t.tenantId, HOUR);
    const experiment = abPublishExperimentId(s.id);
    const state = { tenantId: t.tenantId, contentId: 'hero-a', variants: [{ variant: 'a', contentId: 'hero-a', percent: 50 }, { variant: 'b', contentId: 'hero-b', percent: 50 }] };
    const seen = new Map<string, string>();
    for (const u of users) {
      const first = await liveBanners(app.apiKey, u);
      const again = await liveBanners(app.apiKey, u);
      expect(first, u).toHaveLength(1);
      expect(again).toEqual(first);
      const mine = abVariantOf(state, u)!;
      expect(first[0]).toMatchObject({ id: mine.contentId, experiment: { id: experiment, variant: mine.variant } });
      seen.set(u, first[0]!.id);
    }
    const counts = [...seen.values()].reduce((m, id) => m.set(id, (m.get(id) ?? 0) + 1), new Map<string, number>());
    // Binomial(60, 0.5): 99.9 % two-sided interval ±3.29 sd (3.87) → [18, 42].
    expect(counts.get('hero-a')).toBeGreaterThanOrEqual(18);
    expect(counts.get('hero-b')).toBeGreaterThanOrEqual(18);
    // Anonymous visitors cannot be bucketed: they see neither arm.
    expect(await liveBanners(app.apiKey, null)).toEqual([]);

    const promote = (key: string, body: unknown) => SELF.fetch(`${BASE}/schedules/${s.id}/promote`, json('POST', key, body));
    expect((await promote(t.alice, { variant: 'b' })).status).toBe(403);
    const bad = await promote(t.senior, { variant: 'c' });
    expect(bad.status).toBe(400);
    expect((await errorOf(bad)).field).toBe('variant');
    const done = await promote(t.senior, { variant: 'b' });
    expect(done.status).toBe(200);
    expect(((await done.json()) as ScheduleView).strategy).toMatchObject({ variants: [{ variant: 'a', percent: 0 }, { variant: 'b', percent: 100 }] });
    for (const u of users.slice(0, 20)) expect(await liveBanners(app.apiKey, u)).toEqual([expect.objectContaining({ id: 'hero-b' })]);
    // No longer an experiment: no arm on the answer (and no exposure).
    expect((await liveBanners(app.apiKey, users[0]!))[0]!.experiment).toBeUndefined();
    expect((await liveBanners(app.apiKey, null)).map((b) => b.id)).toEqual(['hero-b']);
    const history = (await (await SELF.fetch(`${BASE}/schedules/${s.id}/history`, json('GET', t.senior))).json()) as { action: string; detail: string | null }[];
    expect(history.find((h) => h.action === 'promote')).toMatchObject({ detail: 'winner b' });
  }, 120_000);

  it('A/B publish of catalogue items: each user lists exactly one variant; promote publishes the winner to all', async () => {
    const t = await tenantWithKeys('slots-ab-items');
    const item = (itemId: string) => ({ itemId, kind: 'video', title: `Cut ${itemId}`, categories: ['news'], tags: [], state: 'draft' });
    const imp = await api('/v1/items/import', { method: 'POST', headers: { authorization: `Bearer ${t.superKey}`, 'content-type': 'application/x-ndjson' }, body: ['cut-a', 'cut-b'].map((i) => JSON.stringify(item(i))).join('\n') });
    expect(imp.status).toBe(200);
    const s = await createOk(t.alice, {
      contentKind: 'video',
      contentId: 'cut-a',
      scheduledAt: inHours(1),
      title: 'Two cuts',
      strategy: { kind: 'ab', variants: [{ variant: 'a', contentId: 'cut-a', percent: 50 }, { variant: 'b', contentId: 'cut-b', percent: 50 }] },
    });
    const listed = async (u: string | null) =>
      ItemPage.parse(await (await api('/v1/items?q=cut&state=published&limit=10', json('GET', t.superKey, undefined, u ? { 'x-user-id': u } : {}))).json()).items.map((i) => i.itemId).sort();
    expect(await listed(null)).toEqual([]);
    await fireAfter(t.tenantId, HOUR);
    // Both cuts are published in the catalogue (the operator sees both), each to its own bucket.
    expect(await listed(null)).toEqual(['cut-a', 'cut-b']);
    const state = { tenantId: t.tenantId, contentId: 'cut-a', variants: [{ variant: 'a', contentId: 'cut-a', percent: 50 }, { variant: 'b', contentId: 'cut-b', percent: 50 }] };
    const users = Array.from({ length: 30 }, (_, i) => `viewer-${i}`);
    for (const u of users) {
      const ids = await listed(u);
      expect(ids, u).toEqual([abVariantOf(state, u)!.contentId]);
      expect(await listed(u)).toEqual(ids);
    }
    expect((await SELF.fetch(`${BASE}/schedules/${s.id}/promote`, json('POST', t.senior, { variant: 'a' }))).status).toBe(200);
    for (const u of users) expect(await listed(u)).toEqual(['cut-a']);
  }, 120_000);
});
