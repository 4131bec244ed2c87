import { afterAll, describe, expect, inject, it } from 'vitest';
import { createClickHouse } from '@vidplat/analytics';
import { SCHEMA_VERSION, uuidv7 } from '@vidplat/contracts';
import type {} from '@vidplat/devstack/vitest-global-setup';

/**
 * Server-side catalogue events end to end (wrangler dev → ingest → Kafka → raw-events consumer and
 * window jobs → ClickHouse): enrol, play and complete through the APIs, no client events, and
 * ClickHouse has the course's enrolment and completion and the video's play; the same play
 * reported by the client as well counts once; hot courses rank by the stream's item heat.
 */
const { env, urls } = inject('stack');
const ch = createClickHouse({ url: env.CLICKHOUSE_URL!, database: env.CLICKHOUSE_DATABASE! });
afterAll(() => ch.close());
const tenant = `cat-ev-${Date.now()}`;

async function call(key: string, method: string, path: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${urls.edge}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}
const ok = async (p: Promise<{ status: number; body: any }>) => {
  const r = await p;
  expect(r.status, JSON.stringify(r.body)).toBeLessThan(300);
  return r.body;
};
async function counts(): Promise<Record<string, number>> {
  const r = await ch.query({
    query: 'SELECT type, item_id, count() AS n FROM events_raw FINAL WHERE tenant_id = {t:String} GROUP BY type, item_id',
    query_params: { t: tenant },
    format: 'JSONEachRow',
  });
  return Object.fromEntries((await r.json<{ type: string; item_id: string; n: string }>()).map((x) => [`${x.type}:${x.item_id}`, Number(x.n)]));
}
async function eventually<T>(fn: () => Promise<T>, done: (v: T) => boolean, ms = 90_000): Promise<T> {
  const end = Date.now() + ms;
  let v = await fn();
  while (!done(v) && Date.now() < end) {
    await new Promise((r) => setTimeout(r, 500));
    v = await fn();
  }
  return v;
}

