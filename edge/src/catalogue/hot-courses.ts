import { z } from 'zod';
import { apiErrorFromZod, PublicHotCoursesQuery } from '@vidplat/contracts';
import { heatRanking } from '@vidplat/analytics/queries/item-heat';
import { AnalyticsUnavailableError } from '@vidplat/analytics/queries/reader';
import { analyticsReader } from '../admin/clickhouse.js';
import { edgeConfig, type AppEnv } from '../env.js';
import { errorBody, sendError } from '../http/errors.js';

import { hiddenForRequest } from '../content/visibility.js';
import { isManager } from './http.js';
import { access, ApiRoutes, defineRoute, json } from '../http/api-routes.js';

/** How long a tenant's hot list is served from the edge cache (and may be cached by clients). */
const CACHE_SECONDS = 60;
/** Heat of the last 30 days, each 15-minute pane's heat halved every 7 days of age. */
const WINDOW_DAYS = 30;
const HALF_LIFE_DAYS = 7;
/** Items read from the heat ranking: courses and their videos among the tenant's hottest items. */
const HEAT_ITEMS = 1000;

/**
 * GET /v1/courses/hot?category=&limit= — public (any key of the tenant): the hottest published
 * courses by the stream's item heat (analytics/queries/item-heat.ts): a course's heat is its own
 * item's (enrolments, completions, clicks on it in recommendations...) plus its videos' (plays,
 * completions), with the scenario action weights, each 15-minute pane decayed by its age. Counts
 * shown beside it (enrolments, learners, completions in the last 30 days) come from D1. Optionally
 * within a category subtree. Cached at the edge per tenant, category and limit for a minute, so a
 * storefront can call it on every page view.
 */
const HotCourses = z.object({
  courses: z.array(z.object({ courseId: z.string(), title: z.string(), categoryId: z.string(), access: z.string(), priceCents: z.number(), rating: z.number().nullable(), enrolments: z.number(), learners: z.number(), completions: z.number(), score: z.number() })),
  windowDays: z.number().int(),
  halfLifeDays: z.number(),
  generatedAt: z.string(),
});

