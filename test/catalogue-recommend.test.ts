import { beforeAll, describe, expect, inject, it } from 'vitest';
import { RecommendResponse } from '@vidplat/contracts';
import type {} from '@vidplat/devstack/vitest-global-setup';
import type { EdgeClient } from '@vidplat/contracts/edge-client';
import { checkedCaller, provisionTenantKey } from './edge-api.js';

/**
 * Catalogue → recommender end to end (wrangler dev, the Upstash bridge, Redis): a course published
 * through the catalogue API is recommended to a user of that tenant within seconds, with no item
 * written by hand; unpublished (or deleted) it never appears again.
 */
const { env, urls } = inject('stack');
const tenant = `cat-rec-${Date.now()}`;
let edge: EdgeClient;
/** Plain JSON calls held to the document (the lessons test). */
let call: Awaited<ReturnType<typeof checkedCaller>>;

const recommend = (user: string, filter?: string) => edge.GET('/v1/recommend', { params: { query: { tenant, scenario: 'learn', user, n: filter ? 10 : 50, ...(filter ? { filter } : {}) } } });
const rec = async (user: string) => {
  const r = await recommend(user);
  expect(r.response.status, JSON.stringify(r.error)).toBe(200);
  return RecommendResponse.parse(r.data).items.map((i) => i.itemId);
};
const status = (courseId: string, to: 'in_review' | 'published' | 'unpublished') => edge.POST('/v1/courses/{courseId}/status', { params: { path: { courseId } }, body: { status: to } });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  const provisioned = await provisionTenantKey(urls.edge!, env.ADMIN_API_KEY!, tenant);
  edge = provisioned.edge;
  call = await checkedCaller(urls.edge!, provisioned.key);
  const scn = await edge.POST('/v1/scenarios', {
    body: {
      scenario: 'learn',
      template: 'vlog',
      recall: [
        { name: 'hot', weight: 1, size: 50 },
        { name: 'fresh', weight: 1, size: 50 },
      ],
      rerank: { diversityLambda: 0.7, freshnessBoost: 0.2, freshnessHalfLifeHours: 48, filterSeen: true, maxPerCategory: 50 },
    },
  });
  expect(scn.response.status).toBe(201);
  expect((await edge.POST('/v1/categories', { body: { id: 'code', name: 'Code' } })).response.status).toBe(201);
  expect((await edge.POST('/v1/categories', { body: { id: 'ts', parentId: 'code', name: 'TypeScript' } })).response.status).toBe(201);
});

