import { count, jsonBody, StatsFetchError, type StatsFetcher, type VideoStats } from './fetcher.js';

interface YouTubeError {
  error?: { code?: number; message?: string; errors?: { reason?: string; domain?: string }[]; details?: { reason?: string }[] };
}
interface VideoListResponse {
  items?: { id?: string; statistics?: { viewCount?: string; likeCount?: string } }[];
}

/**
 * YouTube Data API v3 `videos.list?part=statistics` (1 quota unit per call, up to 50 ids). Counts
 * arrive as decimal strings; `likeCount` is absent when the owner hides likes. An unknown or
 * private id is simply missing from `items`. Errors are Google's `{error:{code,message,errors[]}}`:
 * `quotaExceeded` / `dailyLimitExceeded` (403) are final for the day, `rateLimitExceeded` is
 * retried, `API_KEY_INVALID` / `keyInvalid` (400) is a bad key.
 */
export function youtubeFetcher(baseUrl: string, apiKey: string): StatsFetcher {
  const platform = 'youtube';
  return {
    platform,
    maxBatch: 50,
    async fetchBatch(ids, signal) {
      const url = new URL(`${baseUrl.replace(/\/$/, '')}/videos`);
      url.searchParams.set('part', 'statistics');
      url.searchParams.set('id', ids.join(','));
      url.searchParams.set('maxResults', String(ids.length));
      url.searchParams.set('key', apiKey);
      const res = await fetch(url, { headers: { accept: 'application/json' }, signal });
      const body = (await jsonBody(platform, res)) as YouTubeError & VideoListResponse;
      if (!res.ok || body.error) throw classify(res.status, body);
      const out = new Map<string, VideoStats>();
      for (const it of body.items ?? []) {
        if (!it.id) continue;
        const views = count(it.statistics?.viewCount);
        const likes = count(it.statistics?.likeCount);
        out.set(it.id, { ...(views === undefined ? {} : { views }), ...(likes === undefined ? {} : { likes }) });
      }
      return out;
    },
  };
}

function classify(status: number, body: YouTubeError): StatsFetchError {
  const reasons = [...(body.error?.errors ?? []).map((e) => e.reason), ...(body.error?.details ?? []).map((d) => d.reason)];
  const message = (body.error?.message ?? `HTTP ${status}`).replace(/<[^>]+>/g, '').slice(0, 200);
  const has = (...r: string[]) => reasons.some((x) => x !== undefined && r.includes(x));
  if (has('quotaExceeded', 'dailyLimitExceeded')) return new StatsFetchError('youtube', 'quota_exceeded', message, false);
  if (has('rateLimitExceeded', 'userRateLimitExceeded')) return new StatsFetchError('youtube', 'rate_limited', message, true);
  if (has('API_KEY_INVALID', 'keyInvalid', 'keyExpired', 'API_KEY_SERVICE_BLOCKED', 'forbidden', 'accessNotConfigured'))
    return new StatsFetchError('youtube', 'bad_key', message, false);
  if (status >= 500) return new StatsFetchError('youtube', 'unavailable', message, true);
  return new StatsFetchError('youtube', 'bad_request', message, false);
}