export const hotCourseRoutes = new ApiRoutes().endpoint(defineRoute({ method: 'get', path: '/v1/courses/hot', tags: ['catalogue'], access: access.key(), description: 'Published courses by the stream\'s item heat of the course and its videos, decayed by age; counts from the catalogue (cached at the edge; x-cache).', request: { query: PublicHotCoursesQuery }, responses: { 200: json(HotCourses) }, errors: [400, 503] }), async (c) => {
  const q = PublicHotCoursesQuery.safeParse(c.req.query());
  if (!q.success) return sendError(c, 400, apiErrorFromZod(q.error, 'invalid_query'));
  const { tenantId } = c.var.principal;
  const cacheKey = new Request(`https://hot-courses.cache/${encodeURIComponent(tenantId)}/${encodeURIComponent(q.data.category ?? '')}/${q.data.limit}`);
  const cache = (caches as unknown as { default: Cache }).default;
  // The list is shared by the tenant's users; an end user's copy drops what the visibility rule
  // (rollout share, region, A/B) hides from them, and is theirs only (private).
  const userId = isManager(c.var.principal.role) ? null : c.var.principal.userId;
  const hidden = userId ? await hiddenForRequest(c, tenantId, userId) : undefined;
  const answer = (text: string, cacheState: 'hit' | 'miss') => {
    const out = hidden?.size ? JSON.stringify(withoutHidden(JSON.parse(text) as { courses: { courseId: string }[] }, hidden)) : text;
    const cc = hidden ? `private, max-age=${CACHE_SECONDS}` : `public, max-age=${CACHE_SECONDS}`;
    return new Response(out, { status: 200, headers: { 'content-type': 'application/json', 'cache-control': cc, 'x-cache': cacheState } });
  };
  const hit = await cache.match(cacheKey);
  if (hit) return answer(await hit.text(), 'hit');

  const db = c.env.CATALOGUE;
  let path: string | null = null;
  if (q.data.category) {
    const cat = await db.prepare('SELECT path FROM categories WHERE tenant_id = ?1 AND category_id = ?2 AND deleted_at IS NULL').bind(tenantId, q.data.category).first<{ path: string }>();
    if (!cat) return c.json(errorBody('invalid_query', `unknown category ${q.data.category}`, 'category'), 400);
    path = cat.path;
  }
  const now = new Date();
  let ranked;
  try {
    ranked = await heatRanking(analyticsReader(edgeConfig(c.env)), tenantId, { now, days: WINDOW_DAYS, halfLifeDays: HALF_LIFE_DAYS, limit: HEAT_ITEMS });
  } catch (e) {
    if (!(e instanceof AnalyticsUnavailableError)) throw e;
    return sendError(c, 503, { code: 'upstream_unavailable', message: 'analytics store unavailable, retry later' }, { 'retry-after': '5' });
  }
  type Row = { item_id: string; course_id: string; title: string; category_id: string; access: string; price_cents: number; rating: number | null; path: string | null };
  // Each hot item that is a published course or a video of one, with its course.
  const { results } = ranked.length
    ? await db
        .prepare(
          `WITH ids(id) AS (SELECT value FROM json_each(?2)),
                m(item_id, course_id) AS (
                  SELECT course_id, course_id FROM courses WHERE tenant_id = ?1 AND course_id IN ids
                  UNION ALL
                  SELECT video_id, course_id FROM videos WHERE tenant_id = ?1 AND video_id IN ids AND course_id IS NOT NULL AND deleted_at IS NULL)
           SELECT m.item_id, co.course_id, co.title, co.category_id, co.access, co.price_cents, co.rating, c.path FROM m
           JOIN courses co ON co.tenant_id = ?1 AND co.course_id = m.course_id AND co.deleted_at IS NULL AND co.status = 'published'
           LEFT JOIN categories c ON c.tenant_id = co.tenant_id AND c.category_id = co.category_id`,
        )
        .bind(tenantId, JSON.stringify(ranked.map((r) => r.itemId)))
        .all<Row>()
    : { results: [] as Row[] };
  const inTree = (p: string | null) => path === null || (p !== null && (p === path || p.startsWith(`${path}/`)));
  const heatOf = new Map(ranked.map((r) => [r.itemId, r.heat]));
  const byCourse = new Map<string, { row: Row; score: number }>();
  for (const r of results) {
    if (!inTree(r.path)) continue;
    const e = byCourse.get(r.course_id) ?? { row: r, score: 0 };
    e.score += heatOf.get(r.item_id) ?? 0;
    byCourse.set(r.course_id, e);
  }
  const top = [...byCourse.values()].sort((a, b) => b.score - a.score || (a.row.course_id < b.row.course_id ? -1 : 1)).slice(0, q.data.limit);
  const since = new Date(now.getTime() - WINDOW_DAYS * 86_400_000).toISOString();
  const ids = JSON.stringify(top.map((t) => t.row.course_id));
  const [enrolled, completed] = top.length
    ? await db.batch<{ course_id: string; n: number; learners: number }>([
        db
          .prepare('SELECT course_id, count(*) AS n, count(DISTINCT user_id) AS learners FROM enrolments WHERE tenant_id = ?1 AND course_id IN (SELECT value FROM json_each(?2)) AND created_at >= ?3 GROUP BY course_id')
          .bind(tenantId, ids, since),
        db
          .prepare('SELECT course_id, count(*) AS n, 0 AS learners FROM course_completions WHERE tenant_id = ?1 AND course_id IN (SELECT value FROM json_each(?2)) AND completed_at >= ?3 GROUP BY course_id')
          .bind(tenantId, ids, since),
      ])
    : [{ results: [] }, { results: [] }];
  const en = new Map(enrolled!.results.map((r) => [r.course_id, r]));
  const done = new Map(completed!.results.map((r) => [r.course_id, r.n]));
  const courses = top.map(({ row: co, score }) => ({
    courseId: co.course_id,
    title: co.title,
    categoryId: co.category_id,
    access: co.access,
    priceCents: co.price_cents,
    rating: co.rating,
    enrolments: en.get(co.course_id)?.n ?? 0,
    learners: en.get(co.course_id)?.learners ?? 0,
    completions: done.get(co.course_id) ?? 0,
    score,
  }));
  const body = JSON.stringify({ courses, windowDays: WINDOW_DAYS, halfLifeDays: HALF_LIFE_DAYS, generatedAt: now.toISOString() });
  c.executionCtx.waitUntil(cache.put(cacheKey, new Response(body, { headers: { 'content-type': 'application/json', 'cache-control': `public, max-age=${CACHE_SECONDS}` } })));
  return answer(body, 'miss');
});

const withoutHidden = <T extends { courses: { courseId: string }[] }>(b: T, hidden: ReadonlySet<string>): T => ({ ...b, courses: b.courses.filter((x) => !hidden.has(x.courseId)) });
