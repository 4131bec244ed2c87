import { z } from 'zod';
import { CourseRating, ModerateReviewRequest, PutReviewRequest, Review, ReviewList, ReviewStatus } from '@vidplat/contracts';
import type { AppEnv } from '../env.js';
import { access, ApiRoutes, defineRoute, empty, json, jsonBody } from '../http/api-routes.js';
import { canSeeCourse } from './access-control.js';
import { body, forbidden, HttpFail, isManager, MANAGER_ROLES, notFound, nowIso, requireUser } from './http.js';
import { getCourseRow } from './rows.js';

interface ReviewRow {
  course_id: string;
  user_id: string;
  rating: number;
  title: string;
  body: string;
  status: Review['status'];
  created_at: string;
  updated_at: string;
}
const toReview = (r: ReviewRow): Review => ({
  courseId: r.course_id,
  userId: r.user_id,
  rating: r.rating,
  title: r.title,
  body: r.body,
  status: r.status,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

/** The course rating from its published reviews; `store` also writes it to courses.rating (the course view's). */
async function refreshRating(db: D1Database, tenantId: string, courseId: string, store = true): Promise<CourseRating> {
  const { results } = await db
    .prepare("SELECT rating, count(*) AS n FROM course_reviews WHERE tenant_id = ?1 AND course_id = ?2 AND status = 'published' GROUP BY rating")
    .bind(tenantId, courseId)
    .all<{ rating: number; n: number }>();
  const distribution: CourseRating['distribution'] = [0, 0, 0, 0, 0];
  for (const r of results) distribution[r.rating - 1] = r.n;
  const count = distribution.reduce((a, b) => a + b, 0);
  const average = count ? Math.round((distribution.reduce((a, n, i) => a + n * (i + 1), 0) / count) * 100) / 100 : null;
  if (store) await db.prepare('UPDATE courses SET rating = ?3 WHERE tenant_id = ?1 AND course_id = ?2').bind(tenantId, courseId, average).run();
  return { courseId, average, count, distribution };
}

/**
 * Learner ratings (1–5) and reviews: one per enrolled learner and course (a PUT replaces the
 * learner's own), shown once published; catalogue managers moderate (published / pending / hidden);
 * the course rating is the mean of the published reviews, kept on the course.
 */
const tags = ['reviews'];
const course = z.object({ courseId: z.string() });

export const reviewRoutes = new ApiRoutes()
  .endpoint(defineRoute({ method: 'put', path: '/v1/courses/{courseId}/review', tags, access: access.key(), description: "The acting end user's review; only enrolled learners review.", request: { params: course, body: jsonBody(PutReviewRequest) }, responses: { 200: json(Review, 'replaced'), 201: json(Review, 'created') }, errors: [400, 403, 404] }), async (c) => {
    const b = await body(c, PutReviewRequest);
    if (b instanceof HttpFail) return b.res;
    const userId = requireUser(c);
    if (userId instanceof HttpFail) return userId.res;
    const { tenantId } = c.var.principal;
    const db = c.env.CATALOGUE;
    const course = await getCourseRow(db, tenantId, c.req.param('courseId'));
    if (!course || !canSeeCourse(c.var.principal, course)) return notFound(c, 'course', 'courseId');
    // Enrolled at some point (a finished or expired enrolment still earned the right to review).
    const enrolled = await db.prepare('SELECT 1 FROM enrolments WHERE tenant_id = ?1 AND user_id = ?2 AND course_id = ?3 LIMIT 1').bind(tenantId, userId, course.course_id).first();
    if (!enrolled) return forbidden(c, 'only learners enrolled in this course may review it');
    const now = nowIso();
    const existing = await db.prepare('SELECT 1 FROM course_reviews WHERE tenant_id = ?1 AND course_id = ?2 AND user_id = ?3').bind(tenantId, course.course_id, userId).first();
    // An edit keeps a hidden review hidden; a new one is published at once (moderation after the fact).
    await db
      .prepare(
        `INSERT INTO course_reviews (tenant_id, course_id, user_id, rating, title, body, status, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, 'published', ?7, ?7)
         ON CONFLICT (tenant_id, course_id, user_id) DO UPDATE SET rating = excluded.rating, title = excluded.title, body = excluded.body, updated_at = excluded.updated_at`,
      )
      .bind(tenantId, course.course_id, userId, b.rating, b.title, b.body, now)
      .run();
    await refreshRating(db, tenantId, course.course_id);
    const row = (await db.prepare('SELECT * FROM course_reviews WHERE tenant_id = ?1 AND course_id = ?2 AND user_id = ?3').bind(tenantId, course.course_id, userId).first<ReviewRow>())!;
    return c.json(toReview(row), existing ? 200 : 201);
  })
  .endpoint(defineRoute({ method: 'get', path: '/v1/courses/{courseId}/reviews', tags, access: access.key(), request: { params: course }, responses: { 200: json(ReviewList) }, errors: [404] }), async (c) => {
    const p = c.var.principal;
    const db = c.env.CATALOGUE;
    const course = await getCourseRow(db, p.tenantId, c.req.param('courseId'));
    if (!course || !canSeeCourse(p, course)) return notFound(c, 'course', 'courseId');
    const all = isManager(p.role) || (p.role === 'instructor' && p.userId === course.instructor_id);
    const limit = Math.min(Math.max(Number(c.req.query('limit') ?? 50) || 50, 1), 200);
    const { results } = await db
      .prepare(`SELECT * FROM course_reviews WHERE tenant_id = ?1 AND course_id = ?2 ${all ? '' : "AND status = 'published'"} ORDER BY updated_at DESC LIMIT ?3`)
      .bind(p.tenantId, course.course_id, limit)
      .all<ReviewRow>();
    const out: ReviewList = { rating: await refreshRating(db, p.tenantId, course.course_id, false), items: results.map(toReview) };
    return c.json(out);
  })
  .endpoint(defineRoute({ method: 'post', path: '/v1/courses/{courseId}/reviews/{userId}/moderation', tags, access: access.key(...MANAGER_ROLES), request: { params: z.object({ courseId: z.string(), userId: z.string() }), body: jsonBody(ModerateReviewRequest) }, responses: { 200: json(z.object({ status: ReviewStatus, rating: CourseRating })) }, errors: [400, 404] }), async (c) => {
    const b = await body(c, ModerateReviewRequest);
    if (b instanceof HttpFail) return b.res;
    const { tenantId } = c.var.principal;
    const db = c.env.CATALOGUE;
    const r = await db
      .prepare('UPDATE course_reviews SET status = ?4, updated_at = ?5 WHERE tenant_id = ?1 AND course_id = ?2 AND user_id = ?3')
      .bind(tenantId, c.req.param('courseId'), c.req.param('userId'), b.status, nowIso())
      .run();
    if (!r.meta.changes) return notFound(c, 'review', 'userId');
    const rating = await refreshRating(db, tenantId, c.req.param('courseId'));
    return c.json({ status: b.status, rating });
  });
