import type { Context } from 'hono';
import { z } from 'zod';
import { CourseStatus, IsoTime } from '@vidplat/contracts';
import { AnalyticsUnavailableError } from '@vidplat/analytics/queries/reader';
import { analyticsReader } from '../admin/clickhouse.js';
import { edgeConfig, type AppEnv } from '../env.js';
import { requireKey } from '../tenancy/auth.js';
import { access, ApiRoutes, defineRoute, json } from '../http/api-routes.js';
import { canEditCourse } from './access-control.js';
import { forbidden, HttpFail, MANAGER_ROLES, notFound, nowIso } from './http.js';
import { getCourseRow, type CourseRow } from './rows.js';

/**
 * Instructors' views of their own courses (catalogue managers see every course): enrolments,
 * completion and plays per course, and the roster of students with their progress. Enrolments and
 * progress come from D1 (exact, immediate); plays from ClickHouse (the catalogue's server-side
 * play_start events), null when analytics does not answer.
 */
const viewers = requireKey(...MANAGER_ROLES, 'instructor');

async function ownCourse(c: Context<AppEnv>): Promise<CourseRow | HttpFail> {
  const course = await getCourseRow(c.env.CATALOGUE, c.var.principal.tenantId, c.req.param('courseId')!);
  if (!course) return new HttpFail(notFound(c, 'course', 'courseId'));
  if (!canEditCourse(c.var.principal, course)) return new HttpFail(forbidden(c, "only the course's instructor or a catalogue manager sees its statistics"));
  return course;
}

async function plays(c: Context<AppEnv>, tenantId: string, courseIds: string[]): Promise<Map<string, number> | null> {
  const { results } = await c.env.CATALOGUE.prepare('SELECT video_id, course_id FROM videos WHERE tenant_id = ?1 AND course_id IN (SELECT value FROM json_each(?2))')
    .bind(tenantId, JSON.stringify(courseIds))
    .all<{ video_id: string; course_id: string }>();
  const out = new Map(courseIds.map((id) => [id, 0]));
  if (!results.length) return out;
  try {
    const rows = await analyticsReader(edgeConfig(c.env)).rows<{ item_id: string; n: string | number }>(
      `SELECT item_id, count() AS n FROM events_raw FINAL WHERE tenant_id = {tenant:String} AND type = 'play_start' AND item_id IN {items:Array(String)} GROUP BY item_id`,
      { tenant: tenantId, items: results.map((r) => r.video_id) },
    );
    const courseOf = new Map(results.map((r) => [r.video_id, r.course_id]));
    for (const r of rows) out.set(courseOf.get(r.item_id)!, (out.get(courseOf.get(r.item_id)!) ?? 0) + Number(r.n));
    return out;
  } catch (e) {
    if (e instanceof AnalyticsUnavailableError) return null;
    throw e;
  }
}

interface Summary {
  course_id: string;
  title: string;
  status: string;
  total: number;
  active: number;
  completed: number;
  videos: number;
  watch_seconds: number;
}

/** Enrolments (all / active), learners who completed every ready video, and watch time per course. */
async function summaries(db: D1Database, tenantId: string, courseIds: string[], now: string): Promise<Summary[]> {
  const { results } = await db
    .prepare(
      `SELECT co.course_id, co.title, co.status,
         (SELECT count(DISTINCT e.user_id) FROM enrolments e WHERE e.tenant_id = co.tenant_id AND e.course_id = co.course_id) AS total,
         (SELECT count(DISTINCT e.user_id) FROM enrolments e WHERE e.tenant_id = co.tenant_id AND e.course_id = co.course_id
            AND e.valid_from <= ?3 AND (e.valid_until IS NULL OR e.valid_until > ?3)) AS active,
         (SELECT count(*) FROM videos v WHERE v.tenant_id = co.tenant_id AND v.course_id = co.course_id AND v.deleted_at IS NULL AND v.status = 'ready') AS videos,
         (SELECT coalesce(sum(vp.watched_seconds), 0) FROM video_progress vp WHERE vp.tenant_id = co.tenant_id AND vp.course_id = co.course_id) AS watch_seconds,
         (SELECT count(*) FROM (SELECT vp.user_id FROM video_progress vp JOIN videos v ON v.tenant_id = vp.tenant_id AND v.video_id = vp.video_id
              AND v.deleted_at IS NULL AND v.status = 'ready'
            WHERE vp.tenant_id = co.tenant_id AND v.course_id = co.course_id AND vp.completed_at IS NOT NULL GROUP BY vp.user_id
            HAVING count(*) >= (SELECT count(*) FROM videos v2 WHERE v2.tenant_id = co.tenant_id AND v2.course_id = co.course_id AND v2.deleted_at IS NULL AND v2.status = 'ready'))) AS completed
       FROM courses co WHERE co.tenant_id = ?1 AND co.deleted_at IS NULL AND co.course_id IN (SELECT value FROM json_each(?2)) ORDER BY co.course_id`,
    )
    .bind(tenantId, JSON.stringify(courseIds), now)
    .all<Summary>();
  return results;
}

const view = (s: Summary, p: Map<string, number> | null) => ({
  courseId: s.course_id,
  title: s.title,
  status: s.status,
  enrolments: { total: s.total, active: s.active },
  completions: s.videos > 0 ? s.completed : 0,
  completionRate: s.total > 0 && s.videos > 0 ? Math.round((s.completed / s.total) * 1000) / 1000 : 0,
  watchSeconds: s.watch_seconds,
  plays: p ? (p.get(s.course_id) ?? 0) : null,
});

