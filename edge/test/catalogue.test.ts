import { env } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { call, internal, seedShop, type Shop } from './catalogue-fixtures.js';
import { createKey, provisionTenant } from './helpers.js';

let s: Shop;
let rival: Shop;
beforeAll(async () => {
  s = await seedShop('cat-a');
  rival = await seedShop('cat-b');
});

describe('category tree', () => {
  it('builds levels and paths, refuses unknown parents and cycles with code and field, and moves subtrees', async () => {
    const k = s.superKey;
    expect((await call('POST', '/v1/categories', k, { id: 'yoga', parentId: 'fitness', name: 'Yoga' })).status).toBe(201);
    const deep = await call('POST', '/v1/categories', k, { id: 'hatha', parentId: 'yoga', name: 'Hatha' });
    expect(deep.body).toMatchObject({ level: 2, path: 'fitness/yoga/hatha' });

    const unknown = await call('POST', '/v1/categories', k, { id: 'x', parentId: 'nope', name: 'X' });
    expect(unknown.status).toBe(400);
    expect(unknown.body.error).toMatchObject({ code: 'invalid_field', field: 'parentId' });

    const cycle = await call('PATCH', '/v1/categories/fitness', k, { parentId: 'hatha' });
    expect(cycle.status).toBe(400);
    expect(cycle.body.error).toMatchObject({ code: 'invalid_field', field: 'parentId' });
    expect(cycle.body.error.message).toMatch(/cycle/);
    const self = await call('PATCH', '/v1/categories/yoga', k, { parentId: 'yoga' });
    expect(self.body.error).toMatchObject({ code: 'invalid_field', field: 'parentId' });
    expect((await call('PATCH', '/v1/categories/yoga', k, { parentId: 'ghost' })).body.error.field).toBe('parentId');

    // Move yoga (with hatha below it) to a new root: the whole subtree is rewritten.
    expect((await call('POST', '/v1/categories', k, { id: 'mind', name: 'Mind', sortOrder: 1 })).status).toBe(201);
    const moved = await call('PATCH', '/v1/categories/yoga', k, { parentId: 'mind' });
    expect(moved.body).toMatchObject({ parentId: 'mind', level: 1, path: 'mind/yoga' });
    // A course in hatha counts for hatha, yoga and mind once published.
    await call('POST', '/v1/courses', s.instructorKey, { id: 'hatha-1', categoryId: 'hatha', title: 'Hatha basics', level: 'beginner', access: 'free' });
    await call('POST', '/v1/courses/hatha-1/status', s.instructorKey, { status: 'in_review' });
    await call('POST', '/v1/courses/hatha-1/status', s.superKey, { status: 'published' });
    const list = await call('GET', '/v1/categories', s.appKey);
    const byId = Object.fromEntries(list.body.items.map((c: any) => [c.id, c]));
    expect(byId.hatha).toMatchObject({ level: 2, path: 'mind/yoga/hatha', courseCount: 1 });
    expect(byId.mind.courseCount).toBe(1);
    expect(byId.fitness.courseCount).toBe(3);
    expect(list.body.items.map((c: any) => c.id)).toEqual(['fitness', 'mind', 'yoga', 'hatha']);

    // Non-empty categories cannot be deleted; an empty one is soft-deleted.
    expect((await call('DELETE', '/v1/categories/yoga', k)).status).toBe(409);
    await call('POST', '/v1/categories', k, { id: 'empty', name: 'Empty' });
    expect((await call('DELETE', '/v1/categories/empty', k)).status).toBe(204);
    const row = await env.CATALOGUE.prepare("SELECT deleted_at FROM categories WHERE tenant_id = 'cat-a' AND category_id = 'empty'").first<{ deleted_at: string }>();
    expect(row!.deleted_at).not.toBeNull();
    // Another tenant cannot see or move this tenant's categories.
    expect((await call('PATCH', '/v1/categories/mind', rival.superKey, { name: 'hacked' })).status).toBe(404);
    expect((await call('GET', '/v1/categories', rival.appKey)).body.items.map((c: any) => c.id)).toEqual(['fitness']);
    // End users cannot manage the tree.
    expect((await call('POST', '/v1/categories', s.appKey, { id: 'z', name: 'Z' })).status).toBe(403);
  });

  it('validates tags (type and colour)', async () => {
    const bad = await call('POST', '/v1/tags', s.superKey, { id: 'red', name: 'Red', type: 'general', color: 'red' });
    expect(bad.body.error).toMatchObject({ code: 'invalid_field', field: 'color' });
    expect((await call('POST', '/v1/tags', s.superKey, { id: 'core', name: 'Core', type: 'body_part', color: '#ff0000' })).status).toBe(201);
    const list = await call('GET', '/v1/tags?type=body_part', s.appKey);
    expect(list.body.items).toEqual([{ id: 'core', tenantId: 'cat-a', name: 'Core', type: 'body_part', color: '#ff0000' }]);
  });
});

