import { z } from 'zod';
import type { Item } from '@vidplat/contracts';
import type { AppEnv, Bindings } from '../env.js';
import { errorBody } from '../http/errors.js';
import { FeatureSyncFailed, ItemCatalogue } from '../items/catalogue.js';
import { access, ApiRoutes, defineRoute, json } from '../http/api-routes.js';
import type { CourseRow } from './rows.js';
import { catalogueSettings, loadCourseVideos, removeItems, videoItem, videoPlayable, type VideoOfCourse } from './video-items.js';

/**
 * Catalogue → recommender: every course is a recommender item (kind "course", item id = course id)
 * whose categories (the course's category and its ancestors), tags, access, instructor and publish
 * state follow the catalogue. Written after each create, update, status change and delete;
 * idempotent (the item is rebuilt from the course row every time, so a retry or a replay writes
 * the same item), with bounded retries, and a change that hides a course (unpublish, delete) must
 * reach the feature store before the API answers, so a hidden course is never recommended again.
 */
const STATE: Record<CourseRow['status'], Item['state']> = { draft: 'draft', in_review: 'draft', published: 'published', unpublished: 'unpublished' };

export function courseItem(r: CourseRow, tagIds: string[], categoryPath: string | null): Item {
  return {
    tenantId: r.tenant_id,
    itemId: r.course_id,
    kind: 'course',
    title: r.title.slice(0, 300),
    categories: (categoryPath ?? r.category_id).split('/').filter(Boolean).slice(0, 20),
    tags: [...new Set(tagIds)].sort().slice(0, 50),
    authorId: r.instructor_id,
    publishedAt: r.published_at,
    state: STATE[r.status],
    access: r.access,
  };
}

type Loaded = CourseRow & { tag_ids: string | null; category_path: string | null };

async function loadCourses(db: D1Database, tenantId: string, courseId?: string): Promise<Loaded[]> {
  const { results } = await db
    .prepare(
      `SELECT co.*, (SELECT group_concat(t.tag_id) FROM course_tags t WHERE t.tenant_id = co.tenant_id AND t.course_id = co.course_id) AS tag_ids,
         (SELECT c.path FROM categories c WHERE c.tenant_id = co.tenant_id AND c.category_id = co.category_id) AS category_path
       FROM courses co WHERE co.tenant_id = ?1 ${courseId ? 'AND co.course_id = ?2' : ''} ORDER BY co.course_id`,
    )
    .bind(tenantId, ...(courseId ? [courseId] : []))
    .all<Loaded>();
  return results;
}

export type ItemSync = 'done' | 'pending';

/** What a change is about to make of the course, applied before its D1 write (hiding changes go item-first). */
export type CourseOverride = Partial<Pick<CourseRow, 'status' | 'published_at' | 'deleted_at'>>;

/**
 * Writes courses' items (all of the tenant's, or one, optionally as `override` will make it), and
 * their videos' items where the tenant has videos as items (video-items.ts). A soft-deleted
 * course's item (and its videos') is removed. Retries are the feature store client's (bounded, with
 * backoff) plus the unsynced backlog: 'pending' = D1 has the items, the feature store not yet (a
 * change that only makes items visible; re-pushed by later writes and POST /v1/items/sync). Throws
 * FeatureSyncFailed when a hiding change could not reach the feature store: the caller answers 503
 * before committing the course change, so a retry of the same call is safe.
 */
export async function syncCourseItems(
  env: Bindings,
  tenantId: string,
  courseId?: string,
  override: CourseOverride = {},
): Promise<{ sync: ItemSync; written: number; removed: number }> {
  const [loaded, settings] = await Promise.all([loadCourses(env.CATALOGUE, tenantId, courseId), catalogueSettings(env.CATALOGUE, tenantId)]);
  // Where the tenant chose it, the courses' videos are items too and follow the same change.
  const videos = new Map<string, VideoOfCourse[]>();
  if (settings.videosAsItems) for (const v of await loadCourseVideos(env.CATALOGUE, tenantId, courseId)) videos.set(v.course_id!, [...(videos.get(v.course_id!) ?? []), v]);
  const cat = new ItemCatalogue(env);
  let removed = 0;
  let sync: ItemSync = 'done';
  const enforced: Item[] = [];
  const relaxed: Item[] = [];
  const hide: string[] = [];
  for (const before of loaded) {
    const r = { ...before, ...override };
    // Only a course that is published now can be visible in the feature store (hiding changes are
    // item-first, so an unpublished course's item was hidden there before the course changed):
    // hiding it must reach the feature store; anything else may lag and is retried as unsynced.
    const wasVisible = before.status === 'published' && before.deleted_at === null;
    const tags = r.tag_ids ? r.tag_ids.split(',') : [];
    const it = courseItem(r, tags, r.category_path);
    for (const v of videos.get(r.course_id) ?? []) {
      // Same rule per video: visible now only if its course was and it could be played.
      const videoWasVisible = videoPlayable(before, v) && v.has_item === 1;
      if (r.deleted_at !== null || v.deleted_at !== null) {
        if (videoWasVisible) hide.push(v.video_id);
        else if (v.has_item === 1 && (await cat.store.delete(tenantId, v.video_id))) removed++;
        continue;
      }
      (videoWasVisible ? enforced : relaxed).push(videoItem(r, v, it.categories, it.tags));
    }
    if (r.deleted_at !== null) {
      if (wasVisible) hide.push(r.course_id);
      else if (await cat.store.delete(tenantId, r.course_id)) removed++; // never recommendable: D1 only
      continue;
    }
    (wasVisible ? enforced : relaxed).push(it);
  }
  removed += await removeItems(env, tenantId, hide);
  for (let i = 0; i < enforced.length; i += 500) if (!(await cat.write(tenantId, enforced.slice(i, i + 500))).synced) sync = 'pending';
  for (let i = 0; i < relaxed.length; i += 500) {
    const chunk = relaxed.slice(i, i + 500);
    await cat.store.upsertMany(chunk);
    if (!(await cat.sync(tenantId, chunk))) sync = 'pending';
  }
  const items = [...enforced, ...relaxed];
  return { sync, written: items.length, removed };
}

/** The API answer when a hiding change could not be mirrored: the course change stands, retry the call. */
export const itemSyncUnavailable = (e: FeatureSyncFailed) =>
  Response.json(
    errorBody('upstream_unavailable', `saved in the catalogue, but ${e.message}: retry so the course's recommender item follows`),
    { status: 503, headers: { 'retry-after': '1' } },
  );

/** One-shot backfill of existing courses into the recommender (managers; idempotent, safe to re-run). */
const Backfill = z.object({ sync: z.enum(['done', 'pending']), written: z.number().int(), removed: z.number().int() });

export const courseItemRoutes = new ApiRoutes().endpoint(defineRoute({ method: 'post', path: '/v1/courses/recommender-items/backfill', tags: ['catalogue'], access: access.key('super', 'admin', 'senior'), description: 'Idempotent; safe to re-run.', responses: { 200: json(Backfill) }, errors: [503] }), async (c) => {
  try {
    return c.json(await syncCourseItems(c.env, c.var.principal.tenantId));
  } catch (e) {
    if (e instanceof FeatureSyncFailed) return itemSyncUnavailable(e);
    throw e;
  }
});
