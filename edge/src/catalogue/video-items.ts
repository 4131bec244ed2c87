import { CatalogueSettings, PutCatalogueSettingsResponse, type Item } from '@vidplat/contracts';
import { edgeConfig, type Bindings } from '../env.js';
import { featureStore } from '../feature-store/redis.js';
import { FeatureSyncFailed, ItemCatalogue } from '../items/catalogue.js';
import { lessVisible, pushItemFeatures } from '../items/feature-mirror.js';
import { access, ApiRoutes, defineRoute, json, jsonBody } from '../http/api-routes.js';
import { body, HttpFail, MANAGER_ROLES, nowIso } from './http.js';
import type { CourseRow, VideoRow } from './rows.js';

/**
 * Catalogue videos as recommender items, where the tenant chooses (catalogue_settings.
 * videos_as_items): each video of a course is an item of kind "video" (item id = video id) with
 * its course's categories, tags, instructor and publish state, recommendable only while the
 * course is published, the video is ready and its chapter is not locked; access is free for a
 * free lesson (free video or chapter, free course), else the course's. The items follow every
 * change through the course sync (recommender-items.ts), which calls this module; turning the
 * option off removes them. A scenario picks kinds with `rerank.kinds` (e.g. only courses).
 */
export async function catalogueSettings(db: D1Database, tenantId: string): Promise<CatalogueSettings> {
  const r = await db.prepare('SELECT videos_as_items FROM catalogue_settings WHERE tenant_id = ?1').bind(tenantId).first<{ videos_as_items: number }>();
  return { videosAsItems: r?.videos_as_items === 1 };
}

export type VideoOfCourse = VideoRow & { deleted_at: string | null; chapter_free: number | null; chapter_locked: number | null; has_item: number };

/** The videos of one course or of every course of the tenant (deleted ones only if they still have an item). */
export async function loadCourseVideos(db: D1Database, tenantId: string, courseId?: string): Promise<VideoOfCourse[]> {
  const { results } = await db
    .prepare(
      `SELECT v.*, ch.free AS chapter_free, ch.locked AS chapter_locked,
         EXISTS (SELECT 1 FROM items i WHERE i.tenant_id = v.tenant_id AND i.item_id = v.video_id) AS has_item
       FROM videos v LEFT JOIN chapters ch ON ch.tenant_id = v.tenant_id AND ch.chapter_id = v.chapter_id AND ch.deleted_at IS NULL
       WHERE v.tenant_id = ?1 AND v.course_id IS NOT NULL ${courseId ? 'AND v.course_id = ?2' : ''}
         AND (v.deleted_at IS NULL OR EXISTS (SELECT 1 FROM items i WHERE i.tenant_id = v.tenant_id AND i.item_id = v.video_id))
       ORDER BY v.video_id`,
    )
    .bind(tenantId, ...(courseId ? [courseId] : []))
    .all<VideoOfCourse>();
  return results;
}

/** Whether the video can be played by someone now (so its item may be recommended). */
export const videoPlayable = (course: Pick<CourseRow, 'status' | 'deleted_at'>, v: VideoOfCourse) =>
  course.status === 'published' && course.deleted_at === null && v.deleted_at === null && v.status === 'ready' && v.chapter_locked !== 1;

export function videoItem(course: CourseRow, v: VideoOfCourse, categories: string[], tags: string[]): Item {
  const free = v.free === 1 || v.chapter_free === 1 || course.access === 'free';
  return {
    tenantId: course.tenant_id,
    itemId: v.video_id,
    kind: 'video',
    title: (v.title || v.video_id).slice(0, 300),
    categories,
    tags,
    authorId: course.instructor_id,
    publishedAt: course.published_at,
    // A video that cannot be played (not ready, locked chapter) is never recommended: draft.
    state: videoPlayable(course, v) ? 'published' : course.status === 'unpublished' ? 'unpublished' : 'draft',
    access: free ? 'free' : course.access,
  };
}

