/**
 * Local stand-in for the third-party statistics APIs the broadcaster reads (we cannot reach them
 * from tests or `npm start`): YouTube Data API v3 `videos.list`, TikTok Display API `video/query`
 * and the Douyin open platform `video_data`, each answering with its documented request checks,
 * response shape and error shapes (quota exceeded, bad key, rate limit / busy, server error; an
 * unknown id is missing from the answer, as on the real platforms).
 *
 *   GET  /youtube/v3/videos?part=statistics&id=a,b&key=K
 *   POST /tiktok/v2/video/query/?fields=id,view_count,like_count   Authorization: Bearer T
 *   POST /douyin/api/douyin/v1/video/video_data/?open_id=O          access-token: T
 *   POST /_control {videos?: {platform: {id: {views?, likes?}}}, fail?: {platform: {id: {mode, times?}}}}
 *        mode: quota | bad_key | rate_limit | server | hang (no answer for holdMs, default 10 s)
 *   GET  /_log   every API request (platform, ids, status), never the keys
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';

export type Platform = 'youtube' | 'tiktok' | 'douyin';
export type FailMode = 'quota' | 'bad_key' | 'rate_limit' | 'server' | 'hang';
export interface PlatformApiKeys {
  youtubeKey: string;
  tiktokToken: string;
  douyinToken: string;
  douyinOpenId: string;
}
export interface PlatformApis {
  url: string;
  keys: PlatformApiKeys;
  /** The env the edge needs to use this server (YOUTUBE_API_URL, YOUTUBE_API_KEY, ...). */
  env: Record<string, string>;
  close(): Promise<void>;
}

interface Stats {
  views?: number;
  likes?: number;
}
interface Failure {
  mode: FailMode;
  times: number;
  holdMs: number;
}

const logId = () => `${new Date().toISOString().replace(/\D/g, '').slice(0, 14)}${randomBytes(8).toString('hex').toUpperCase()}`;

export function platformApiEnv(url: string, keys: PlatformApiKeys): Record<string, string> {
  return {
    YOUTUBE_API_URL: `${url}/youtube/v3`,
    YOUTUBE_API_KEY: keys.youtubeKey,
    TIKTOK_API_URL: `${url}/tiktok`,
    TIKTOK_ACCESS_TOKEN: keys.tiktokToken,
    DOUYIN_API_URL: `${url}/douyin`,
    DOUYIN_ACCESS_TOKEN: keys.douyinToken,
    DOUYIN_OPEN_ID: keys.douyinOpenId,
  };
}