describe('courses', () => {
  it('an instructor cannot edit, publish, extend or delete another instructor’s course', async () => {
    const o = s.otherInstructorKey;
    expect((await call('PATCH', '/v1/courses/paid-1', o, { title: 'mine now' })).status).toBe(403);
    expect((await call('POST', '/v1/courses/paid-1/status', o, { status: 'unpublished' })).status).toBe(403);
    expect((await call('POST', '/v1/courses/paid-1/chapters', o, { id: 'evil', title: 'Evil', sortOrder: 9 })).status).toBe(403);
    expect((await call('POST', '/v1/courses/paid-1/videos', o, { id: 'evil-v', title: 'Evil' })).status).toBe(403);
    expect((await call('PATCH', '/v1/videos/pv-paid', o, { free: true })).status).toBe(403);
    expect((await call('PATCH', '/v1/chapters/p-main', o, { free: true })).status).toBe(403);
    expect((await call('DELETE', '/v1/courses/paid-1', o)).status).toBe(403);
    // Nor can an end-user key or another tenant's super key.
    expect((await call('PATCH', '/v1/courses/paid-1', s.appKey, { title: 'x' })).status).toBe(403);
    expect((await call('PATCH', '/v1/courses/hatha-1', rival.superKey, { title: 'x' })).status).toBe(404);
    expect((await call('DELETE', '/v1/courses/hatha-1', rival.superKey)).status).toBe(404);
    expect((await call('PATCH', '/v1/courses/paid-1', rival.superKey, { title: 'rival edits its own paid-1' })).status).toBe(200);
    expect((await call('GET', '/v1/courses/paid-1', s.appKey)).body.title).toBe('Course paid-1');
    // The owner can; the instructor id of a course cannot be forged at creation.
    const patched = await call('PATCH', '/v1/courses/paid-1', s.instructorKey, { rating: 4.5 });
    // A partial PATCH changes only what it names.
    expect(patched.body).toMatchObject({ rating: 4.5, priceCents: 4900, access: 'paid', tagIds: ['beginner'], title: 'Course paid-1' });
    expect((await call('PATCH', '/v1/chapters/p-later', s.instructorKey, { title: 'Later on' })).body).toMatchObject({ title: 'Later on', locked: true });
    const forged = await call('POST', '/v1/courses', o, { id: 'f', categoryId: 'fitness', title: 'F', level: 'beginner', access: 'free', instructorId: 'ins-1' });
    expect(forged.status).toBe(403);
  });

  it('follows the review workflow: instructors submit, managers publish', async () => {
    await call('POST', '/v1/courses', s.instructorKey, { id: 'wf-1', categoryId: 'fitness', title: 'Workflow', level: 'advanced', access: 'paid', priceCents: 100 });
    expect((await call('POST', '/v1/courses/wf-1/status', s.instructorKey, { status: 'published' })).status).toBe(409);
    expect((await call('POST', '/v1/courses/wf-1/status', s.instructorKey, { status: 'in_review' })).body.status).toBe('in_review');
    expect((await call('POST', '/v1/courses/wf-1/status', s.instructorKey, { status: 'published' })).status).toBe(403);
    const pub = await call('POST', '/v1/courses/wf-1/status', s.superKey, { status: 'published' });
    expect(pub.body).toMatchObject({ status: 'published', publishedAt: expect.any(String) });
    // The course is a recommender item: hiding it must reach the feature store first. It is down in
    // these tests, so unpublish and delete answer 503 (retry) and change nothing in the catalogue.
    const unpub = await call('POST', '/v1/courses/wf-1/status', s.instructorKey, { status: 'unpublished' });
    expect(unpub).toMatchObject({ status: 503, body: { error: { code: 'upstream_unavailable' } } });
    expect((await call('GET', '/v1/courses/wf-1', s.appKey)).body.status).toBe('published');
    expect((await call('DELETE', '/v1/courses/wf-1', s.instructorKey)).status).toBe(503);
    expect((await call('GET', '/v1/courses/wf-1', s.superKey)).status).toBe(200);
    // (Unpublish and soft delete with a live feature store: test/catalogue-recommend.test.ts.)
    const row0 = await env.CATALOGUE.prepare("SELECT deleted_at FROM courses WHERE tenant_id = 'cat-a' AND course_id = 'wf-1'").first<{ deleted_at: string | null }>();
    expect(row0!.deleted_at).toBeNull();
    // Leave the shared shop as the later tests expect it (what the retried delete would do).
    await env.CATALOGUE.prepare("UPDATE courses SET deleted_at = ?1 WHERE tenant_id = 'cat-a' AND course_id = 'wf-1'").bind(new Date().toISOString()).run();
  });

  it('lists with filters, visibility rules and pagination', async () => {
    const ids = async (q: string, key = s.appKey) => (await call('GET', `/v1/courses${q}`, key)).body.items.map((c: any) => c.id).sort();
    expect(await ids('')).toEqual(['free-1', 'hatha-1', 'member-1', 'paid-1'].sort());
    expect(await ids('?free=true')).toEqual(['free-1', 'hatha-1', 'member-1']);
    expect(await ids('?free=false')).toEqual(['paid-1']);
    expect(await ids('?category=fitness')).toEqual(['free-1', 'member-1', 'paid-1']);
    expect(await ids('?tag=beginner&level=beginner')).toEqual(['free-1', 'member-1', 'paid-1']);
    expect(await ids('?q=hatha')).toEqual(['hatha-1']);
    expect(await ids('?q=%25')).toEqual([]);
    // Drafts: visible to their instructor and managers only.
    expect(await ids('?status=draft', s.instructorKey)).toEqual(['draft-1']);
    expect(await ids('?status=draft')).toEqual([]);
    expect(await ids('?status=draft', s.otherInstructorKey)).toEqual([]);
    const page1 = await call('GET', '/v1/courses?limit=3', s.appKey);
    expect(page1.body).toMatchObject({ total: 4, limit: 3, offset: 0, nextOffset: 3 });
    const page2 = await call('GET', '/v1/courses?limit=3&offset=3', s.appKey);
    expect(page2.body).toMatchObject({ total: 4, nextOffset: null });
    expect(page2.body.items).toHaveLength(1);
    const bad = await call('GET', '/v1/courses?limit=0', s.appKey);
    expect(bad.body.error).toMatchObject({ code: 'invalid_query', field: 'limit' });
    expect((await call('GET', '/v1/courses?category=ghost', s.appKey)).body.error.field).toBe('category');
  });

  it('shows counts and the chapter/lesson tree', async () => {
    const d = await call('GET', '/v1/courses/paid-1', s.appKey);
    expect(d.body.counts).toMatchObject({ chapters: 3, videos: 4, durationSeconds: 2400 });
    expect(d.body.chapters.map((c: any) => [c.id, c.videos.map((v: any) => v.id)])).toEqual([
      ['p-intro', ['pv-free']],
      ['p-main', ['pv-paid', 'pv-trial']],
      ['p-later', ['pv-locked']],
    ]);
  });

  it('rejects negative durations, trials longer than the video and unknown references', async () => {
    const neg = await call('POST', '/v1/courses/paid-1/videos', s.instructorKey, { id: 'neg', title: 'Neg', durationSeconds: -5 });
    expect(neg.status).toBe(400);
    expect(neg.body.error).toMatchObject({ code: 'invalid_field', field: 'durationSeconds' });
    const trial = await call('POST', '/v1/courses/paid-1/videos', s.instructorKey, { id: 'tl', title: 'TL', durationSeconds: 10, trialSeconds: 20 });
    expect(trial.body.error).toMatchObject({ code: 'invalid_field', field: 'trialSeconds' });
    const ch = await call('POST', '/v1/courses/free-1/videos', s.instructorKey, { id: 'wrongch', title: 'W', chapterId: 'p-main' });
    expect(ch.body.error.field).toBe('chapterId');
    const cat = await call('POST', '/v1/courses', s.instructorKey, { id: 'c9', categoryId: 'ghost', title: 'G', level: 'beginner', access: 'free' });
    expect(cat.body.error).toMatchObject({ code: 'invalid_field', field: 'categoryId' });
    const tag = await call('POST', '/v1/courses', s.instructorKey, { id: 'c9', categoryId: 'fitness', title: 'G', level: 'beginner', access: 'free', tagIds: ['beginner', 'ghost'] });
    expect(tag.body.error.field).toBe('tagIds.1');
    const neg2 = await internal('PATCH', '/v1/internal/videos/pv-paid/status', { tenantId: 'cat-a', status: 'ready', durationSeconds: -1 });
    expect(neg2.body.error).toMatchObject({ code: 'invalid_field', field: 'durationSeconds' });
  });
});