/** Removes items from the feature store first, then D1 (a failed push leaves D1 as is, so a retry finds them). */
export async function removeItems(env: Bindings, tenantId: string, ids: string[]): Promise<number> {
  if (!ids.length) return 0;
  try {
    await pushItemFeatures(featureStore(edgeConfig(env)), tenantId, [], ids);
  } catch (e) {
    throw new FeatureSyncFailed(`feature store: ${e instanceof Error ? e.message : String(e)}`);
  }
  const store = new ItemCatalogue(env).store;
  let n = 0;
  for (const id of ids) if (await store.delete(tenantId, id)) n++;
  return n;
}

/** Before a video is deleted: its item (if it has one) leaves the feature store and D1. */
export async function hideVideoItem(env: Bindings, tenantId: string, videoId: string): Promise<void> {
  const store = new ItemCatalogue(env).store;
  const it = await store.get(tenantId, videoId);
  if (!it || it.kind !== 'video') return;
  // Never recommendable (a draft): D1 only, as for courses; otherwise the feature store first.
  if (lessVisible(it)) await store.delete(tenantId, videoId);
  else await removeItems(env, tenantId, [videoId]);
}

/** Every catalogue video's item of the tenant (the option was turned off). */
async function removeVideoItems(env: Bindings, tenantId: string): Promise<number> {
  const { results } = await env.CATALOGUE.prepare(
    "SELECT i.item_id FROM items i JOIN videos v ON v.tenant_id = i.tenant_id AND v.video_id = i.item_id WHERE i.tenant_id = ?1 AND i.kind = 'video'",
  )
    .bind(tenantId)
    .all<{ item_id: string }>();
  return removeItems(env, tenantId, results.map((r) => r.item_id));
}

/**
 * GET/PUT /v1/catalogue/settings: the tenant's catalogue options. Turning videosAsItems on writes
 * every video's item (like the backfill); turning it off removes them (503 when the feature store
 * could not take it: the option is off already, retry the PUT to finish the removal).
 */
export function catalogueSettingsRoutes(syncAll: (env: Bindings, tenantId: string) => Promise<{ sync: 'done' | 'pending'; written: number; removed: number }>) {
  const tags = ['catalogue'];
  return new ApiRoutes()
    .endpoint(defineRoute({ method: 'get', path: '/v1/catalogue/settings', tags, access: access.key(...MANAGER_ROLES), responses: { 200: json(CatalogueSettings) } }), async (c) =>
      c.json(await catalogueSettings(c.env.CATALOGUE, c.var.principal.tenantId)),
    )
    .endpoint(
      defineRoute({
        method: 'put',
        path: '/v1/catalogue/settings',
        tags,
        access: access.key('super', 'admin'),
        description: 'Turning videosAsItems on writes every video item; off removes them (503 when the feature store could not take it: saved, retry the PUT).',
        request: { body: jsonBody(CatalogueSettings) },
        responses: { 200: json(PutCatalogueSettingsResponse) },
        errors: [400, 503],
      }),
      async (c) => {
      const b = await body(c, CatalogueSettings);
      if (b instanceof HttpFail) return b.res;
      const { tenantId } = c.var.principal;
      await c.env.CATALOGUE.prepare(
        'INSERT INTO catalogue_settings (tenant_id, videos_as_items, updated_at) VALUES (?1, ?2, ?3) ON CONFLICT (tenant_id) DO UPDATE SET videos_as_items = excluded.videos_as_items, updated_at = excluded.updated_at',
      )
        .bind(tenantId, b.videosAsItems ? 1 : 0, nowIso())
        .run();
      try {
        const items = b.videosAsItems ? await syncAll(c.env, tenantId) : { sync: 'done' as const, written: 0, removed: await removeVideoItems(c.env, tenantId) };
        return c.json({ ...b, items });
      } catch (e) {
        if (e instanceof FeatureSyncFailed) {
          return Response.json(
            { error: { code: 'upstream_unavailable', message: `saved, but ${e.message}: retry so the video items follow` } },
            { status: 503, headers: { 'retry-after': '1' } },
          );
        }
        throw e;
      }
    },
    );
}
