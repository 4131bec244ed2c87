import { z } from 'zod';
import { parseSigningKeys, PlayDenied, PlayResponse, segmentsWithin, signPlaybackToken, verifyPlaybackToken } from '@vidplat/contracts';
import { edgeConfig, type AppEnv } from '../../env.js';
import { errorBody } from '../../http/errors.js';
import { access, ApiRoutes, defineRoute, json } from '../../http/api-routes.js';
import { hiddenForRequest } from '../../content/visibility.js';
import { HttpFail, notFound, requireUser } from '../http.js';
import { getVideoRow, type VideoRow } from '../rows.js';
import { decideAccess } from './access.js';
import { rewritePlaylist } from './hls-playlist.js';
import { emit, playStartEvent } from '../server-events.js';

/** Every HLS file of a video lives under this prefix; the token grants exactly this prefix. */
export const hlsPrefix = (tenantId: string, videoId: string) => `/hls/${tenantId}/${videoId}/`;

/** Lessons in course order (chapter order, then lesson order): the one after `videoId`. */
async function nextVideoId(db: D1Database, tenantId: string, video: VideoRow): Promise<string | null> {
  if (!video.course_id) return null;
  const { results } = await db
    .prepare(
      `SELECT v.video_id FROM videos v LEFT JOIN chapters ch ON ch.tenant_id = v.tenant_id AND ch.chapter_id = v.chapter_id AND ch.deleted_at IS NULL
       WHERE v.tenant_id = ?1 AND v.course_id = ?2 AND v.deleted_at IS NULL AND v.status = 'ready'
       ORDER BY coalesce(ch.sort_order, 2147483647), v.sort_order, v.video_id`,
    )
    .bind(tenantId, video.course_id)
    .all<{ video_id: string }>();
  const i = results.findIndex((r) => r.video_id === video.video_id);
  return i >= 0 && i + 1 < results.length ? results[i + 1]!.video_id : null;
}

const CONTENT_TYPES: Record<string, string> = {
  m3u8: 'application/vnd.apple.mpegurl',
  ts: 'video/mp2t',
  m4s: 'video/iso.segment',
  mp4: 'video/mp4',
  aac: 'audio/aac',
  jpg: 'image/jpeg',
  vtt: 'text/vtt',
};

const playRoute = defineRoute({
  method: 'get',
  path: '/v1/play/{videoId}',
  tags: ['play'],
  access: access.keyOrUserToken(),
  description: "Play authorisation for the acting end user: a signed playback token and the HLS URL, or why not.",
  request: { params: z.object({ videoId: z.string() }) },
  responses: {
    200: json(PlayResponse),
    403: json(PlayDenied, 'refused: `reason` says why (a refused credential answers ErrorBody)'),
    409: json(PlayDenied, 'not playable yet (e.g. not_ready)'),
  },
  errors: [400, 404],
});