/** A course's learning figures (plays null when analytics is unavailable). */
const CourseStats = z.object({
  courseId: z.string(),
  title: z.string(),
  status: CourseStatus,
  enrolments: z.object({ total: z.number().int(), active: z.number().int() }),
  completions: z.number().int(),
  completionRate: z.number(),
  watchSeconds: z.number(),
  plays: z.number().int().nullable(),
});
const Students = z.object({
  courseId: z.string(),
  totalVideos: z.number().int(),
  items: z.array(z.object({ userId: z.string(), enrolledAt: IsoTime, active: z.boolean(), completedVideos: z.number().int(), progress: z.number(), watchSeconds: z.number(), lastActivityAt: IsoTime.nullable() })),
  limit: z.number().int(),
  offset: z.number().int(),
});
const tags = ['catalogue'];
const viewerAccess = { ...access.key(...MANAGER_ROLES, 'instructor'), middleware: viewers };
const course = z.object({ courseId: z.string() });

export const instructorRoutes = new ApiRoutes()
  .endpoint(defineRoute({ method: 'get', path: '/v1/instructor/courses', tags, access: access.key('instructor'), description: "A personal instructor key's own courses.", responses: { 200: json(z.object({ items: z.array(CourseStats) })) } }), async (c) => {
    const p = c.var.principal;
    if (!p.userId) return forbidden(c, 'instructor keys must be personal (with a userId)');
    const { results } = await c.env.CATALOGUE.prepare('SELECT course_id FROM courses WHERE tenant_id = ?1 AND instructor_id = ?2 AND deleted_at IS NULL')
      .bind(p.tenantId, p.userId)
      .all<{ course_id: string }>();
    const ids = results.map((r) => r.course_id);
    const [sums, pl] = await Promise.all([summaries(c.env.CATALOGUE, p.tenantId, ids, nowIso()), ids.length ? plays(c, p.tenantId, ids) : Promise.resolve(new Map<string, number>())]);
    return c.json({ items: sums.map((s) => view(s, pl)) }, 200, { 'cache-control': 'private, max-age=30' });
  })
  .endpoint(defineRoute({ method: 'get', path: '/v1/courses/{courseId}/stats', tags, access: viewerAccess, request: { params: course }, responses: { 200: json(CourseStats) }, errors: [404] }), async (c) => {
    const course = await ownCourse(c);
    if (course instanceof HttpFail) return course.res;
    const { tenantId } = c.var.principal;
    const [sums, pl] = await Promise.all([summaries(c.env.CATALOGUE, tenantId, [course.course_id], nowIso()), plays(c, tenantId, [course.course_id])]);
    return c.json(view(sums[0]!, pl), 200, { 'cache-control': 'private, max-age=30' });
  })
  .endpoint(defineRoute({ method: 'get', path: '/v1/courses/{courseId}/students', tags, access: viewerAccess, request: { params: course, query: z.object({ limit: z.coerce.number().int().min(1).max(500).optional(), offset: z.coerce.number().int().min(0).optional() }) }, responses: { 200: json(Students) }, errors: [404] }), async (c) => {
    const course = await ownCourse(c);
    if (course instanceof HttpFail) return course.res;
    const { tenantId } = c.var.principal;
    const limit = Math.min(Math.max(Number(c.req.query('limit') ?? 100) || 100, 1), 500);
    const offset = Math.max(Number(c.req.query('offset') ?? 0) || 0, 0);
    const now = nowIso();
    const { results } = await c.env.CATALOGUE.prepare(
      `SELECT e.user_id, min(e.created_at) AS enrolled_at, max(e.valid_until IS NULL OR e.valid_until > ?3) AS active,
         (SELECT count(*) FROM video_progress vp JOIN videos v ON v.tenant_id = vp.tenant_id AND v.video_id = vp.video_id AND v.deleted_at IS NULL
            WHERE vp.tenant_id = e.tenant_id AND vp.user_id = e.user_id AND v.course_id = e.course_id AND vp.completed_at IS NOT NULL) AS completed,
         (SELECT coalesce(sum(vp.watched_seconds), 0) FROM video_progress vp WHERE vp.tenant_id = e.tenant_id AND vp.user_id = e.user_id AND vp.course_id = e.course_id) AS watch_seconds,
         (SELECT max(vp.updated_at) FROM video_progress vp WHERE vp.tenant_id = e.tenant_id AND vp.user_id = e.user_id AND vp.course_id = e.course_id) AS last_activity,
         (SELECT cc.completed_at FROM course_completions cc WHERE cc.tenant_id = e.tenant_id AND cc.user_id = e.user_id AND cc.course_id = e.course_id) AS completed_at
       FROM enrolments e WHERE e.tenant_id = ?1 AND e.course_id = ?2 GROUP BY e.user_id ORDER BY enrolled_at, e.user_id LIMIT ?4 OFFSET ?5`,
    )
      .bind(tenantId, course.course_id, now, limit, offset)
      .all<{ user_id: string; enrolled_at: string; active: number; completed: number; watch_seconds: number; last_activity: string | null; completed_at: string | null }>();
    const total = (await c.env.CATALOGUE.prepare("SELECT count(*) AS n FROM videos WHERE tenant_id = ?1 AND course_id = ?2 AND deleted_at IS NULL AND status = 'ready'")
      .bind(tenantId, course.course_id)
      .first<{ n: number }>())!.n;
    return c.json({
      courseId: course.course_id,
      totalVideos: total,
      items: results.map((r) => ({
        userId: r.user_id,
        enrolledAt: r.enrolled_at,
        active: r.active === 1,
        completedVideos: r.completed,
        progress: total ? Math.round((Math.min(r.completed, total) / total) * 1000) / 1000 : 0,
        watchSeconds: r.watch_seconds,
        lastActivityAt: r.last_activity,
        /** When the learner completed the course (course_completions); null while not. */
        courseCompletedAt: r.completed_at,
      })),
      limit,
      offset,
    });
  });