describe('catalogue courses are recommender items', () => {
  it('published through the catalogue API → recommended within seconds; unpublished → never again', async () => {
    const created = await edge.POST('/v1/courses', { body: { id: 'ts-101', categoryId: 'ts', title: 'TypeScript 101', level: 'beginner', access: 'free', instructorId: 'ins-1' } });
    expect(created.response.status).toBe(201);
    expect(await rec('learner-1')).not.toContain('ts-101'); // a draft is never recommended
    expect((await status('ts-101', 'in_review')).response.status).toBe(200);
    const pub = await status('ts-101', 'published');
    expect(pub.response.status).toBe(200);
    expect(pub.response.headers.get('x-item-sync')).toBe('done');

    // Within seconds (bounded wait; the feature store was written before the API answered).
    let ids: string[] = [];
    for (let i = 0; i < 20 && !ids.includes('ts-101'); i++) {
      ids = await rec('learner-1');
      if (!ids.includes('ts-101')) await sleep(250);
    }
    expect(ids).toContain('ts-101');
    expect((await edge.GET('/v1/items/{itemId}', { params: { path: { itemId: 'ts-101' } } })).data).toMatchObject({ kind: 'course', categories: ['code', 'ts'], state: 'published', authorId: 'ins-1' });

    const unpub = await status('ts-101', 'unpublished');
    expect(unpub.response.status).toBe(200);
    // From the very next request on, and on every one after.
    for (let i = 0; i < 8; i++) {
      expect(await rec(`learner-${i % 3}`)).not.toContain('ts-101');
      await sleep(150);
    }
  });

  it('a deleted course is never recommended again; the backfill brings back items of existing courses only', async () => {
    expect((await edge.POST('/v1/courses', { body: { id: 'ts-201', categoryId: 'ts', title: 'TypeScript 201', level: 'advanced', access: 'paid', priceCents: 990, instructorId: 'ins-1' } })).response.status).toBe(201);
    await status('ts-201', 'in_review');
    await status('ts-201', 'published');
    let ids: string[] = [];
    for (let i = 0; i < 20 && !ids.includes('ts-201'); i++) {
      ids = await rec('learner-9');
      if (!ids.includes('ts-201')) await sleep(250);
    }
    expect(ids).toContain('ts-201');
    expect((await edge.DELETE('/v1/courses/{courseId}', { params: { path: { courseId: 'ts-201' } } })).response.status).toBe(204);
    expect(await rec('learner-9')).not.toContain('ts-201');
    expect((await edge.GET('/v1/items/{itemId}', { params: { path: { itemId: 'ts-201' } } })).response.status).toBe(404);
    const back = await edge.POST('/v1/courses/recommender-items/backfill');
    expect(back.data).toMatchObject({ sync: 'done', written: 1 });
    const again = await rec('learner-9');
    expect(again).not.toContain('ts-201');
    expect(again).not.toContain('ts-101');
  });

  it('recommend accepts item attribute filters (filter=price<20;language=en); an unknown attribute or operator is a 400 naming filter', async () => {
    const now = new Date().toISOString();
    const put = async (itemId: string, attributes: Record<string, string | number>) =>
      (await edge.PUT('/v1/items/{itemId}', { params: { path: { itemId } }, body: { kind: 'product', title: `Book ${itemId}`, state: 'published', publishedAt: now, categories: ['books'], attributes } })).response.status;
    expect(await put('book-cheap-en', { price: 9.5, language: 'en' })).toBe(201);
    expect(await put('book-dear-en', { price: 45, language: 'en' })).toBe(201);
    expect(await put('book-cheap-fr', { price: 12, language: 'fr' })).toBe(201);
    let all: string[] = [];
    for (let i = 0; i < 20 && !all.includes('book-cheap-fr'); i++) {
      all = await rec('shopper');
      if (!all.includes('book-cheap-fr')) await sleep(250);
    }
    expect(all).toEqual(expect.arrayContaining(['book-cheap-en', 'book-dear-en', 'book-cheap-fr']));
    const filtered = await recommend('shopper', 'price<20;language=en');
    expect(filtered.response.status).toBe(200);
    expect(RecommendResponse.parse(filtered.data).items.map((i) => i.itemId)).toEqual(['book-cheap-en']);
    const unknown = await recommend('shopper', 'colour=red');
    expect({ status: unknown.response.status, body: unknown.error }).toMatchObject({ status: 400, body: { error: { field: 'filter', message: 'unknown attribute colour' } } });
    const op = await recommend('shopper', 'price=>20');
    expect({ status: op.response.status, body: op.error }).toMatchObject({ status: 400, body: { error: { field: 'filter' } } });
  });

  it('a paid course the user cannot play is filtered or labelled as the scenario says, by the user\'s entitlements', async () => {
    for (const [scenario, entitlement] of [['learn-filter', 'filter'], ['learn-label', 'label']] as const) {
      const r = await edge.POST('/v1/scenarios', {
        body: {
          scenario,
          template: 'vlog',
          recall: [{ name: 'fresh', weight: 1, size: 50 }],
          // (filterSeen off: an enrolled course is the user's own action, "seen" where the scenario filters seen items)
          rerank: { diversityLambda: 0.7, freshnessBoost: 0.2, freshnessHalfLifeHours: 48, filterSeen: false, maxPerCategory: 50, entitlement },
        },
      });
      expect(r.response.status, JSON.stringify(r.error)).toBe(201);
    }
    expect((await edge.POST('/v1/courses', { body: { id: 'ts-pro', categoryId: 'ts', title: 'TypeScript Pro', level: 'advanced', access: 'paid', priceCents: 4900, instructorId: 'ins-1' } })).response.status).toBe(201);
    await status('ts-pro', 'in_review');
    expect((await status('ts-pro', 'published')).response.status).toBe(200);
    const items = async (scenario: string, user: string) => {
      const r = await edge.GET('/v1/recommend', { params: { query: { tenant, scenario, user, n: 50 } } });
      expect(r.response.status, JSON.stringify(r.error)).toBe(200);
      return RecommendResponse.parse(r.data).items;
    };
    let labelled = await items('learn-label', 'buyer');
    for (let i = 0; i < 20 && !labelled.some((x) => x.itemId === 'ts-pro'); i++) {
      await sleep(250);
      labelled = await items('learn-label', 'buyer');
    }
    expect(labelled.find((x) => x.itemId === 'ts-pro')).toMatchObject({ entitled: false });
    expect((await items('learn-filter', 'buyer')).map((x) => x.itemId)).not.toContain('ts-pro');
    // After the purchase: shown, entitled.
    const enrol = await edge.POST('/v1/courses/{courseId}/enrolments', { params: { path: { courseId: 'ts-pro' } }, body: { kind: 'paid', userId: 'buyer', orderId: `ord-${Date.now()}`, pricePaidCents: 4900 } });
    expect(enrol.response.status, JSON.stringify(enrol.error)).toBe(201);
    expect((await items('learn-label', 'buyer')).find((x) => x.itemId === 'ts-pro')).toMatchObject({ entitled: true });
    expect((await items('learn-filter', 'buyer')).map((x) => x.itemId)).toContain('ts-pro');
    // Another user is still not entitled.
    expect((await items('learn-filter', 'someone-else')).map((x) => x.itemId)).not.toContain('ts-pro');
    // The enrolment is the buyer's own action (the server's enrol event, no client event): a scenario
    // that filters seen items drops the course from their next answers, and only theirs.
    expect((await items('learn', 'someone-else')).map((x) => x.itemId)).toContain('ts-pro');
    const t0 = Date.now();
    let mine = await items('learn', 'buyer');
    while (mine.some((x) => x.itemId === 'ts-pro') && Date.now() - t0 < 5_000) mine = await items('learn', 'buyer');
    console.log(`enrolled course gone from the buyer's answers ${Date.now() - t0} ms after the check began`);
    for (let i = 0; i < 3; i++) expect((await items('learn', 'buyer')).map((x) => x.itemId)).not.toContain('ts-pro');
  });
});