export const playRoutes = new ApiRoutes()
  .endpoint(playRoute, async (c) => {
    const userId = requireUser(c);
    if (userId instanceof HttpFail) return userId.res;
    const { tenantId } = c.var.principal;
    const db = c.env.CATALOGUE;
    const video = await getVideoRow(db, tenantId, c.req.param('videoId'));
    if (!video) return notFound(c, 'video', 'videoId');
    // Content the visibility rule hides from this user (rollout share, region, A/B) does not exist for them.
    const hidden = await hiddenForRequest(c, tenantId, userId);
    if (hidden && (hidden.has(video.video_id) || (video.course_id && hidden.has(video.course_id)))) return notFound(c, 'video', 'videoId');
    const now = new Date();
    const { decision } = await decideAccess(db, tenantId, userId, video, now);
    if (!decision.allowed) {
      return c.json({ allowed: false, reason: decision.reason, ...errorBody(decision.status === 409 ? 'conflict' : 'forbidden', decision.message) }, decision.status);
    }
    const cfg = edgeConfig(c.env);
    const { keys, currentKid } = parseSigningKeys(cfg.PLAYBACK_SIGNING_KEYS);
    const nowS = Math.floor(now.getTime() / 1000);
    // Trial tokens never outlive the trial window.
    const exp = Math.min(nowS + cfg.PLAYBACK_TOKEN_TTL_SECONDS, decision.notAfterSeconds ?? Number.MAX_SAFE_INTEGER);
    const prefix = hlsPrefix(tenantId, video.video_id);
    const token = await signPlaybackToken(
      {
        kid: currentKid,
        tenantId,
        userId,
        videoId: video.video_id,
        pathPrefix: prefix,
        exp,
        ...(decision.maxPositionSeconds !== null ? { maxPositionSeconds: decision.maxPositionSeconds } : {}),
      },
      keys,
    );
    const [progress, next] = await Promise.all([
      db
        .prepare('SELECT position_seconds FROM video_progress WHERE tenant_id = ?1 AND user_id = ?2 AND video_id = ?3')
        .bind(tenantId, userId, video.video_id)
        .first<{ position_seconds: number }>(),
      nextVideoId(db, tenantId, video),
    ]);
    let last = progress?.position_seconds ?? 0;
    if (decision.maxPositionSeconds !== null) last = Math.min(last, decision.maxPositionSeconds);
    const res: PlayResponse = {
      allowed: true,
      reason: decision.reason,
      videoId: video.video_id,
      courseId: video.course_id,
      masterUrl: `${cfg.MEDIA_ORIGIN_URL.replace(/\/$/, '')}${prefix}master.m3u8?token=${encodeURIComponent(token)}`,
      token,
      expiresAt: new Date(exp * 1000).toISOString(),
      qualities: JSON.parse(video.renditions) as string[],
      maxPositionSeconds: decision.maxPositionSeconds,
      lastPositionSeconds: last,
      nextVideoId: next,
    };
    // Server-side play_start (fact id per user, video and 5-minute play session: a retry is the same play).
    await emit(c, tenantId, [await playStartEvent(tenantId, userId, video, decision.reason, now.getTime(), last)]);
    return c.json(res, 200, { 'cache-control': 'no-store' });
  })
  /**
   * The production media origin: HLS files in R2 (binding MEDIA), each request guarded by the
   * shared token verifier. Locally the media-node serves the same paths with the same check.
   */
  .get('/hls/*', async (c) => {
    const token = c.req.query('token') ?? '';
    // The raw path, still percent-encoded: the verifier decodes it once and refuses escapes.
    const rawPath = new URL(c.req.url).pathname;
    const { keys } = parseSigningKeys(edgeConfig(c.env).PLAYBACK_SIGNING_KEYS);
    const check = await verifyPlaybackToken(token, keys, rawPath);
    if (!check.ok) return c.json(errorBody('forbidden', `playback token refused: ${check.reason}`), 403);
    const bucket = c.env.MEDIA;
    if (!bucket) return c.json(errorBody('not_found', 'no media bucket bound to this Worker; media is served by MEDIA_ORIGIN_URL'), 404);
    const key = decodeURIComponent(rawPath).slice(1);
    const ext = key.slice(key.lastIndexOf('.') + 1).toLowerCase();
    const max = check.claims.maxPositionSeconds;
    if (max !== undefined && ext !== 'm3u8') {
      // Trial: a media file is served only if the rendition playlist beside it lists it within the
      // trial seconds, so guessing later segment names does not get past the trial.
      const dir = key.slice(0, key.lastIndexOf('/') + 1);
      const playlist = await bucket.get(`${dir}index.m3u8`);
      const name = key.slice(dir.length);
      if (!playlist || !segmentsWithin(await playlist.text(), max).has(name)) {
        return c.json(errorBody('forbidden', `this trial plays the first ${max} s only`), 403);
      }
    }
    const obj = await bucket.get(key);
    if (!obj) return c.json(errorBody('not_found', 'no such media file'), 404);
    const headers = { 'content-type': CONTENT_TYPES[ext] ?? 'application/octet-stream', 'cache-control': 'private, no-store' };
    if (ext === 'm3u8') return c.body(rewritePlaylist(await obj.text(), token, check.claims.maxPositionSeconds), 200, headers);
    return c.body(obj.body, 200, headers);
  });
