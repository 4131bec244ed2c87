import { z } from 'zod';
import { apiErrorFromZod, PublicHotCoursesQuery } from '@vidplat/contracts';
import { hotCourses } from '@vidplat/analytics/queries/dashboards';
import { AnalyticsUnavailableError } from '@vidplat/analytics/queries/reader';
import { analyticsReader } from '../admin/clickhouse.js';
import { edgeConfig, type AppEnv } from '../env.js';
import { errorBody, sendError } from '../http/errors.js';
import { access, ApiRoutes, defineRoute, json } from '../http/api-routes.js';

/** How long a tenant's hot list is served from the edge cache (and may be cached by clients). */
const CACHE_SECONDS = 60;
/** Enrolments of the last 30 days, recency-weighted (the admin dashboard's hot-courses score). */
const WINDOW_DAYS = 30;

/**
 * GET /v1/courses/hot?category=&limit= — public (any key of the tenant): the hottest published
 * courses by recent enrolments (ClickHouse, from the catalogue's own enrol events), optionally
 * within a category subtree. Cached at the edge per tenant, category and limit for a minute, so
 * a storefront can call it on every page view.
 */
const HotCourses = z.object({
  courses: z.array(z.object({ courseId: z.string(), title: z.string(), categoryId: z.string(), access: z.string(), priceCents: z.number(), rating: z.number().nullable(), enrolments: z.number(), learners: z.number(), score: z.number() })),
  windowDays: z.number().int(),
  generatedAt: z.string(),
});

export const hotCourseRoutes = new ApiRoutes().endpoint(defineRoute({ method: 'get', path: '/v1/courses/hot', tags: ['catalogue'], access: access.key(), description: 'Published courses by recent enrolments and learners (cached at the edge; x-cache).', request: { query: PublicHotCoursesQuery }, responses: { 200: json(HotCourses) }, errors: [400, 503] }), async (c) => {
  const q = PublicHotCoursesQuery.safeParse(c.req.query());
  if (!q.success) return sendError(c, 400, apiErrorFromZod(q.error, 'invalid_query'));
  const { tenantId } = c.var.principal;
  const cacheKey = new Request(`https://hot-courses.cache/${encodeURIComponent(tenantId)}/${encodeURIComponent(q.data.category ?? '')}/${q.data.limit}`);
  const cache = (caches as unknown as { default: Cache }).default;
  const hit = await cache.match(cacheKey);
  if (hit) return new Response(hit.body, { status: 200, headers: { 'content-type': 'application/json', 'cache-control': `public, max-age=${CACHE_SECONDS}`, 'x-cache': 'hit' } });

  const db = c.env.CATALOGUE;
  let path: string | null = null;
  if (q.data.category) {
    const cat = await db.prepare('SELECT path FROM categories WHERE tenant_id = ?1 AND category_id = ?2 AND deleted_at IS NULL').bind(tenantId, q.data.category).first<{ path: string }>();
    if (!cat) return c.json(errorBody('invalid_query', `unknown category ${q.data.category}`, 'category'), 400);
    path = cat.path;
  }
  const today = new Date();
  const from = new Date(today.getTime() - WINDOW_DAYS * 86_400_000).toISOString().slice(0, 10);
  let ranked;
  try {
    // Over-fetch: some hot courses may be unpublished now or outside the category.
    ranked = (await hotCourses(analyticsReader(edgeConfig(c.env)), { tenantId, from, to: today.toISOString().slice(0, 10) }, Math.min(200, q.data.limit * 5))).courses;
  } catch (e) {
    if (!(e instanceof AnalyticsUnavailableError)) throw e;
    return sendError(c, 503, { code: 'upstream_unavailable', message: 'analytics store unavailable, retry later' }, { 'retry-after': '5' });
  }
  const ids = ranked.map((r) => r.courseId);
  const { results } = ids.length
    ? await db
        .prepare(
          `SELECT co.course_id, co.title, co.category_id, co.access, co.price_cents, co.rating, c.path FROM courses co
           LEFT JOIN categories c ON c.tenant_id = co.tenant_id AND c.category_id = co.category_id
           WHERE co.tenant_id = ?1 AND co.deleted_at IS NULL AND co.status = 'published' AND co.course_id IN (SELECT value FROM json_each(?2))`,
        )
        .bind(tenantId, JSON.stringify(ids))
        .all<{ course_id: string; title: string; category_id: string; access: string; price_cents: number; rating: number | null; path: string | null }>()
    : { results: [] };
  const byId = new Map(results.map((r) => [r.course_id, r]));
  const inTree = (p: string | null) => path === null || (p !== null && (p === path || p.startsWith(`${path}/`)));
  const courses = ranked
    .filter((r) => byId.has(r.courseId) && inTree(byId.get(r.courseId)!.path))
    .slice(0, q.data.limit)
    .map((r) => {
      const co = byId.get(r.courseId)!;
      return { courseId: r.courseId, title: co.title, categoryId: co.category_id, access: co.access, priceCents: co.price_cents, rating: co.rating, enrolments: r.enrolments, learners: r.learners, score: r.score };
    });
  const body = JSON.stringify({ courses, windowDays: WINDOW_DAYS, generatedAt: today.toISOString() });
  c.executionCtx.waitUntil(cache.put(cacheKey, new Response(body, { headers: { 'content-type': 'application/json', 'cache-control': `public, max-age=${CACHE_SECONDS}` } })));
  return new Response(body, { status: 200, headers: { 'content-type': 'application/json', 'cache-control': `public, max-age=${CACHE_SECONDS}`, 'x-cache': 'miss' } });
});
