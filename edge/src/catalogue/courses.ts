import type { Context } from 'hono';
import { z } from 'zod';
import {
  Chapter,
  COURSE_TRANSITIONS,
  CourseDetail,
  CourseListResponse,
  CourseView,
  Video,
  CourseListQuery,
  CourseTransitionRequest,
  CreateChapterRequest,
  CreateCourseRequest,
  CreateVideoRequest,
  UpdateChapterRequest,
  UpdateCourseRequest,
  UpdateVideoRequest,
} from '@vidplat/contracts';
import type { AppEnv } from '../env.js';
import { errorBody } from '../http/errors.js';
import { access, ApiRoutes, defineRoute, empty, json, jsonBody } from '../http/api-routes.js';
import { hiddenForRequest } from '../content/visibility.js';
import { canEditCourse, canSeeCourse } from './access-control.js';
import { bad, body, forbidden, HttpFail, isManager, MANAGER_ROLES, notFound, nowIso, query } from './http.js';
import { getChapterRow, getCourseRow, getVideoRow, toChapter, toCourse, toVideo, type ChapterRow, type CourseRow, type VideoRow } from './rows.js';
import { FeatureSyncFailed } from '../items/catalogue.js';
import { itemSyncUnavailable, syncCourseItems, type CourseOverride } from './recommender-items.js';
import { catalogueSettings, hideVideoItem } from './video-items.js';

const EDITOR_ROLES = [...MANAGER_ROLES, 'instructor' as const];
const editors = access.key(...EDITOR_ROLES);
const tags = ['catalogue'];
const course = z.object({ courseId: z.string() });
const chapter = z.object({ chapterId: z.string() });
const video = z.object({ videoId: z.string() });

/** Course columns plus the counts every course view carries (?1 tenant, ?2 now). */
const COURSE_SELECT = `SELECT co.*,
  (SELECT count(*) FROM chapters ch WHERE ch.tenant_id = co.tenant_id AND ch.course_id = co.course_id AND ch.deleted_at IS NULL) AS n_chapters,
  (SELECT count(*) FROM videos v WHERE v.tenant_id = co.tenant_id AND v.course_id = co.course_id AND v.deleted_at IS NULL) AS n_videos,
  (SELECT coalesce(sum(v.duration_seconds), 0) FROM videos v WHERE v.tenant_id = co.tenant_id AND v.course_id = co.course_id AND v.deleted_at IS NULL) AS total_duration,
  (SELECT count(DISTINCT e.user_id) FROM enrolments e WHERE e.tenant_id = co.tenant_id AND e.course_id = co.course_id
     AND e.valid_from <= ?2 AND (e.valid_until IS NULL OR e.valid_until > ?2)) AS n_enrolled,
  (SELECT group_concat(t.tag_id) FROM course_tags t WHERE t.tenant_id = co.tenant_id AND t.course_id = co.course_id) AS tag_ids
  FROM courses co`;

type CourseCountsRow = CourseRow & { n_chapters: number; n_videos: number; total_duration: number; n_enrolled: number; tag_ids: string | null };

const toCourseView = (r: CourseCountsRow): CourseView => ({
  ...toCourse(r, r.tag_ids ? r.tag_ids.split(',').sort() : []),
  counts: { chapters: r.n_chapters, videos: r.n_videos, activeEnrolments: r.n_enrolled, durationSeconds: r.total_duration },
});

async function courseView(db: D1Database, tenantId: string, courseId: string): Promise<CourseView | null> {
  const r = await db.prepare(`${COURSE_SELECT} WHERE co.tenant_id = ?1 AND co.course_id = ?3 AND co.deleted_at IS NULL`).bind(tenantId, nowIso(), courseId).first<CourseCountsRow>();
  return r ? toCourseView(r) : null;
}