describe('server-side catalogue events reach ClickHouse', () => {
  it('enrol + play + completion through the APIs (no client events) count the enrolment, one play and one course completion; the client\'s duplicate play counts nothing; the course is hot', async () => {
    const sup = (await ok(call(env.ADMIN_API_KEY!, 'POST', '/v1/platform/tenants', { tenantId: tenant, name: tenant, permissions: ['act_as_user'] }))).apiKey as string;
    const app = (await ok(call(sup, 'POST', '/v1/admin/api-keys', { role: 'tenant', userId: null, permissions: ['act_as_user'] }))).apiKey as string;
    await ok(call(sup, 'POST', '/v1/categories', { id: 'music', name: 'Music' }));
    await ok(call(sup, 'POST', '/v1/courses', { id: 'guitar-1', categoryId: 'music', title: 'Guitar 1', level: 'beginner', access: 'free', instructorId: 'ins-1' }));
    await ok(call(sup, 'POST', '/v1/courses/guitar-1/videos', { id: 'guitar-1-v1', chapterId: null, title: 'Chords', durationSeconds: 300 }));
    await ok(call(env.EDGE_INTERNAL_TOKEN!, 'PATCH', '/v1/internal/videos/guitar-1-v1/status', { tenantId: tenant, status: 'ready', renditions: ['360p'] }));
    await ok(call(sup, 'POST', '/v1/courses/guitar-1/status', { status: 'in_review' }));
    await ok(call(sup, 'POST', '/v1/courses/guitar-1/status', { status: 'published' }));

    const user = { 'x-user-id': 'learner-1' };
    await ok(call(app, 'POST', '/v1/courses/guitar-1/enrolments', { kind: 'free' }, user));
    // Two authorisations in one session are one play (two only if they straddle a 5-minute session boundary).
    const t0 = Date.now();
    await ok(call(app, 'GET', '/v1/play/guitar-1-v1', undefined, user));
    await ok(call(app, 'GET', '/v1/play/guitar-1-v1', undefined, user));
    const plays = Math.floor(Date.now() / 300_000) - Math.floor(t0 / 300_000) + 1;
    // The client reports the same play itself, and a like (which is the client's to report).
    const ev = (type: 'play_start' | 'like') => ({
      eventId: uuidv7(),
      tenantId: tenant,
      eventTime: new Date().toISOString(),
      schemaVersion: SCHEMA_VERSION,
      userId: 'learner-1',
      itemId: 'guitar-1-v1',
      type,
      ...(type === 'play_start' ? { positionSeconds: 0, durationSeconds: 300 } : {}),
    });
    const posted = await call(app, 'POST', '/v1/events', { events: [ev('play_start'), ev('like')] });
    expect(posted).toMatchObject({ status: 202, body: { accepted: 2 } });

    const c = await eventually(counts, (x) => x['enrol:guitar-1'] === 1 && x['play_start:guitar-1-v1'] === plays && x['like:guitar-1-v1'] === 1);
    expect(c).toEqual({ 'enrol:guitar-1': 1, 'play_start:guitar-1-v1': plays, 'like:guitar-1-v1': 1 });
    // The server's play_start says why it was allowed.
    const r = await ch.query({
      query: "SELECT payload FROM events_raw FINAL WHERE tenant_id = {t:String} AND type = 'play_start'",
      query_params: { t: tenant },
      format: 'JSONEachRow',
    });
    const [row] = await r.json<{ payload: string }>(); // (the first play of the session)
    expect(JSON.parse(row!.payload)).toMatchObject({ access: 'free', userId: 'learner-1' });

    // The learner finishes the only lesson: the course is complete, announced once (the report is retried).
    const tok = (await ok(call(app, 'GET', '/v1/play/guitar-1-v1', undefined, user))).token as string;
    // Halfway first: the server reports the 25 % and 50 % milestones.
    await ok(call(app, 'POST', '/v1/videos/guitar-1-v1/progress', { positionSeconds: 160, durationSeconds: 300, watchedSeconds: 20, device: 'web', playbackToken: tok }, user));
    const report = { positionSeconds: 295, durationSeconds: 300, watchedSeconds: 10, device: 'web', playbackToken: tok };
    const done = await ok(call(app, 'POST', '/v1/videos/guitar-1-v1/progress', report, user));
    expect(done).toMatchObject({ event: 'play_complete', courseCompletedAt: expect.any(String) });
    expect(await ok(call(app, 'POST', '/v1/videos/guitar-1-v1/progress', report, user))).toMatchObject({ courseCompletedAt: done.courseCompletedAt });
    const c2 = await eventually(counts, (x) => x['course_complete:guitar-1'] === 1 && x['play_complete:guitar-1-v1'] === 1);
    expect(c2).toMatchObject({ 'course_complete:guitar-1': 1, 'play_complete:guitar-1-v1': 1, 'enrol:guitar-1': 1 });
    // An admin sees it in the analytics overview and the courses report (read from ClickHouse).
    const day = new Date().toISOString().slice(0, 10);
    const overview = await ok(call(sup, 'GET', `/v1/admin/analytics/overview?from=${day}&to=${day}`));
    expect(overview).toMatchObject({ enrolments: 1, courseCompletions: 1 });
    // The video's statistics: the learner passed 25 % and 50 % (milestones) and the end (completion, standing for 75 % too).
    const milestones = await eventually(
      async () => (await ch.query({ query: "SELECT count() AS n FROM events_raw FINAL WHERE tenant_id = {t:String} AND type = 'play_progress' AND JSONExtractUInt(payload, 'milestone') > 0", query_params: { t: tenant }, format: 'JSONEachRow' })).json<{ n: string }>(),
      (x) => Number(x[0]?.n) === 2,
    );
    expect(Number(milestones[0]!.n)).toBe(2);
    const videos = await ok(call(sup, 'GET', `/v1/admin/analytics/videos?from=${day}&to=${day}`));
    expect(videos.reached).toEqual({ p25: 1, p50: 1, p75: 1, p100: 1 });
    const report30 = await ok(call(sup, 'GET', `/v1/admin/analytics/courses/hot?from=${day}&to=${day}&limit=5`));
    expect(report30.courses).toEqual([expect.objectContaining({ courseId: 'guitar-1', enrolments: 1, completions: 1 })]);

    // Hot courses come from the stream's item heat: the item-heat job's early results of the open
    // pane (or the pane itself once its window fired) carry the course's and its video's heat.
    const heat = async () => {
      const q = await ch.query({
        query: `SELECT item_id FROM item_heat_early FINAL WHERE tenant_id = {t:String} AND heat_micro > 0
                UNION DISTINCT SELECT item_id FROM item_heat_panes FINAL WHERE tenant_id = {t:String}`,
        query_params: { t: tenant },
        format: 'JSONEachRow',
      });
      return (await q.json<{ item_id: string }>()).map((x) => x.item_id).sort();
    };
    const heated = await eventually(heat, (ids) => ids.includes('guitar-1') && ids.includes('guitar-1-v1'), 120_000);
    expect(heated).toEqual(expect.arrayContaining(['guitar-1', 'guitar-1-v1']));
    // A second published course in the category with no activity is not hot.
    await ok(call(sup, 'POST', '/v1/courses', { id: 'guitar-2', categoryId: 'music', title: 'Guitar 2', level: 'beginner', access: 'free', instructorId: 'ins-1' }));
    await ok(call(sup, 'POST', '/v1/courses/guitar-2/status', { status: 'in_review' }));
    await ok(call(sup, 'POST', '/v1/courses/guitar-2/status', { status: 'published' }));
    const hot = await call(app, 'GET', '/v1/courses/hot?category=music&limit=5');
    expect(hot.status, JSON.stringify(hot.body)).toBe(200);
    expect(hot.body.courses).toEqual([expect.objectContaining({ courseId: 'guitar-1', enrolments: 1, learners: 1, completions: 1, title: 'Guitar 1', score: expect.any(Number) })]);
    expect(hot.body.courses[0].score).toBeGreaterThan(0);
    // Served from the edge cache the second time.
    const res = await fetch(`${urls.edge}/v1/courses/hot?category=music&limit=5`, { headers: { authorization: `Bearer ${app}` } });
    expect(res.headers.get('x-cache')).toBe('hit');
    // The instructor's view of the course: enrolments, plays and the roster.
    const stats = await call(sup, 'GET', '/v1/courses/guitar-1/stats');
    expect(stats.body).toMatchObject({ courseId: 'guitar-1', enrolments: { total: 1, active: 1 }, completions: 1 });
    expect(stats.body.plays).toBeGreaterThanOrEqual(plays); // (the completion's own authorisation may open a new session)
  }, 300_000);
});
