import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { Item } from '@vidplat/contracts';
import { call, internal, seedShop } from './catalogue-fixtures.js';

/**
 * Courses as recommender items, as far as workerd alone can show it (the feature store is down in
 * these tests: a live one is in test/catalogue-recommend.test.ts): the item follows the course in
 * D1 on create, update and status change, marked pending for the feature store.
 */
describe('catalogue → recommender items', () => {
  it('every course is an item (kind course) with its category path, tags, access, instructor and publish state', async () => {
    const s = await seedShop('ci-a');
    await call('POST', '/v1/categories', s.superKey, { id: 'yoga', parentId: 'fitness', name: 'Yoga' });
    const created = await call('POST', '/v1/courses', s.instructorKey, { id: 'yoga-1', categoryId: 'yoga', title: 'Yoga 1', level: 'beginner', access: 'member', tagIds: ['beginner'] });
    expect(created.status).toBe(201);
    const item = await call('GET', '/v1/items/yoga-1', s.superKey);
    expect(Item.parse(item.body)).toMatchObject({ kind: 'course', title: 'Yoga 1', categories: ['fitness', 'yoga'], tags: ['beginner'], access: 'member', authorId: 'ins-1', state: 'draft', publishedAt: null });

    await call('PATCH', '/v1/courses/yoga-1', s.instructorKey, { title: 'Yoga for everyone', access: 'paid', priceCents: 900 });
    expect((await call('GET', '/v1/items/yoga-1', s.superKey)).body).toMatchObject({ title: 'Yoga for everyone', access: 'paid' });

    await call('POST', '/v1/courses/yoga-1/status', s.instructorKey, { status: 'in_review' });
    const res = await call('POST', '/v1/courses/yoga-1/status', s.superKey, { status: 'published' });
    expect(res.status).toBe(200);
    const published = (await call('GET', '/v1/items/yoga-1', s.superKey)).body;
    expect(published).toMatchObject({ state: 'published', publishedAt: res.body.publishedAt });
    // The feature store did not take it: the row waits as unsynced for the next push.
    const row = await env.CATALOGUE.prepare("SELECT synced FROM items WHERE tenant_id = 'ci-a' AND item_id = 'yoga-1'").first<{ synced: number }>();
    expect(row!.synced).toBe(0);
    // A retried publish (already published) re-syncs instead of failing.
    expect((await call('POST', '/v1/courses/yoga-1/status', s.superKey, { status: 'published' })).status).toBe(200);
  });

  it('the backfill writes an item for every existing course, idempotently; it needs a manager key', async () => {
    const s = await seedShop('ci-b');
    await env.CATALOGUE.prepare("DELETE FROM items WHERE tenant_id = 'ci-b'").run();
    expect((await call('POST', '/v1/courses/recommender-items/backfill', s.instructorKey)).status).toBe(403);
    const first = await call('POST', '/v1/courses/recommender-items/backfill', s.superKey);
    expect(first).toMatchObject({ status: 200, body: { written: 4, removed: 0, sync: 'pending' } });
    const again = await call('POST', '/v1/courses/recommender-items/backfill', s.superKey);
    expect(again.body).toMatchObject({ written: 4 });
    const { results } = await env.CATALOGUE.prepare("SELECT item_id, state, access FROM items WHERE tenant_id = 'ci-b' ORDER BY item_id").all();
    expect(results).toEqual([
      { item_id: 'draft-1', state: 'draft', access: 'paid' },
      { item_id: 'free-1', state: 'published', access: 'free' },
      { item_id: 'member-1', state: 'published', access: 'member' },
      { item_id: 'paid-1', state: 'published', access: 'paid' },
    ]);
  });
});

describe('catalogue videos as recommender items (tenant option)', () => {
  const items = async (t: string) =>
    (await env.CATALOGUE.prepare("SELECT item_id, kind, state, access, categories, tags, author_id FROM items WHERE tenant_id = ?1 AND kind = 'video' ORDER BY item_id").bind(t).all()).results;

  it('off by default; turning it on writes an item per video with its course\'s categories, tags, access and publish state; off removes them', async () => {
    const s = await seedShop('ci-v');
    expect((await call('GET', '/v1/catalogue/settings', s.superKey)).body).toEqual({ videosAsItems: false });
    expect(await items('ci-v')).toEqual([]);
    expect((await call('PUT', '/v1/catalogue/settings', s.instructorKey, { videosAsItems: true })).status).toBe(403);
    expect((await call('PUT', '/v1/catalogue/settings', s.superKey, { videosAsItems: 'yes' })).body).toMatchObject({ error: { field: 'videosAsItems' } });

    const on = await call('PUT', '/v1/catalogue/settings', s.superKey, { videosAsItems: true });
    expect(on).toMatchObject({ status: 200, body: { videosAsItems: true, items: { written: 12 } } }); // 4 courses + 8 videos
    const rows = (await items('ci-v')) as { item_id: string; state: string; access: string; categories: string; tags: string; author_id: string }[];
    const by = Object.fromEntries(rows.map((r) => [r.item_id, [r.state, r.access]]));
    expect(by).toEqual({
      'pv-free': ['published', 'free'], // free chapter of a paid course
      'pv-paid': ['published', 'paid'],
      'pv-trial': ['published', 'paid'],
      'pv-locked': ['draft', 'paid'], // locked chapter: never recommended
      'mv-1': ['published', 'member'],
      'mv-trial': ['published', 'member'],
      'fv-1': ['published', 'free'],
      'dv-1': ['draft', 'paid'], // course not published
    });
    expect(rows.find((r) => r.item_id === 'pv-paid')).toMatchObject({ author_id: 'ins-1' });
    expect(JSON.parse(rows.find((r) => r.item_id === 'pv-paid')!.categories)).toEqual(['fitness']);
    expect(JSON.parse(rows.find((r) => r.item_id === 'pv-paid')!.tags)).toEqual(['beginner']);

    // A new lesson follows: uploading → draft item, ready → published.
    expect((await call('POST', '/v1/courses/free-1/videos', s.instructorKey, { id: 'fv-2', chapterId: null, title: 'Lesson 2', durationSeconds: 300 })).status).toBe(201);
    expect((await items('ci-v')).find((r) => r.item_id === 'fv-2')).toMatchObject({ state: 'draft', access: 'free' });
    await internal('PATCH', '/v1/internal/videos/fv-2/status', { tenantId: 'ci-v', status: 'ready', renditions: ['360p'] });
    expect((await items('ci-v')).find((r) => r.item_id === 'fv-2')).toMatchObject({ state: 'published' });
    // The draft course's video never had a visible item: deleting it needs no feature store.
    expect((await call('DELETE', '/v1/videos/dv-1', s.instructorKey)).status).toBe(204);
    expect((await items('ci-v')).map((r) => r.item_id)).not.toContain('dv-1');

    // Off: every video item goes (feature store first: down in these tests → 503, retry later; nothing removed meanwhile).
    const off = await call('PUT', '/v1/catalogue/settings', s.superKey, { videosAsItems: false });
    expect(off.status).toBe(503);
    expect((await call('GET', '/v1/catalogue/settings', s.superKey)).body).toEqual({ videosAsItems: false });
    expect((await items('ci-v')).length).toBe(8);
  });
});