/** Every referenced category and tag must exist in the caller's tenant (400 naming the field). */
async function checkRefs(c: Context<AppEnv>, categoryId: string | undefined, tagIds: string[] | undefined): Promise<Response | null> {
  const { tenantId } = c.var.principal;
  const db = c.env.CATALOGUE;
  if (categoryId !== undefined) {
    const cat = await db.prepare('SELECT 1 FROM categories WHERE tenant_id = ?1 AND category_id = ?2 AND deleted_at IS NULL').bind(tenantId, categoryId).first();
    if (!cat) return bad(c, 'categoryId', `unknown category ${categoryId}`);
  }
  for (const [i, tag] of (tagIds ?? []).entries()) {
    const t = await db.prepare('SELECT 1 FROM tags WHERE tenant_id = ?1 AND tag_id = ?2').bind(tenantId, tag).first();
    if (!t) return bad(c, `tagIds.${i}`, `unknown tag ${tag}`);
  }
  return null;
}

/** Loads a course the caller may edit: 404 when absent in the tenant, 403 when someone else's. */
async function editableCourse(c: Context<AppEnv>, courseId: string): Promise<CourseRow | Response> {
  const course = await getCourseRow(c.env.CATALOGUE, c.var.principal.tenantId, courseId);
  if (!course) return notFound(c, 'course', 'courseId');
  if (!canEditCourse(c.var.principal, course)) return forbidden(c, 'only the course instructor or a catalogue manager may change this course');
  return course;
}

const tagStatements = (db: D1Database, tenantId: string, courseId: string, tagIds: string[]) => [
  db.prepare('DELETE FROM course_tags WHERE tenant_id = ?1 AND course_id = ?2').bind(tenantId, courseId),
  ...[...new Set(tagIds)].map((t) => db.prepare('INSERT INTO course_tags (tenant_id, course_id, tag_id) VALUES (?1, ?2, ?3)').bind(tenantId, courseId, t)),
];

function checkVideoTimes(c: Context<AppEnv>, durationSeconds: number, trialSeconds: number): Response | null {
  if (durationSeconds > 0 && trialSeconds > durationSeconds) return bad(c, 'trialSeconds', 'trialSeconds cannot exceed durationSeconds');
  return null;
}

const escapeLike = (s: string) => s.replace(/[\\%_]/g, (m) => `\\${m}`);

/**
 * The course's recommender item follows the change just committed (x-item-sync: done | pending);
 * a 503 when a hiding change could not reach the feature store (the call is safe to retry).
 */
async function followItem(c: Context<AppEnv>, courseId: string, override?: CourseOverride): Promise<Response | null> {
  try {
    c.header('x-item-sync', (await syncCourseItems(c.env, c.var.principal.tenantId, courseId, override)).sync);
    return null;
  } catch (e) {
    if (e instanceof FeatureSyncFailed) return itemSyncUnavailable(e);
    throw e;
  }
}

/** After a change to a course's videos or chapters: their items follow where the tenant has videos as items. */
async function followVideos(c: Context<AppEnv>, courseId: string | null): Promise<Response | null> {
  if (!courseId || !(await catalogueSettings(c.env.CATALOGUE, c.var.principal.tenantId)).videosAsItems) return null;
  return followItem(c, courseId);
}