describe('internal video API (media-node)', () => {
  it('creates idempotently and reports status, with the internal token or a super/admin key only', async () => {
    const body = { tenantId: 'cat-a', videoId: 'up-1', title: 'Upload', sourceUri: 'file:///tmp/x.mp4' };
    const created = await internal('POST', '/v1/internal/videos', body);
    expect(created.status).toBe(201);
    expect(created.body.video).toMatchObject({ id: 'up-1', status: 'uploading', courseId: null });
    expect((await internal('POST', '/v1/internal/videos', body)).status).toBe(200);
    expect((await internal('POST', '/v1/internal/videos', { ...body, tenantId: undefined })).body.error.field).toBe('tenantId');
    expect((await internal('POST', '/v1/internal/videos', { ...body, tenantId: 'ghost-tenant' })).status).toBe(400);
    expect((await call('POST', '/v1/internal/videos', s.appKey, body)).status).toBe(403);
    expect((await call('POST', '/v1/internal/videos', 'vp_wrong', body)).status).toBe(401);
    expect((await call('POST', '/v1/internal/videos', rival.superKey, body)).status).toBe(403);
    const admin = await createKey(s.superKey, 'admin', 'ops');
    expect((await call('PATCH', '/v1/internal/videos/up-1/status', admin.apiKey, { status: 'transcoding', jobId: 'j1' })).body.video.status).toBe('transcoding');
    expect((await internal('PATCH', '/v1/internal/videos/up-1/status', { tenantId: 'cat-a', status: 'ready' })).body.error.field).toBe('renditions');
    const ready = await internal('PATCH', '/v1/internal/videos/up-1/status', { tenantId: 'cat-a', status: 'ready', renditions: ['360p'], durationSeconds: 42.5 });
    expect(ready.body.video).toMatchObject({ status: 'ready', renditions: ['360p'], durationSeconds: 42.5 });
    const failed = await internal('PATCH', '/v1/internal/videos/up-1/status', { tenantId: 'cat-a', status: 'failed', failureReason: 'bad codec' });
    expect(failed.body.video).toMatchObject({ status: 'failed', failureReason: 'bad codec' });
    expect((await internal('PATCH', '/v1/internal/videos/up-1/status', { tenantId: 'cat-b', status: 'ready', renditions: ['360p'] })).status).toBe(404);
    // The instructor attaches the uploaded record to a course; the reported duration is kept.
    await internal('PATCH', '/v1/internal/videos/up-1/status', { tenantId: 'cat-a', status: 'ready', renditions: ['360p'] });
    const attached = await call('POST', '/v1/courses/free-1/videos', s.instructorKey, { id: 'up-1', title: 'Uploaded lesson', sortOrder: 5 });
    expect(attached.status).toBe(200);
    expect(attached.body).toMatchObject({ courseId: 'free-1', durationSeconds: 42.5, status: 'ready' });
    const t = await provisionTenant('cat-c');
    expect((await call('GET', '/v1/videos/up-1', t.apiKey)).status).toBe(404);
  });
});
