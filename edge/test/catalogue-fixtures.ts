import { env, SELF } from 'cloudflare:test';
import { createKey, json, provisionTenant } from './helpers.js';

export const E = 'https://edge.test';

export async function call<T = any>(method: string, path: string, key: string, body?: unknown, headers: Record<string, string> = {}): Promise<{ status: number; body: T }> {
  const res = await SELF.fetch(`${E}${path}`, json(method, key, body, headers));
  const text = await res.text();
  return { status: res.status, body: (text ? JSON.parse(text) : null) as T };
}

/** Internal media-node call with the shared secret. */
export const internal = (method: string, path: string, body: unknown) => call(method, path, env.EDGE_INTERNAL_TOKEN!, body);

export interface Shop {
  tenantId: string;
  superKey: string;
  appKey: string;
  instructorKey: string;
  otherInstructorKey: string;
}

/**
 * A tenant with a small catalogue: category `fitness`, a paid course with a free chapter, a locked
 * chapter and a trial lesson, a member course, a free course and an unpublished draft.
 */
export async function seedShop(tenantId: string): Promise<Shop> {
  const sup = await provisionTenant(tenantId);
  const app = await createKey(sup.apiKey, 'tenant');
  const ins = await createKey(sup.apiKey, 'instructor', 'ins-1');
  const other = await createKey(sup.apiKey, 'instructor', 'ins-2');
  const s = { tenantId, superKey: sup.apiKey, appKey: app.apiKey, instructorKey: ins.apiKey, otherInstructorKey: other.apiKey };
  const ok = async (r: Promise<{ status: number; body: any }>) => {
    const x = await r;
    if (x.status >= 300) throw new Error(`seed step failed: ${x.status} ${JSON.stringify(x.body)}`);
    return x.body;
  };
  await ok(call('POST', '/v1/categories', s.superKey, { id: 'fitness', name: 'Fitness' }));
  await ok(call('POST', '/v1/tags', s.superKey, { id: 'beginner', name: 'Beginner', type: 'level', color: '#00aa00' }));
  const course = (id: string, access: string, priceCents: number) =>
    ok(call('POST', '/v1/courses', s.instructorKey, { id, categoryId: 'fitness', title: `Course ${id}`, level: 'beginner', access, priceCents, tagIds: ['beginner'] }));
  await course('paid-1', 'paid', 4900);
  await course('member-1', 'member', 0);
  await course('free-1', 'free', 0);
  await course('draft-1', 'paid', 1000);
  await ok(call('POST', '/v1/courses/paid-1/chapters', s.instructorKey, { id: 'p-intro', title: 'Intro', sortOrder: 0, free: true }));
  await ok(call('POST', '/v1/courses/paid-1/chapters', s.instructorKey, { id: 'p-main', title: 'Main', sortOrder: 1 }));
  await ok(call('POST', '/v1/courses/paid-1/chapters', s.instructorKey, { id: 'p-later', title: 'Later', sortOrder: 2, locked: true }));
  const video = async (courseId: string, id: string, chapterId: string | null, extra: Record<string, unknown> = {}) => {
    await ok(call('POST', `/v1/courses/${courseId}/videos`, s.instructorKey, { id, chapterId, title: `Lesson ${id}`, durationSeconds: 600, ...extra }));
    await ok(internal('PATCH', `/v1/internal/videos/${id}/status`, { tenantId, status: 'ready', renditions: ['360p', '720p'] }));
  };
  await video('paid-1', 'pv-free', 'p-intro', { sortOrder: 0 });
  await video('paid-1', 'pv-paid', 'p-main', { sortOrder: 0 });
  await video('paid-1', 'pv-trial', 'p-main', { sortOrder: 1, trialSeconds: 60 });
  await video('paid-1', 'pv-locked', 'p-later', { sortOrder: 0 });
  await video('member-1', 'mv-1', null);
  await video('member-1', 'mv-trial', null, { sortOrder: 1, trialSeconds: 30 });
  await video('free-1', 'fv-1', null);
  await video('draft-1', 'dv-1', null);
  for (const id of ['paid-1', 'member-1', 'free-1']) {
    await ok(call('POST', `/v1/courses/${id}/status`, s.instructorKey, { status: 'in_review' }));
    await ok(call('POST', `/v1/courses/${id}/status`, s.superKey, { status: 'published' }));
  }
  return s;
}

export const asUser = (userId: string) => ({ 'x-user-id': userId });
export const iso = (offsetMs: number) => new Date(Date.now() + offsetMs).toISOString();
export const DAY = 86_400_000;