export const courseRoutes = new ApiRoutes()
  .endpoint(defineRoute({ method: 'get', path: '/v1/courses', tags, access: access.key(), description: 'Published courses (and, for an instructor, their own); acting for an end user, only what the visibility rule shows them.', request: { query: CourseListQuery }, responses: { 200: json(CourseListResponse) }, errors: [400] }), async (c) => {
    const q = query(c, CourseListQuery);
    if (q instanceof HttpFail) return q.res;
    const p = c.var.principal;
    const where = ['co.tenant_id = ?1', 'co.deleted_at IS NULL'];
    const args: unknown[] = [p.tenantId, nowIso()];
    const arg = (v: unknown) => {
      args.push(v);
      return `?${args.length}`;
    };
    // Visibility first: end users see published courses, instructors also their own drafts.
    if (!isManager(p.role)) {
      where.push(p.role === 'instructor' && p.userId ? `(co.status = 'published' OR co.instructor_id = ${arg(p.userId)})` : "co.status = 'published'");
    }
    if (q.status) where.push(`co.status = ${arg(q.status)}`);
    if (q.level) where.push(`co.level = ${arg(q.level)}`);
    if (q.instructor) where.push(`co.instructor_id = ${arg(q.instructor)}`);
    if (q.free === 'true') where.push("(co.access = 'free' OR co.price_cents = 0)");
    if (q.free === 'false') where.push("(co.access <> 'free' AND co.price_cents > 0)");
    if (q.tag) where.push(`EXISTS (SELECT 1 FROM course_tags t WHERE t.tenant_id = co.tenant_id AND t.course_id = co.course_id AND t.tag_id = ${arg(q.tag)})`);
    if (q.q) {
      const like = arg(`%${escapeLike(q.q)}%`);
      where.push(`(co.title LIKE ${like} ESCAPE '\\' OR co.description LIKE ${like} ESCAPE '\\')`);
    }
    if (q.category) {
      const cat = await c.env.CATALOGUE.prepare('SELECT path FROM categories WHERE tenant_id = ?1 AND category_id = ?2 AND deleted_at IS NULL')
        .bind(p.tenantId, q.category)
        .first<{ path: string }>();
      if (!cat) return c.json(errorBody('invalid_query', `unknown category ${q.category}`, 'category'), 400);
      const path = arg(cat.path);
      where.push(
        `EXISTS (SELECT 1 FROM categories cc WHERE cc.tenant_id = co.tenant_id AND cc.category_id = co.category_id
           AND (cc.path = ${path} OR substr(cc.path, 1, length(${path}) + 1) = ${path} || '/'))`,
      );
    }
    const filter = where.join(' AND ');
    const db = c.env.CATALOGUE;
    // ?2 (now) is bound for the counts of COURSE_SELECT; D1 wants every bound parameter used.
    const total = await db.prepare(`SELECT count(*) AS n FROM courses co WHERE ?2 IS NOT NULL AND ${filter}`).bind(...args).first<{ n: number }>();
    const lim = arg(q.limit);
    const off = arg(q.offset);
    const { results } = await db
      .prepare(`${COURSE_SELECT} WHERE ${filter} ORDER BY coalesce(co.published_at, co.created_at) DESC, co.course_id LIMIT ${lim} OFFSET ${off}`)
      .bind(...args)
      .all<CourseCountsRow>();
    const n = total?.n ?? 0;
    // The visibility rule (rollout share, region, A/B) for an end user; the page may come out shorter.
    const hidden = !isManager(p.role) && p.userId ? await hiddenForRequest(c, p.tenantId, p.userId) : undefined;
    return c.json({ items: results.map(toCourseView).filter((v) => !hidden?.has(v.id)), total: n, limit: q.limit, offset: q.offset, nextOffset: q.offset + results.length < n ? q.offset + results.length : null });
  })
  .endpoint(defineRoute({ method: 'post', path: '/v1/courses', tags, access: editors, description: "x-item-sync says whether the course's recommender item followed; 503 when it could not (safe to retry).", request: { body: jsonBody(CreateCourseRequest) }, responses: { 201: json(CourseView, 'created') }, errors: [400, 403, 409, 503] }), async (c) => {
    const b = await body(c, CreateCourseRequest);
    if (b instanceof HttpFail) return b.res;
    const p = c.var.principal;
    let instructorId: string;
    if (p.role === 'instructor') {
      if (!p.userId) return forbidden(c, 'instructor keys must be personal (with a userId)');
      if (b.instructorId && b.instructorId !== p.userId) return forbidden(c, 'instructors create courses for themselves only');
      instructorId = p.userId;
    } else {
      if (!b.instructorId) return bad(c, 'instructorId', 'name the course instructor');
      instructorId = b.instructorId;
    }
    if (b.access === 'free' && b.priceCents > 0) return bad(c, 'priceCents', 'a free course has no price');
    const refs = await checkRefs(c, b.categoryId, b.tagIds);
    if (refs) return refs;
    const db = c.env.CATALOGUE;
    const now = nowIso();
    // A soft-deleted id stays taken, so old enrolments and progress never point at a new course.
    const exists = await db.prepare('SELECT 1 FROM courses WHERE tenant_id = ?1 AND course_id = ?2').bind(p.tenantId, b.id).first();
    if (exists) return c.json(errorBody('conflict', `course ${b.id} exists`, 'id'), 409);
    await db.batch([
      db
        .prepare(
          `INSERT INTO courses (tenant_id, course_id, category_id, title, description, type, level, instructor_id, price_cents, access, status, created_at, updated_at)
           VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, 'draft', ?11, ?11)`,
        )
        .bind(p.tenantId, b.id, b.categoryId, b.title, b.description, b.type, b.level, instructorId, b.priceCents, b.access, now),
      ...tagStatements(db, p.tenantId, b.id, b.tagIds),
    ]);
    return (await followItem(c, b.id)) ?? c.json(await courseView(db, p.tenantId, b.id), 201);
  })
  .endpoint(defineRoute({ method: 'get', path: '/v1/courses/{courseId}', tags, access: access.key(), request: { params: course }, responses: { 200: json(CourseDetail) }, errors: [404] }), async (c) => {
    const p = c.var.principal;
    const db = c.env.CATALOGUE;
    const view = await courseView(db, p.tenantId, c.req.param('courseId'));
    if (!view || !canSeeCourse(p, { instructor_id: view.instructorId, status: view.status })) return notFound(c, 'course', 'courseId');
    const editor = canEditCourse(p, { instructor_id: view.instructorId });
    const hidden = !editor && p.userId ? await hiddenForRequest(c, p.tenantId, p.userId) : undefined;
    if (hidden?.has(view.id)) return notFound(c, 'course', 'courseId');
    const [chapters, videos] = await Promise.all([
      db.prepare('SELECT * FROM chapters WHERE tenant_id = ?1 AND course_id = ?2 AND deleted_at IS NULL ORDER BY sort_order, chapter_id').bind(p.tenantId, view.id).all<ChapterRow>(),
      db
        .prepare('SELECT * FROM videos WHERE tenant_id = ?1 AND course_id = ?2 AND deleted_at IS NULL ORDER BY sort_order, video_id')
        .bind(p.tenantId, view.id)
        .all<VideoRow>(),
    ]);
    // Learners see playable lessons only; editors also see uploads in progress.
    const vids = videos.results.filter((v) => (editor || v.status === 'ready') && !hidden?.has(v.video_id)).map(toVideo);
    const detail: CourseDetail = {
      ...view,
      chapters: chapters.results.map((ch) => ({ ...toChapter(ch), videos: vids.filter((v) => v.chapterId === ch.chapter_id) })),
      videos: vids.filter((v) => v.chapterId === null || !chapters.results.some((ch) => ch.chapter_id === v.chapterId)),
    };
    return c.json(detail);
  })
  .endpoint(defineRoute({ method: 'patch', path: '/v1/courses/{courseId}', tags, access: editors, request: { params: course, body: jsonBody(UpdateCourseRequest) }, responses: { 200: json(CourseView) }, errors: [400, 403, 404, 503] }), async (c) => {
    const b = await body(c, UpdateCourseRequest);
    if (b instanceof HttpFail) return b.res;
    const course = await editableCourse(c, c.req.param('courseId'));
    if (course instanceof Response) return course;
    const refs = await checkRefs(c, b.categoryId, b.tagIds);
    if (refs) return refs;
    const access = b.access ?? course.access;
    const price = b.priceCents ?? course.price_cents;
    if (access === 'free' && price > 0) return bad(c, 'priceCents', 'a free course has no price');
    const { tenantId } = c.var.principal;
    const db = c.env.CATALOGUE;
    await db.batch([
      db
        .prepare(
          `UPDATE courses SET category_id = ?3, title = ?4, description = ?5, type = ?6, level = ?7, price_cents = ?8, access = ?9, rating = ?10, updated_at = ?11
           WHERE tenant_id = ?1 AND course_id = ?2`,
        )
        .bind(
          tenantId,
          course.course_id,
          b.categoryId ?? course.category_id,
          b.title ?? course.title,
          b.description ?? course.description,
          b.type ?? course.type,
          b.level ?? course.level,
          price,
          access,
          b.rating === undefined ? course.rating : b.rating,
          nowIso(),
        ),
      ...(b.tagIds ? tagStatements(db, tenantId, course.course_id, b.tagIds) : []),
    ]);
    return (await followItem(c, course.course_id)) ?? c.json(await courseView(db, tenantId, course.course_id));
  })
  .endpoint(defineRoute({ method: 'post', path: '/v1/courses/{courseId}/status', tags, access: editors, description: 'Status transitions as COURSE_TRANSITIONS allows; publishing needs a catalogue manager.', request: { params: course, body: jsonBody(CourseTransitionRequest) }, responses: { 200: json(CourseView) }, errors: [400, 403, 404, 409, 503] }), async (c) => {
    const b = await body(c, CourseTransitionRequest);
    if (b instanceof HttpFail) return b.res;
    const course = await editableCourse(c, c.req.param('courseId'));
    if (course instanceof Response) return course;
    const p = c.var.principal;
    // Already there: a retry (e.g. after a 503 from the item sync) re-syncs instead of failing 409.
    if (course.status === b.status) return (await followItem(c, course.course_id)) ?? c.json(await courseView(c.env.CATALOGUE, p.tenantId, course.course_id));
    if (!COURSE_TRANSITIONS[course.status].includes(b.status)) {
      return c.json(errorBody('conflict', `a ${course.status} course cannot become ${b.status}`, 'status'), 409);
    }
    // Review is the managers' job: an instructor submits, withdraws and unpublishes, never approves.
    if (!isManager(p.role) && b.status === 'published') return forbidden(c, 'publishing needs a catalogue manager (review)');
    const now = nowIso();
    // Item first: an unpublish that cannot reach the recommender fails (503) with nothing changed.
    const early = await followItem(c, course.course_id, { status: b.status, published_at: b.status === 'published' ? (course.published_at ?? now) : course.published_at });
    if (early) return early;
    await c.env.CATALOGUE.prepare(
      "UPDATE courses SET status = ?3, updated_at = ?4, published_at = CASE WHEN ?3 = 'published' THEN coalesce(published_at, ?4) ELSE published_at END WHERE tenant_id = ?1 AND course_id = ?2",
    )
      .bind(p.tenantId, course.course_id, b.status, now)
      .run();
    return c.json(await courseView(c.env.CATALOGUE, p.tenantId, course.course_id));
  })
  .endpoint(defineRoute({ method: 'delete', path: '/v1/courses/{courseId}', tags, access: editors, request: { params: course }, responses: { 204: empty('deleted') }, errors: [403, 404, 503] }), async (c) => {
    const course = await editableCourse(c, c.req.param('courseId'));
    if (course instanceof Response) return course;
    const now = nowIso();
    // Item first (removed from the feature store, then D1): a delete that cannot reach it changes nothing.
    const early = await followItem(c, course.course_id, { deleted_at: now });
    if (early) return early;
    await c.env.CATALOGUE.prepare('UPDATE courses SET deleted_at = ?3, updated_at = ?3 WHERE tenant_id = ?1 AND course_id = ?2')
      .bind(c.var.principal.tenantId, course.course_id, now)
      .run();
    return c.body(null, 204);
  })
  .endpoint(defineRoute({ method: 'post', path: '/v1/courses/{courseId}/chapters', tags, access: editors, request: { params: course, body: jsonBody(CreateChapterRequest) }, responses: { 201: json(Chapter, 'created') }, errors: [400, 403, 404, 409] }), async (c) => {
    const b = await body(c, CreateChapterRequest);
    if (b instanceof HttpFail) return b.res;
    const course = await editableCourse(c, c.req.param('courseId'));
    if (course instanceof Response) return course;
    const r = await c.env.CATALOGUE.prepare(
      'INSERT OR IGNORE INTO chapters (tenant_id, chapter_id, course_id, title, sort_order, free, locked) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)',
    )
      .bind(c.var.principal.tenantId, b.id, course.course_id, b.title, b.sortOrder, b.free ? 1 : 0, b.locked ? 1 : 0)
      .run();
    if (!r.meta.changes) return c.json(errorBody('conflict', `chapter ${b.id} exists`, 'id'), 409);
    return c.json({ ...b, courseId: course.course_id }, 201);
  })
  .endpoint(defineRoute({ method: 'patch', path: '/v1/chapters/{chapterId}', tags, access: editors, request: { params: chapter, body: jsonBody(UpdateChapterRequest) }, responses: { 200: json(Chapter) }, errors: [400, 403, 404, 503] }), async (c) => {
    const b = await body(c, UpdateChapterRequest);
    if (b instanceof HttpFail) return b.res;
    const { tenantId } = c.var.principal;
    const ch = await getChapterRow(c.env.CATALOGUE, tenantId, c.req.param('chapterId'));
    if (!ch) return notFound(c, 'chapter', 'chapterId');
    const course = await editableCourse(c, ch.course_id);
    if (course instanceof Response) return course;
    const next = { ...toChapter(ch), ...b };
    await c.env.CATALOGUE.prepare('UPDATE chapters SET title = ?3, sort_order = ?4, free = ?5, locked = ?6 WHERE tenant_id = ?1 AND chapter_id = ?2')
      .bind(tenantId, ch.chapter_id, next.title, next.sortOrder, next.free ? 1 : 0, next.locked ? 1 : 0)
      .run();
    return (await followVideos(c, ch.course_id)) ?? c.json(next);
  })
  .endpoint(defineRoute({ method: 'delete', path: '/v1/chapters/{chapterId}', tags, access: editors, request: { params: chapter }, responses: { 204: empty('deleted') }, errors: [403, 404, 503] }), async (c) => {
    const { tenantId } = c.var.principal;
    const ch = await getChapterRow(c.env.CATALOGUE, tenantId, c.req.param('chapterId'));
    if (!ch) return notFound(c, 'chapter', 'chapterId');
    const course = await editableCourse(c, ch.course_id);
    if (course instanceof Response) return course;
    await c.env.CATALOGUE.prepare('UPDATE chapters SET deleted_at = ?3 WHERE tenant_id = ?1 AND chapter_id = ?2').bind(tenantId, ch.chapter_id, nowIso()).run();
    return (await followVideos(c, ch.course_id)) ?? c.body(null, 204);
  })
  .endpoint(defineRoute({ method: 'post', path: '/v1/courses/{courseId}/videos', tags, access: editors, description: 'Create, or update the same video id in the same course (200).', request: { params: course, body: jsonBody(CreateVideoRequest) }, responses: { 200: json(Video, 'updated'), 201: json(Video, 'created') }, errors: [400, 403, 404, 409, 503] }), async (c) => {
    const b = await body(c, CreateVideoRequest);
    if (b instanceof HttpFail) return b.res;
    const course = await editableCourse(c, c.req.param('courseId'));
    if (course instanceof Response) return course;
    const { tenantId } = c.var.principal;
    const db = c.env.CATALOGUE;
    if (b.chapterId !== null) {
      const ch = await getChapterRow(db, tenantId, b.chapterId);
      if (!ch || ch.course_id !== course.course_id) return bad(c, 'chapterId', `chapter ${b.chapterId} is not in course ${course.course_id}`);
    }
    const existing = await db.prepare('SELECT * FROM videos WHERE tenant_id = ?1 AND video_id = ?2').bind(tenantId, b.id).first<VideoRow & { deleted_at: string | null }>();
    // The media-node may have created the record at upload time: attach it to this course then.
    if (existing && (existing.deleted_at !== null || (existing.course_id !== null && existing.course_id !== course.course_id))) {
      return c.json(errorBody('conflict', `video ${b.id} belongs to another course`, 'id'), 409);
    }
    const duration = existing && existing.duration_seconds > 0 && b.durationSeconds === 0 ? existing.duration_seconds : b.durationSeconds;
    const times = checkVideoTimes(c, duration, b.trialSeconds);
    if (times) return times;
    const now = nowIso();
    if (existing) {
      await db
        .prepare(
          'UPDATE videos SET course_id = ?3, chapter_id = ?4, title = ?5, sort_order = ?6, duration_seconds = ?7, free = ?8, trial_seconds = ?9, updated_at = ?10 WHERE tenant_id = ?1 AND video_id = ?2',
        )
        .bind(tenantId, b.id, course.course_id, b.chapterId, b.title, b.sortOrder, duration, b.free ? 1 : 0, b.trialSeconds, now)
        .run();
    } else {
      await db
        .prepare(
          `INSERT INTO videos (tenant_id, video_id, course_id, chapter_id, title, sort_order, duration_seconds, free, trial_seconds, status, created_at, updated_at)
           VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, 'uploading', ?10, ?10)`,
        )
        .bind(tenantId, b.id, course.course_id, b.chapterId, b.title, b.sortOrder, duration, b.free ? 1 : 0, b.trialSeconds, now)
        .run();
    }
    return (await followVideos(c, course.course_id)) ?? c.json(toVideo((await getVideoRow(db, tenantId, b.id))!), existing ? 200 : 201);
  })
  .endpoint(defineRoute({ method: 'get', path: '/v1/videos/{videoId}', tags, access: access.key(), request: { params: video }, responses: { 200: json(Video) }, errors: [404] }), async (c) => {
    const p = c.var.principal;
    const v = await getVideoRow(c.env.CATALOGUE, p.tenantId, c.req.param('videoId'));
    if (!v) return notFound(c, 'video', 'videoId');
    if (v.course_id) {
      const course = await getCourseRow(c.env.CATALOGUE, p.tenantId, v.course_id);
      if (!course || !canSeeCourse(p, course)) return notFound(c, 'video', 'videoId');
    }
    return c.json(toVideo(v));
  })
  .endpoint(defineRoute({ method: 'patch', path: '/v1/videos/{videoId}', tags, access: editors, request: { params: video, body: jsonBody(UpdateVideoRequest) }, responses: { 200: json(Video) }, errors: [400, 403, 404, 503] }), async (c) => {
    const b = await body(c, UpdateVideoRequest);
    if (b instanceof HttpFail) return b.res;
    const { tenantId, role } = c.var.principal;
    const db = c.env.CATALOGUE;
    const v = await getVideoRow(db, tenantId, c.req.param('videoId'));
    if (!v) return notFound(c, 'video', 'videoId');
    if (v.course_id) {
      const course = await editableCourse(c, v.course_id);
      if (course instanceof Response) return course;
    } else if (!isManager(role)) return forbidden(c, 'only catalogue managers edit videos outside a course');
    if (b.chapterId) {
      const ch = await getChapterRow(db, tenantId, b.chapterId);
      if (!ch || ch.course_id !== v.course_id) return bad(c, 'chapterId', `chapter ${b.chapterId} is not in this video's course`);
    }
    const next = { ...toVideo(v), ...b };
    const times = checkVideoTimes(c, next.durationSeconds, next.trialSeconds);
    if (times) return times;
    await db
      .prepare(
        'UPDATE videos SET chapter_id = ?3, title = ?4, sort_order = ?5, duration_seconds = ?6, free = ?7, trial_seconds = ?8, updated_at = ?9 WHERE tenant_id = ?1 AND video_id = ?2',
      )
      .bind(tenantId, v.video_id, next.chapterId, next.title, next.sortOrder, next.durationSeconds, next.free ? 1 : 0, next.trialSeconds, nowIso())
      .run();
    return (await followVideos(c, v.course_id)) ?? c.json(toVideo((await getVideoRow(db, tenantId, v.video_id))!));
  })
  .endpoint(defineRoute({ method: 'delete', path: '/v1/videos/{videoId}', tags, access: editors, request: { params: video }, responses: { 204: empty('deleted') }, errors: [403, 404, 503] }), async (c) => {
    const { tenantId, role } = c.var.principal;
    const v = await getVideoRow(c.env.CATALOGUE, tenantId, c.req.param('videoId'));
    if (!v) return notFound(c, 'video', 'videoId');
    if (v.course_id) {
      const course = await editableCourse(c, v.course_id);
      if (course instanceof Response) return course;
    } else if (!isManager(role)) return forbidden(c, 'only catalogue managers delete videos outside a course');
    // Item first (out of the feature store, then D1): a delete that cannot reach it changes nothing.
    try {
      await hideVideoItem(c.env, tenantId, v.video_id);
    } catch (e) {
      if (e instanceof FeatureSyncFailed) return itemSyncUnavailable(e);
      throw e;
    }
    await c.env.CATALOGUE.prepare('UPDATE videos SET deleted_at = ?3 WHERE tenant_id = ?1 AND video_id = ?2').bind(tenantId, v.video_id, nowIso()).run();
    return c.body(null, 204);
  });