export async function startPlatformApis(keys?: Partial<PlatformApiKeys>, port = 0): Promise<PlatformApis> {
  const k: PlatformApiKeys = {
    youtubeKey: keys?.youtubeKey ?? `AIza${randomBytes(26).toString('base64url')}`,
    tiktokToken: keys?.tiktokToken ?? `act.${randomBytes(24).toString('hex')}`,
    douyinToken: keys?.douyinToken ?? `act.${randomBytes(24).toString('hex')}`,
    douyinOpenId: keys?.douyinOpenId ?? randomBytes(16).toString('hex'),
  };
  const videos: Record<Platform, Map<string, Stats>> = { youtube: new Map(), tiktok: new Map(), douyin: new Map() };
  const failures: Record<Platform, Map<string, Failure>> = { youtube: new Map(), tiktok: new Map(), douyin: new Map() };
  const log: { platform: Platform; ids: string[]; status: number; at: number }[] = [];

  /** The injected failure for a request, if any of its ids has one left. */
  const failureFor = (p: Platform, ids: string[]): Failure | undefined => {
    for (const id of ids) {
      const f = failures[p].get(id);
      if (f && f.times > 0) {
        f.times--;
        return f;
      }
    }
    return undefined;
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      try {
        route(req, res, body);
      } catch (e) {
        send(res, 500, { message: (e as Error).message });
      }
    });
  });

  function send(res: ServerResponse, status: number, obj: unknown) {
    res.writeHead(status, { 'content-type': 'application/json; charset=UTF-8' });
    res.end(JSON.stringify(obj));
  }

  function route(req: IncomingMessage, res: ServerResponse, body: string) {
    const url = new URL(req.url ?? '/', 'http://stand-in');
    if (url.pathname === '/_control' && req.method === 'POST') {
      const c = JSON.parse(body || '{}') as {
        videos?: Partial<Record<Platform, Record<string, Stats>>>;
        fail?: Partial<Record<Platform, Record<string, { mode: FailMode; times?: number; holdMs?: number } | null>>>;
      };
      for (const [p, vs] of Object.entries(c.videos ?? {})) for (const [id, s] of Object.entries(vs ?? {})) videos[p as Platform].set(id, s);
      for (const [p, fs] of Object.entries(c.fail ?? {}))
        for (const [id, f] of Object.entries(fs ?? {}))
          if (f === null) failures[p as Platform].delete(id);
          else failures[p as Platform].set(id, { mode: f.mode, times: f.times ?? Number.POSITIVE_INFINITY, holdMs: f.holdMs ?? 10_000 });
      return send(res, 200, { ok: true });
    }
    if (url.pathname === '/_log' && req.method === 'GET') return send(res, 200, log);
    if (url.pathname === '/youtube/v3/videos' && req.method === 'GET') return youtube(url, res);
    if (url.pathname === '/tiktok/v2/video/query/' && req.method === 'POST') return tiktok(req, url, body, res);
    if (url.pathname === '/douyin/api/douyin/v1/video/video_data/' && req.method === 'POST') return douyin(req, url, body, res);
    return send(res, 404, { message: `no such path on the platform API stand-in: ${req.method} ${url.pathname}` });
  }

  const hold = (f: Failure, res: ServerResponse) => {
    const t = setTimeout(() => res.destroy(), f.holdMs);
    res.on('close', () => clearTimeout(t));
  };

  // --- YouTube Data API v3 ------------------------------------------------------------------
  function youtubeError(res: ServerResponse, ids: string[], code: number, reason: string, domain: string, message: string, extra: Record<string, unknown> = {}) {
    log.push({ platform: 'youtube', ids, status: code, at: Date.now() });
    send(res, code, { error: { code, message, errors: [{ message, domain, reason }], ...extra } });
  }
  function youtube(url: URL, res: ServerResponse) {
    const ids = (url.searchParams.get('id') ?? '').split(',').filter(Boolean);
    if (url.searchParams.get('key') !== k.youtubeKey) {
      return youtubeError(res, ids, 400, 'badRequest', 'global', 'API key not valid. Please pass a valid API key.', {
        status: 'INVALID_ARGUMENT',
        details: [{ '@type': 'type.googleapis.com/google.rpc.ErrorInfo', reason: 'API_KEY_INVALID', domain: 'googleapis.com', metadata: { service: 'youtube.googleapis.com' } }],
      });
    }
    const part = url.searchParams.get('part');
    if (!part) return youtubeError(res, ids, 400, 'required', 'global', 'No filter selected. Expected one of: id, chart, myRating, idParam');
    if (ids.length > 50) return youtubeError(res, ids, 400, 'invalidFilters', 'youtube.parameter', 'The request specifies an invalid filter parameter.');
    const f = failureFor('youtube', ids);
    if (f?.mode === 'hang') return hold(f, res);
    if (f?.mode === 'quota')
      return youtubeError(res, ids, 403, 'quotaExceeded', 'youtube.quota', 'The request cannot be completed because you have exceeded your <a href="/youtube/v3/getting-started#quota">quota</a>.');
    if (f?.mode === 'rate_limit') return youtubeError(res, ids, 403, 'rateLimitExceeded', 'youtube.quota', 'The request cannot be completed because you have exceeded your quota.');
    if (f?.mode === 'bad_key') return youtubeError(res, ids, 400, 'badRequest', 'global', 'API key expired. Please renew the API key.', { status: 'INVALID_ARGUMENT', details: [{ reason: 'API_KEY_INVALID' }] });
    if (f?.mode === 'server') return youtubeError(res, ids, 503, 'backendError', 'global', 'The service is currently unavailable.', { status: 'UNAVAILABLE' });
    const items = ids
      .filter((id) => videos.youtube.has(id))
      .map((id) => {
        const s = videos.youtube.get(id)!;
        const statistics: Record<string, string> = {};
        if (s.views !== undefined) statistics.viewCount = String(s.views);
        if (s.likes !== undefined) statistics.likeCount = String(s.likes);
        statistics.favoriteCount = '0';
        statistics.commentCount = '0';
        return { kind: 'youtube#video', etag: randomBytes(8).toString('hex'), id, ...(part.split(',').includes('statistics') ? { statistics } : {}) };
      });
    log.push({ platform: 'youtube', ids, status: 200, at: Date.now() });
    send(res, 200, { kind: 'youtube#videoListResponse', etag: randomBytes(8).toString('hex'), items, pageInfo: { totalResults: items.length, resultsPerPage: items.length } });
  }

  // --- TikTok Display API ---------------------------------------------------------------------
  function tiktokError(res: ServerResponse, ids: string[], status: number, code: string, message: string) {
    log.push({ platform: 'tiktok', ids, status, at: Date.now() });
    send(res, status, { data: {}, error: { code, message, log_id: logId() } });
  }
  function tiktok(req: IncomingMessage, url: URL, body: string, res: ServerResponse) {
    let ids: string[] = [];
    try {
      const b = JSON.parse(body) as { filters?: { video_ids?: unknown } };
      ids = Array.isArray(b.filters?.video_ids) ? (b.filters!.video_ids as unknown[]).map(String) : [];
    } catch {
      return tiktokError(res, [], 400, 'invalid_params', 'The request body is not valid JSON.');
    }
    if (req.headers.authorization !== `Bearer ${k.tiktokToken}`) return tiktokError(res, ids, 401, 'access_token_invalid', 'The access token is invalid or not found in the request.');
    const fields = (url.searchParams.get('fields') ?? '').split(',').filter(Boolean);
    if (!fields.length) return tiktokError(res, ids, 400, 'invalid_params', 'fields is required');
    if (!ids.length || ids.length > 20) return tiktokError(res, ids, 400, 'invalid_params', 'filters.video_ids must hold 1 to 20 ids');
    const f = failureFor('tiktok', ids);
    if (f?.mode === 'hang') return hold(f, res);
    if (f?.mode === 'quota' || f?.mode === 'rate_limit') return tiktokError(res, ids, 429, 'rate_limit_exceeded', 'The API rate limit was exceeded. Please try again later.');
    if (f?.mode === 'bad_key') return tiktokError(res, ids, 401, 'access_token_invalid', 'Access token is invalid, please refresh token and retry');
    if (f?.mode === 'server') return tiktokError(res, ids, 500, 'internal_error', 'Something went wrong. Please try again later.');
    const out = ids
      .filter((id) => videos.tiktok.has(id))
      .map((id) => {
        const s = videos.tiktok.get(id)!;
        const v: Record<string, unknown> = { id };
        if (fields.includes('view_count') && s.views !== undefined) v.view_count = s.views;
        if (fields.includes('like_count') && s.likes !== undefined) v.like_count = s.likes;
        return v;
      });
    log.push({ platform: 'tiktok', ids, status: 200, at: Date.now() });
    send(res, 200, { data: { videos: out, cursor: 0, has_more: false }, error: { code: 'ok', message: '', log_id: logId() } });
  }

  // --- Douyin open platform -------------------------------------------------------------------
  function douyinError(res: ServerResponse, ids: string[], code: number, description: string) {
    log.push({ platform: 'douyin', ids, status: 200, at: Date.now() });
    send(res, 200, {
      data: { error_code: code, description },
      extra: { error_code: code, description, sub_error_code: 0, sub_description: '', logid: logId(), now: Date.now() },
    });
  }
  function douyin(req: IncomingMessage, url: URL, body: string, res: ServerResponse) {
    let ids: string[] = [];
    try {
      const b = JSON.parse(body) as { item_ids?: unknown };
      ids = Array.isArray(b.item_ids) ? (b.item_ids as unknown[]).map(String) : [];
    } catch {
      return douyinError(res, [], 2100005, '参数不合法');
    }
    if (req.headers['access-token'] !== k.douyinToken) return douyinError(res, ids, 2190002, 'access_token无效');
    if (url.searchParams.get('open_id') !== k.douyinOpenId) return douyinError(res, ids, 2190015, '请求参数access_token openid不匹配');
    if (!ids.length || ids.length > 20) return douyinError(res, ids, 2100005, '参数不合法');
    const f = failureFor('douyin', ids);
    if (f?.mode === 'hang') return hold(f, res);
    if (f?.mode === 'quota') return douyinError(res, ids, 2190001, 'quota已用完');
    if (f?.mode === 'bad_key') return douyinError(res, ids, 2190008, 'access_token过期,请刷新或重新授权');
    if (f?.mode === 'rate_limit' || f?.mode === 'server') return douyinError(res, ids, 2100004, '系统繁忙，此时请开发者稍候再试');
    const list = ids
      .filter((id) => videos.douyin.has(id))
      .map((id) => {
        const s = videos.douyin.get(id)!;
        const statistics: Record<string, number> = { comment_count: 0, download_count: 0, forward_count: 0, share_count: 0 };
        if (s.views !== undefined) statistics.play_count = s.views;
        if (s.likes !== undefined) statistics.digg_count = s.likes;
        return { item_id: id, statistics };
      });
    log.push({ platform: 'douyin', ids, status: 200, at: Date.now() });
    send(res, 200, {
      data: { error_code: 0, description: '', list },
      extra: { error_code: 0, description: '', sub_error_code: 0, sub_description: '', logid: logId(), now: Date.now() },
    });
  }

  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  server.unref();
  const addr = server.address();
  const url = `http://127.0.0.1:${typeof addr === 'object' && addr ? addr.port : port}`;
  return {
    url,
    keys: k,
    env: platformApiEnv(url, k),
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
