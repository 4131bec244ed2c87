import { env, SELF } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { BehaviourEvent, SCHEMA_VERSION, uuidv7 } from '@vidplat/contracts';
import { asUser, call, internal, seedShop, type Shop } from './catalogue-fixtures.js';
import { json } from './helpers.js';

/**
 * course_complete: announced once per learner and course when progress completes the course's
 * last ready video, whatever the retries and races; seen by the learner (course progress), the
 * instructor (roster) and, through the outbox → ingest → Kafka path, analytics and item heat
 * (end to end: test/catalogue-events.test.ts). Ingest is down in workerd tests, so the events
 * wait in the D1 outbox, where the test reads them.
 */
const T = 'cc-a';
let s: Shop;

const outbox = async (type: string) =>
  (
    await env.CATALOGUE.prepare("SELECT body FROM event_outbox WHERE tenant_id = ?1 AND json_extract(body, '$.type') = ?2 ORDER BY created_at")
      .bind(T, type)
      .all<{ body: string }>()
  ).results.map((r) => BehaviourEvent.parse(JSON.parse(r.body)));

async function token(videoId: string, userId: string): Promise<string> {
  const r = await call('GET', `/v1/play/${videoId}`, s.appKey, undefined, asUser(userId));
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.token;
}
const finish = async (videoId: string, userId: string, tok: string) =>
  call('POST', `/v1/videos/${videoId}/progress`, s.appKey, { positionSeconds: 590, durationSeconds: 600, watchedSeconds: 590, device: 'web', playbackToken: tok }, asUser(userId));

beforeAll(async () => {
  s = await seedShop(T);
  // A free course with two lessons (the shop's free-1 has one).
  expect((await call('POST', '/v1/courses', s.instructorKey, { id: 'free-2', categoryId: 'fitness', title: 'Two lessons', level: 'beginner', access: 'free', priceCents: 0 })).status).toBe(201);
  for (const [i, id] of ['f2-a', 'f2-b'].entries()) {
    expect((await call('POST', '/v1/courses/free-2/videos', s.instructorKey, { id, chapterId: null, title: id, durationSeconds: 600, sortOrder: i })).status).toBe(201);
    expect((await internal('PATCH', `/v1/internal/videos/${id}/status`, { tenantId: T, status: 'ready', renditions: ['360p'] })).status).toBeLessThan(300);
  }
  await call('POST', '/v1/courses/free-2/status', s.instructorKey, { status: 'in_review' });
  expect((await call('POST', '/v1/courses/free-2/status', s.superKey, { status: 'published' })).status).toBeLessThan(300);
});

describe('course completion', () => {
  it('completing the last lesson completes the course once: one course_complete, seen in course progress and the roster', async () => {
    expect((await call('POST', '/v1/courses/free-2/enrolments', s.appKey, { kind: 'free' }, asUser('ada'))).status).toBe(201);
    const a = await finish('f2-a', 'ada', await token('f2-a', 'ada'));
    expect(a.body).toMatchObject({ event: 'play_complete', courseCompletedAt: null });
    expect(await outbox('course_complete')).toEqual([]);
    expect((await call('GET', '/v1/courses/free-2/progress', s.appKey, undefined, asUser('ada'))).body).toMatchObject({ completedVideos: 1, completedAt: null });

    const tb = await token('f2-b', 'ada');
    const b = await finish('f2-b', 'ada', tb);
    expect(b.body).toMatchObject({ event: 'play_complete', courseCompletedAt: expect.any(String) });
    const at = b.body.courseCompletedAt as string;
    // The client retries the report, then seeks back: the course stays completed at the same time, announced once.
    expect((await finish('f2-b', 'ada', tb)).body).toMatchObject({ event: 'play_progress', courseCompletedAt: at });
    const events = await outbox('course_complete');
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'course_complete', tenantId: T, userId: 'ada', itemId: 'free-2', courseId: 'free-2', videos: 2, eventTime: at });
    expect((events[0] as { courseWatchSeconds: number }).courseWatchSeconds).toBeGreaterThan(1000);

    const progress = await call('GET', '/v1/courses/free-2/progress', s.appKey, undefined, asUser('ada'));
    expect(progress.body).toMatchObject({ completedVideos: 2, completionRate: 1, completedAt: at });
    const roster = await call('GET', '/v1/courses/free-2/students', s.instructorKey);
    expect(roster.body.items).toEqual([expect.objectContaining({ userId: 'ada', progress: 1, courseCompletedAt: at })]);
  });

  it('two reports racing on the last lesson record one completion and one event', async () => {
    await finish('f2-a', 'bo', await token('f2-a', 'bo'));
    const tb = await token('f2-b', 'bo');
    const [x, y] = await Promise.all([finish('f2-b', 'bo', tb), finish('f2-b', 'bo', tb)]);
    expect([x.status, y.status]).toEqual([200, 200]);
    expect(x.body.courseCompletedAt).toEqual(y.body.courseCompletedAt);
    expect((await outbox('course_complete')).filter((e) => e.userId === 'bo')).toHaveLength(1);
    const rows = await env.CATALOGUE.prepare("SELECT count(*) AS n FROM course_completions WHERE tenant_id = ?1 AND user_id = 'bo'").bind(T).first<{ n: number }>();
    expect(rows!.n).toBe(1);
  });

  it('a course with a lesson left is not complete; another course completed meanwhile is announced on its own', async () => {
    await finish('f2-a', 'cy', await token('f2-a', 'cy'));
    await finish('fv-1', 'cy', await token('fv-1', 'cy')); // free-1's only lesson: that course is complete
    const mine = (await outbox('course_complete')).filter((e) => e.userId === 'cy');
    expect(mine.map((e) => e.itemId)).toEqual(['free-1']);
  });

  it("a client's course_complete about a catalogue course is accepted but not forwarded (the server's counts)", async () => {
    const ev = (courseId: string) => ({
      eventId: uuidv7(),
      tenantId: T,
      eventTime: new Date().toISOString(),
      schemaVersion: SCHEMA_VERSION,
      userId: 'ada',
      itemId: courseId,
      type: 'course_complete',
      courseId,
      videos: 2,
      courseWatchSeconds: 1200,
    });
    // Nothing to forward: 202 although ingest is down (127.0.0.1:9 in these tests).
    const owned = await SELF.fetch('https://edge.test/v1/events', json('POST', s.appKey, { events: [ev('free-2')] }));
    expect(owned.status).toBe(202);
    expect(await owned.json()).toMatchObject({ accepted: 1, rejected: [] });
    // Not a catalogue course: forwarded (ingest down here: 503, retry).
    expect((await SELF.fetch('https://edge.test/v1/events', json('POST', s.appKey, { events: [ev('elsewhere')] }))).status).toBe(503);
  });
});
