import { z } from 'zod';
import {
  BehaviourEvent,
  COMPLETION_THRESHOLD,
  CourseProgress,
  ProgressRequest,
  ProgressResponse,
  SCHEMA_VERSION,
  parseSigningKeys,
  uuidv7,
  verifyPlaybackToken,
  type VideoProgress,
} from '@vidplat/contracts';
import { edgeConfig, type AppEnv } from '../../env.js';
import { errorBody } from '../../http/errors.js';
import { access, ApiRoutes, defineRoute, json, jsonBody } from '../../http/api-routes.js';
import { canSeeCourse } from '../access-control.js';
import { bad, body, HttpFail, notFound, requireUser } from '../http.js';
import { getCourseRow, getVideoRow } from '../rows.js';
import { hlsPrefix } from '../play/routes.js';
import { deliverEvents } from './event-outbox.js';
import { completionFactId, milestoneEvents } from '../server-events.js';
import { courseCompletionOf, recordCourseCompletion } from './course-completion.js';

/** Reported positions may run this far past the catalogue duration (player rounding). */
const POSITION_SLACK_SECONDS = 2;
const MAX_MEDIA_SECONDS = 86_400;
const WATCH_SLACK_SECONDS = 10;

interface ProgressRow {
  video_id: string;
  course_id: string | null;
  position_seconds: number;
  duration_seconds: number;
  max_position_seconds: number;
  watched_seconds: number;
  completed_at: string | null;
  updated_at: string;
}
const toProgress = (r: ProgressRow): VideoProgress => ({
  videoId: r.video_id,
  courseId: r.course_id,
  positionSeconds: r.position_seconds,
  durationSeconds: r.duration_seconds,
  maxPositionSeconds: r.max_position_seconds,
  watchedSeconds: r.watched_seconds,
  completed: r.completed_at !== null,
  completedAt: r.completed_at,
  updatedAt: r.updated_at,
});