describe('catalogue videos as recommender items, where the tenant chooses', () => {
  it('lessons are recommended in a video scenario (entitlement labelled), never in a course shelf; deleted, unpublished or switched off → never again', async () => {
    for (const [scenario, kinds] of [['lessons', ['video']], ['shelf', ['course']]] as const) {
      const r = await call('POST', '/v1/scenarios', {
        scenario,
        template: 'vlog',
        recall: [{ name: 'fresh', weight: 1, size: 100 }],
        rerank: { diversityLambda: 0.7, freshnessBoost: 0.2, freshnessHalfLifeHours: 48, filterSeen: true, maxPerCategory: 100, entitlement: 'label', kinds },
      });
      expect(r.status, JSON.stringify(r.body)).toBe(201);
    }
    const items = async (scenario: string, user: string) => {
      const r = await call('GET', `/v1/recommend?tenant=${tenant}&scenario=${scenario}&user=${user}&n=100`);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
      return RecommendResponse.parse(r.body).items;
    };
    const until = async (scenario: string, user: string, ok: (ids: string[]) => boolean) => {
      let got = await items(scenario, user);
      for (let i = 0; i < 20 && !ok(got.map((x) => x.itemId)); i++) {
        await sleep(250);
        got = await items(scenario, user);
      }
      return got;
    };
    expect((await call('PUT', '/v1/catalogue/settings', { videosAsItems: true })).status).toBe(200);
    expect((await call('POST', '/v1/courses', { id: 'ts-vid', categoryId: 'ts', title: 'TypeScript in videos', level: 'beginner', access: 'paid', priceCents: 1900, instructorId: 'ins-1' })).status).toBe(201);
    for (const [id, free] of [['ts-vid-1', true], ['ts-vid-2', false]] as const) {
      expect((await call('POST', '/v1/courses/ts-vid/videos', { id, chapterId: null, title: id, durationSeconds: 120, free })).status).toBe(201);
      const ready = await fetch(`${urls.edge}/v1/internal/videos/${id}/status`, {
        method: 'PATCH',
        headers: { authorization: `Bearer ${env.EDGE_INTERNAL_TOKEN}`, 'content-type': 'application/json' },
        body: JSON.stringify({ tenantId: tenant, status: 'ready', renditions: ['360p'] }),
      });
      expect(ready.status).toBe(200);
    }
    // Not published yet: no lesson.
    expect((await items('lessons', 'viewer')).map((x) => x.itemId)).not.toContain('ts-vid-1');
    await call('POST', '/v1/courses/ts-vid/status', { status: 'in_review' });
    expect((await call('POST', '/v1/courses/ts-vid/status', { status: 'published' })).status).toBe(200);

    const lessons = await until('lessons', 'viewer', (ids) => ids.includes('ts-vid-1') && ids.includes('ts-vid-2'));
    expect(lessons.map((x) => x.itemId)).toEqual(expect.arrayContaining(['ts-vid-1', 'ts-vid-2']));
    expect(lessons.every((x) => x.itemId.startsWith('ts-vid-') || !x.itemId.startsWith('ts-'))).toBe(true); // no course in the video scenario
    expect(lessons.find((x) => x.itemId === 'ts-vid-2')).toMatchObject({ entitled: false }); // paid lesson, not enrolled
    expect(lessons.find((x) => x.itemId === 'ts-vid-1')?.entitled).not.toBe(false); // free lesson
    const shelf = (await until('shelf', 'viewer', (ids) => ids.includes('ts-vid'))).map((x) => x.itemId);
    expect(shelf).toContain('ts-vid');
    expect(shelf.filter((id) => id.startsWith('ts-vid-'))).toEqual([]);

    // Enrolled in the course: its paid lesson is entitled.
    expect((await call('POST', '/v1/courses/ts-vid/enrolments', { kind: 'paid', userId: 'viewer', orderId: `ord-v-${Date.now()}`, pricePaidCents: 1900 })).status).toBe(201);
    expect((await items('lessons', 'viewer')).find((x) => x.itemId === 'ts-vid-2')).toMatchObject({ entitled: true });

    // A deleted lesson is never recommended again, from the next request on.
    expect((await call('DELETE', '/v1/videos/ts-vid-2')).status).toBe(204);
    for (let i = 0; i < 4; i++) expect((await items('lessons', `v${i}`)).map((x) => x.itemId)).not.toContain('ts-vid-2');
    // The course unpublished: its lessons go with it.
    expect((await call('POST', '/v1/courses/ts-vid/status', { status: 'unpublished' })).status).toBe(200);
    for (let i = 0; i < 4; i++) expect((await items('lessons', `v${i}`)).map((x) => x.itemId)).not.toContain('ts-vid-1');
    await call('POST', '/v1/courses/ts-vid/status', { status: 'published' });
    await until('lessons', 'viewer2', (ids) => ids.includes('ts-vid-1'));
    // Switched off: every lesson item goes.
    const off = await call('PUT', '/v1/catalogue/settings', { videosAsItems: false });
    expect(off.status, JSON.stringify(off.body)).toBe(200);
    expect((await items('lessons', 'viewer3')).map((x) => x.itemId)).not.toContain('ts-vid-1');
    expect((await call('GET', '/v1/items/ts-vid-1')).status).toBe(404);
  });
});
