import type { Context } from 'hono';
import { z } from 'zod';
import { InternalCreateVideoRequest, InternalVideoResponse, InternalVideoStatusRequest } from '@vidplat/contracts';
import { access, ApiRoutes, defineRoute, json, jsonBody } from '../http/api-routes.js';
import { edgeConfig, type AppEnv } from '../env.js';
import { errorBody, sendError } from '../http/errors.js';
import { limitsOf } from '../guardrails/tenant-limits.js';
import { mediaBytesQuota } from '../guardrails/quotas.js';
import { principalForKey, sha256Hex } from '../tenancy/api-keys.js';
import { bad, body, HttpFail, notFound, nowIso } from './http.js';
import { getVideoRow, toVideo } from './rows.js';
import { syncCourseItems } from './recommender-items.js';
import { catalogueSettings } from './video-items.js';

/**
 * The media-node's calls: either the EDGE_INTERNAL_TOKEN secret (acts for the tenant named in the
 * body, which must exist) or a tenant key with role super/admin (acts for the key's tenant).
 */
async function internalTenant(c: Context<AppEnv>, bodyTenant: string | undefined): Promise<string | Response> {
  const header = c.req.header('authorization') ?? '';
  const presented = header.startsWith('Bearer ') ? header.slice(7).trim() : '';
  if (!presented) return c.json(errorBody('unauthorized', 'missing credentials (Authorization: Bearer …)'), 401);
  const internal = edgeConfig(c.env).EDGE_INTERNAL_TOKEN;
  // Compare digests so timing does not depend on the secret's content.
  if (internal && (await sha256Hex(presented)) === (await sha256Hex(internal))) {
    if (!bodyTenant) return bad(c, 'tenantId', 'tenantId is required with the internal token');
    const t = await c.env.CATALOGUE.prepare('SELECT 1 FROM tenants WHERE tenant_id = ?1').bind(bodyTenant).first();
    if (!t) return bad(c, 'tenantId', `unknown tenant ${bodyTenant}`);
    return bodyTenant;
  }
  const p = await principalForKey(c.env.CATALOGUE, presented);
  if (!p) return c.json(errorBody('unauthorized', 'unknown or revoked API key'), 401);
  if (p.role !== 'super' && p.role !== 'admin') return c.json(errorBody('forbidden', 'internal video API needs a super/admin key or the internal token'), 403);
  if (bodyTenant && bodyTenant !== p.tenantId) return c.json(errorBody('forbidden', 'a tenant key acts for its own tenant only', 'tenantId'), 403);
  return p.tenantId;
}

const tags = ['internal'];

