import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { Item } from '@vidplat/contracts';
import { call, seedShop } from './catalogue-fixtures.js';

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
