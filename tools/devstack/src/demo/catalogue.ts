import { edgeClient } from '@vidplat/contracts/edge-client';
import type { DemoContext, DemoSeeder, DemoTenant } from './context.js';

/**
 * Demo catalogue per tenant, created through the edge's public API: a small category tree, typed
 * tags, three courses (free / paid with a free chapter, a trial lesson and a locked chapter /
 * member-only), demo users with a paid enrolment, an expired enrolment and a membership.
 * Lesson videos are marked ready through the internal video API with a super key; the HLS files
 * themselves come from the media-node (its demo or an upload of the same video ids).
 */
export const DEMO_LESSONS = {
  'mobility-basics': ['mob-1', 'mob-2'],
  'strength-101': ['str-intro', 'str-1', 'str-2', 'str-bonus'],
  'yoga-flow': ['yoga-1', 'yoga-2'],
} as const;

const DAY = 86_400_000;

/**
 * One seeding call through the typed edge client: a few attempts on a network error or a 5xx;
 * 409 means "already seeded" (restarts) and answers null.
 */
async function seed<T>(what: string, send: () => Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T | null> {
  let last = '';
  for (let attempt = 1; attempt <= 3; attempt++) {
    try {
      const { data, error, response } = await send();
      if (response.ok) return data ?? null;
      if (response.status === 409) return null;
      last = `${what}: ${response.status} ${JSON.stringify(error).slice(0, 300)}`;
      if (response.status < 500) break;
    } catch (e) {
      last = `${what}: ${(e as Error).message}`;
    }
    await new Promise((r) => setTimeout(r, 200 * attempt));
  }
  throw new Error(last);
}

async function seedTenant(ctx: DemoContext, t: DemoTenant): Promise<void> {
  const sup = edgeClient({ baseUrl: ctx.edgeUrl, key: t.superKey, timeoutMs: 5000 });
  const instructor = await seed('instructor key', () => sup.POST('/v1/admin/api-keys', { body: { role: 'instructor', userId: 'coach-ana' } }));
  if (!instructor) throw new Error('creating the instructor key answered 409');
  const ins = edgeClient({ baseUrl: ctx.edgeUrl, key: instructor.apiKey, timeoutMs: 5000 });

  for (const [id, parentId, name, sortOrder] of [
    ['fitness', null, 'Fitness', 0],
    ['strength', 'fitness', 'Strength', 0],
    ['mobility', 'fitness', 'Mobility', 1],
    ['mind', null, 'Mind & body', 1],
    ['yoga', 'mind', 'Yoga', 0],
  ] as const) {
    await seed(`category ${id}`, () => sup.POST('/v1/categories', { body: { id, parentId, name, sortOrder } }));
  }
  for (const [id, name, type, color] of [
    ['beginner', 'Beginner', 'level', '#2e7d32'],
    ['advanced', 'Advanced', 'level', '#c62828'],
    ['core', 'Core', 'body_part', '#6a1b9a'],
    ['back', 'Back', 'body_part', '#00838f'],
    ['lose-weight', 'Lose weight', 'goal', '#ef6c00'],
    ['at-home', 'At home', 'general', '#455a64'],
  ] as const) {
    await seed(`tag ${id}`, () => sup.POST('/v1/tags', { body: { id, name, type, color } }));
  }

  const courses = [
    { id: 'mobility-basics', categoryId: 'mobility', title: 'Mobility basics', description: 'Ten minutes a day for happier joints.', level: 'beginner', access: 'free', tagIds: ['beginner', 'back', 'at-home'] },
    { id: 'strength-101', categoryId: 'strength', title: 'Strength 101', description: 'Barbell fundamentals in four lessons.', level: 'intermediate', access: 'paid', priceCents: 4900, tagIds: ['core', 'lose-weight'] },
    { id: 'yoga-flow', categoryId: 'yoga', title: 'Members’ yoga flow', description: 'Vinyasa sessions for members.', level: 'advanced', access: 'member', tagIds: ['advanced', 'core'] },
  ] as const;
  for (const body of courses) await seed(`course ${body.id}`, () => ins.POST('/v1/courses', { body: { ...body, tagIds: [...body.tagIds] } }));

  const chapter = (courseId: string, body: { id: string; title: string; sortOrder: number; free?: boolean; locked?: boolean }) =>
    seed(`chapter ${body.id}`, () => ins.POST('/v1/courses/{courseId}/chapters', { params: { path: { courseId } }, body }));
  await chapter('strength-101', { id: 'str-ch-intro', title: 'Start here', sortOrder: 0, free: true });
  await chapter('strength-101', { id: 'str-ch-main', title: 'The lifts', sortOrder: 1 });
  await chapter('strength-101', { id: 'str-ch-bonus', title: 'Bonus (coming soon)', sortOrder: 2, locked: true });

  const lessons: [string, string, string | null, { title: string; sortOrder: number; trialSeconds?: number }][] = [
    ['mobility-basics', 'mob-1', null, { title: 'Hips', sortOrder: 0 }],
    ['mobility-basics', 'mob-2', null, { title: 'Shoulders', sortOrder: 1 }],
    ['strength-101', 'str-intro', 'str-ch-intro', { title: 'Why strength', sortOrder: 0 }],
    ['strength-101', 'str-1', 'str-ch-main', { title: 'Squat', sortOrder: 0, trialSeconds: 30 }],
    ['strength-101', 'str-2', 'str-ch-main', { title: 'Deadlift', sortOrder: 1 }],
    ['strength-101', 'str-bonus', 'str-ch-bonus', { title: 'Programming', sortOrder: 0 }],
    ['yoga-flow', 'yoga-1', null, { title: 'Sun salutation', sortOrder: 0, trialSeconds: 20 }],
    ['yoga-flow', 'yoga-2', null, { title: 'Balance', sortOrder: 1 }],
  ];
  for (const [courseId, id, chapterId, extra] of lessons) {
    await seed(`video ${id}`, () => ins.POST('/v1/courses/{courseId}/videos', { params: { path: { courseId } }, body: { id, chapterId, durationSeconds: 120, ...extra } }));
    await seed(`video ${id} ready`, () =>
      sup.PATCH('/v1/internal/videos/{videoId}/status', { params: { path: { videoId: id } }, body: { status: 'ready', renditions: ['360p', '720p'], durationSeconds: 120 } }),
    );
  }
  for (const courseId of Object.keys(DEMO_LESSONS)) {
    const status = (client: typeof sup, to: 'in_review' | 'published') => seed(`course ${courseId} ${to}`, () => client.POST('/v1/courses/{courseId}/status', { params: { path: { courseId } }, body: { status: to } }));
    await status(ins, 'in_review');
    await status(sup, 'published');
  }

  const now = Date.now();
  const iso = (ms: number) => new Date(now + ms).toISOString();
  const strength = { params: { path: { courseId: 'strength-101' } } };
  await seed('enrolment demo-learner', () =>
    sup.POST('/v1/courses/{courseId}/enrolments', { ...strength, body: { kind: 'paid', userId: 'demo-learner', orderId: `${t.tenantId}-order-1`, pricePaidCents: 4900, validFrom: iso(-DAY), validUntil: iso(365 * DAY) } }),
  );
  await seed('enrolment demo-lapsed', () =>
    sup.POST('/v1/courses/{courseId}/enrolments', { ...strength, body: { kind: 'paid', userId: 'demo-lapsed', orderId: `${t.tenantId}-order-0`, pricePaidCents: 3900, validFrom: iso(-400 * DAY), validUntil: iso(-35 * DAY) } }),
  );
  await seed('membership demo-member', () =>
    sup.PUT('/v1/memberships/{userId}', { params: { path: { userId: 'demo-member' } }, body: { plan: 'gold', validFrom: iso(-DAY), validUntil: iso(30 * DAY) } }),
  );
}

export const seedCatalogue: DemoSeeder = async (ctx) => {
  for (const t of ctx.tenants) await seedTenant(ctx, t);
  const first = ctx.tenants[0];
  if (first) {
    ctx.log(
      `catalogue: 3 courses per tenant; try: curl -H 'Authorization: Bearer ${first.superKey}' -H 'X-User-Id: demo-learner' ${ctx.edgeUrl}/v1/play/str-2` +
        ` (users: demo-learner paid, demo-member member, demo-lapsed expired, anyone else: free lessons and trials)`,
    );
  }
};