export const internalVideoRoutes = new ApiRoutes()
  .endpoint(defineRoute({ method: 'post', path: '/v1/internal/videos', tags, access: access.internal(), description: 'The media-node registers an upload: the internal token acts for the tenant in the body, a super/admin key for its own tenant.', request: { body: jsonBody(InternalCreateVideoRequest) }, responses: { 200: json(InternalVideoResponse, 'already registered'), 201: json(InternalVideoResponse, 'registered') }, errors: [400, 403, 404] }), async (c) => {
    const b = await body(c, InternalCreateVideoRequest);
    if (b instanceof HttpFail) return b.res;
    const tenantId = await internalTenant(c, b.tenantId);
    if (tenantId instanceof Response) return tenantId;
    const db = c.env.CATALOGUE;
    const now = nowIso();
    const existing = await db.prepare('SELECT 1 FROM videos WHERE tenant_id = ?1 AND video_id = ?2').bind(tenantId, b.videoId).first();
    // Stored-media quota: the tenant's other sources plus this one (403 quota_exceeded, nothing written).
    if (b.sizeBytes !== undefined) {
      const over = await mediaBytesQuota(db, await limitsOf(db, tenantId), tenantId, b.videoId, b.sizeBytes);
      if (over) return sendError(c, 403, over);
    }
    if (existing) {
      // At-least-once: a repeated create only refreshes the upload fields.
      await db
        .prepare('UPDATE videos SET source_uri = coalesce(?3, source_uri), source_bytes = coalesce(?5, source_bytes), updated_at = ?4 WHERE tenant_id = ?1 AND video_id = ?2')
        .bind(tenantId, b.videoId, b.sourceUri ?? null, now, b.sizeBytes ?? null)
        .run();
    } else {
      if (b.courseId) {
        const course = await db.prepare('SELECT 1 FROM courses WHERE tenant_id = ?1 AND course_id = ?2 AND deleted_at IS NULL').bind(tenantId, b.courseId).first();
        if (!course) return bad(c, 'courseId', `unknown course ${b.courseId}`);
      }
      if (b.chapterId) {
        const ch = await db.prepare('SELECT course_id FROM chapters WHERE tenant_id = ?1 AND chapter_id = ?2 AND deleted_at IS NULL').bind(tenantId, b.chapterId).first<{ course_id: string }>();
        if (!ch || ch.course_id !== b.courseId) return bad(c, 'chapterId', `chapter ${b.chapterId} is not in course ${b.courseId ?? '(none)'}`);
      }
      await db
        .prepare(
          `INSERT INTO videos (tenant_id, video_id, course_id, chapter_id, title, duration_seconds, status, source_uri, created_at, updated_at, source_bytes)
           VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?9, ?10)`,
        )
        .bind(tenantId, b.videoId, b.courseId, b.chapterId, b.title, b.durationSeconds, b.status, b.sourceUri ?? null, now, b.sizeBytes ?? 0)
        .run();
    }
    const video = (await getVideoRow(db, tenantId, b.videoId)) ?? null;
    if (!video) return notFound(c, 'video', 'videoId');
    return c.json({ video: toVideo(video) } satisfies InternalVideoResponse, existing ? 200 : 201);
  })
  .endpoint(defineRoute({ method: 'patch', path: '/v1/internal/videos/{videoId}/status', tags, access: access.internal(), request: { params: z.object({ videoId: z.string() }), body: jsonBody(InternalVideoStatusRequest) }, responses: { 200: json(InternalVideoResponse) }, errors: [400, 404] }), async (c) => {
    const b = await body(c, InternalVideoStatusRequest);
    if (b instanceof HttpFail) return b.res;
    const tenantId = await internalTenant(c, b.tenantId);
    if (tenantId instanceof Response) return tenantId;
    const db = c.env.CATALOGUE;
    const v = await getVideoRow(db, tenantId, c.req.param('videoId'));
    if (!v) return notFound(c, 'video', 'videoId');
    if (b.status === 'ready' && !(b.renditions?.length || (JSON.parse(v.renditions) as string[]).length)) {
      return bad(c, 'renditions', 'a ready video needs at least one rendition');
    }
    const duration = b.durationSeconds ?? v.duration_seconds;
    await db
      .prepare(
        `UPDATE videos SET status = ?3, renditions = ?4, duration_seconds = ?5, failure_reason = ?6, last_job_id = coalesce(?7, last_job_id),
           trial_seconds = min(trial_seconds, CASE WHEN ?5 > 0 THEN CAST(?5 AS INTEGER) ELSE trial_seconds END), updated_at = ?8
         WHERE tenant_id = ?1 AND video_id = ?2`,
      )
      .bind(
        tenantId,
        v.video_id,
        b.status,
        b.renditions ? JSON.stringify(b.renditions) : v.renditions,
        duration,
        b.status === 'failed' ? (b.failureReason ?? 'transcode failed') : (b.failureReason ?? null),
        b.jobId ?? null,
        nowIso(),
      )
      .run();
    // A video that became ready (or failed) changes its recommender item where videos are items.
    if (v.course_id && (await catalogueSettings(db, tenantId)).videosAsItems) {
      await syncCourseItems(c.env, tenantId, v.course_id).catch((e) => console.error('video item sync failed', e instanceof Error ? e.message : String(e)));
    }
    return c.json({ video: toVideo((await getVideoRow(db, tenantId, v.video_id))!) } satisfies InternalVideoResponse);
  });