export const progressRoutes = new ApiRoutes()
  /**
   * A player's progress report. It carries the playback token of /v1/play, so a report is bound
   * to this tenant, user and video, and a trial report cannot go past the trial's limit.
   * The progress is stored first; the behaviour event follows after the response.
   */
  .endpoint(defineRoute({ method: 'post', path: '/v1/videos/{videoId}/progress', tags: ['progress'], access: access.keyOrUserToken(), description: 'Carries the playback token of /v1/play: bound to this tenant, user and video; a trial cannot report past its limit.', request: { params: z.object({ videoId: z.string() }), body: jsonBody(ProgressRequest) }, responses: { 200: json(ProgressResponse) }, errors: [400, 403, 404] }), async (c) => {
    const userId = requireUser(c);
    if (userId instanceof HttpFail) return userId.res;
    const b = await body(c, ProgressRequest);
    if (b instanceof HttpFail) return b.res;
    if (b.durationSeconds > MAX_MEDIA_SECONDS) return bad(c, 'durationSeconds', `durationSeconds must be at most ${MAX_MEDIA_SECONDS}`);
    if (b.positionSeconds > b.durationSeconds) return bad(c, 'positionSeconds', 'positionSeconds cannot exceed durationSeconds');
    if (b.watchedSeconds > b.durationSeconds) return bad(c, 'watchedSeconds', 'watchedSeconds cannot exceed durationSeconds');
    const { tenantId } = c.var.principal;
    const db = c.env.CATALOGUE;
    const video = await getVideoRow(db, tenantId, c.req.param('videoId'));
    if (!video) return notFound(c, 'video', 'videoId');
    // The catalogue's duration is authoritative once the media-node has reported it.
    const duration = video.duration_seconds > 0 ? video.duration_seconds : b.durationSeconds;
    if (b.positionSeconds > duration + POSITION_SLACK_SECONDS) return bad(c, 'positionSeconds', `positionSeconds is beyond the video's duration (${duration} s)`);

    const cfg = edgeConfig(c.env);
    const { keys } = parseSigningKeys(cfg.PLAYBACK_SIGNING_KEYS);
    const check = await verifyPlaybackToken(b.playbackToken, keys, `${hlsPrefix(tenantId, video.video_id)}master.m3u8`);
    if (!check.ok) return c.json(errorBody('forbidden', `playback token refused: ${check.reason}`, 'playbackToken'), 403);
    const claims = check.claims;
    if (claims.tenantId !== tenantId || claims.userId !== userId || claims.videoId !== video.video_id) {
      return c.json(errorBody('forbidden', 'playback token belongs to another user or video', 'playbackToken'), 403);
    }
    if (claims.maxPositionSeconds !== undefined && b.positionSeconds > claims.maxPositionSeconds + POSITION_SLACK_SECONDS) {
      return c.json(errorBody('forbidden', `a trial plays up to ${claims.maxPositionSeconds} s`, 'positionSeconds'), 403);
    }

    const now = new Date().toISOString();
    const old = await db
      .prepare('SELECT * FROM video_progress WHERE tenant_id = ?1 AND user_id = ?2 AND video_id = ?3')
      .bind(tenantId, userId, video.video_id)
      .first<ProgressRow>();
    const position = Math.min(b.positionSeconds, duration);
    const maxPosition = Math.max(old?.max_position_seconds ?? 0, position);
    // Watch time is bounded by the server clock: a report cannot claim more seconds than have
    // passed since the previous one (plus slack for the reporting interval's jitter).
    const sinceLast = old ? Math.max(0, (Date.parse(now) - Date.parse(old.updated_at)) / 1000) : Infinity;
    const watchedDelta = Math.min(b.watchedSeconds, duration, sinceLast + WATCH_SLACK_SECONDS);
    const completedAt = old?.completed_at ?? (maxPosition >= COMPLETION_THRESHOLD * duration ? now : null);
    const justCompleted = !old?.completed_at && completedAt !== null;
    await db
      .prepare(
        `INSERT INTO video_progress (tenant_id, user_id, video_id, course_id, position_seconds, duration_seconds, max_position_seconds, watched_seconds, completed_at, device, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
         ON CONFLICT (tenant_id, user_id, video_id) DO UPDATE SET course_id = excluded.course_id, position_seconds = excluded.position_seconds,
           duration_seconds = excluded.duration_seconds, max_position_seconds = max(max_position_seconds, excluded.max_position_seconds),
           watched_seconds = watched_seconds + excluded.watched_seconds, completed_at = coalesce(completed_at, excluded.completed_at),
           device = excluded.device, updated_at = excluded.updated_at`,
      )
      .bind(tenantId, userId, video.video_id, video.course_id, position, duration, maxPosition, watchedDelta, completedAt, b.device, now)
      .run();
    const stored = (await db
      .prepare('SELECT * FROM video_progress WHERE tenant_id = ?1 AND user_id = ?2 AND video_id = ?3')
      .bind(tenantId, userId, video.video_id)
      .first<ProgressRow>())!;

    const type = justCompleted ? ('play_complete' as const) : ('play_progress' as const);
    // A completion is a fact (once per user and video): its id and time come from completed_at.
    const event = BehaviourEvent.parse({
      eventId: justCompleted ? await completionFactId(tenantId, userId, video.video_id, stored.completed_at ?? now) : uuidv7(),
      tenantId,
      eventTime: justCompleted ? (stored.completed_at ?? now) : now,
      schemaVersion: SCHEMA_VERSION,
      userId,
      itemId: video.video_id,
      device: b.device,
      type,
      positionSeconds: position,
      durationSeconds: Math.max(duration, 0.001),
      watchedSeconds: watchedDelta,
    });
    // Completing the course's last video completes the course: recorded with its course_complete
    // event in the outbox, which this delivery drains. Checked on every report of a completed
    // video, so a completion missed by an interrupted request is recorded by the next report.
    const course =
      stored.completed_at !== null && video.course_id !== null ? (await recordCourseCompletion(db, tenantId, userId, video.course_id, now)).completion : null;
    const milestones = justCompleted ? [] : await milestoneEvents(tenantId, userId, video, duration, old?.max_position_seconds ?? 0, stored.max_position_seconds, Date.parse(now));
    const delivery = deliverEvents(cfg, db, tenantId, [event, ...milestones]).catch((e) => console.error('outbox write failed', e instanceof Error ? e.message : String(e)));
    try {
      c.executionCtx.waitUntil(delivery);
    } catch {
      await delivery; // no execution context (e.g. app.request in a unit test)
    }
    return c.json({ progress: toProgress(stored), event: type, courseCompletedAt: course?.completedAt ?? null });
  })
  .endpoint(defineRoute({ method: 'get', path: '/v1/courses/{courseId}/progress', tags: ['progress'], access: access.keyOrUserToken(), request: { params: z.object({ courseId: z.string() }) }, responses: { 200: json(CourseProgress) }, errors: [400, 404] }), async (c) => {
    const userId = requireUser(c);
    if (userId instanceof HttpFail) return userId.res;
    const p = c.var.principal;
    const db = c.env.CATALOGUE;
    const course = await getCourseRow(db, p.tenantId, c.req.param('courseId'));
    if (!course || !canSeeCourse(p, course)) return notFound(c, 'course', 'courseId');
    const [total, agg, last, done] = await Promise.all([
      db
        .prepare("SELECT count(*) AS n FROM videos WHERE tenant_id = ?1 AND course_id = ?2 AND deleted_at IS NULL AND status = 'ready'")
        .bind(p.tenantId, course.course_id)
        .first<{ n: number }>(),
      db
        .prepare(
          `SELECT count(*) AS watched, count(vp.completed_at) AS completed, coalesce(sum(vp.watched_seconds), 0) AS secs
           FROM video_progress vp JOIN videos v ON v.tenant_id = vp.tenant_id AND v.video_id = vp.video_id AND v.deleted_at IS NULL
           WHERE vp.tenant_id = ?1 AND vp.user_id = ?2 AND v.course_id = ?3`,
        )
        .bind(p.tenantId, userId, course.course_id)
        .first<{ watched: number; completed: number; secs: number }>(),
      db
        .prepare(
          `SELECT vp.video_id, vp.position_seconds, vp.updated_at FROM video_progress vp JOIN videos v ON v.tenant_id = vp.tenant_id AND v.video_id = vp.video_id AND v.deleted_at IS NULL
           WHERE vp.tenant_id = ?1 AND vp.user_id = ?2 AND v.course_id = ?3 ORDER BY vp.updated_at DESC LIMIT 1`,
        )
        .bind(p.tenantId, userId, course.course_id)
        .first<{ video_id: string; position_seconds: number; updated_at: string }>(),
      courseCompletionOf(db, p.tenantId, userId, course.course_id),
    ]);
    const totalVideos = total?.n ?? 0;
    const completed = agg?.completed ?? 0;
    const res: CourseProgress = {
      courseId: course.course_id,
      userId,
      totalVideos,
      watchedVideos: agg?.watched ?? 0,
      completedVideos: completed,
      completionRate: totalVideos ? Math.min(1, completed / totalVideos) : 0,
      totalWatchSeconds: agg?.secs ?? 0,
      lastVideoId: last?.video_id ?? null,
      lastPositionSeconds: last?.position_seconds ?? null,
      updatedAt: last?.updated_at ?? null,
      completedAt: done?.completedAt ?? null,
    };
    return c.json(res);
  });
