import { count, jsonBody, StatsFetchError, type StatsFetcher, type VideoStats } from './fetcher.js';

interface QueryResponse {
  data?: { videos?: { id?: string; view_count?: number; like_count?: number }[] };
  error?: { code?: string; message?: string; log_id?: string };
}

/**
 * TikTok Display API `POST /v2/video/query/?fields=id,view_count,like_count` with the account's
 * user access token (scope video.list), up to 20 ids; a video that is not the account's (or gone)
 * is missing from `data.videos`. Errors are `{error:{code,message,log_id}}` with `code` "ok" on
 * success: `access_token_invalid` / `scope_not_authorized` (401) are a bad key,
 * `rate_limit_exceeded` (429) is retried, `internal_error` (500) is retried.
 */
export function tiktokFetcher(baseUrl: string, accessToken: string): StatsFetcher {
  const platform = 'tiktok';
  return {
    platform,
    maxBatch: 20,
    async fetchBatch(ids, signal) {
      const url = `${baseUrl.replace(/\/$/, '')}/v2/video/query/?fields=id,view_count,like_count`;
      const res = await fetch(url, {
        method: 'POST',
        headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ filters: { video_ids: ids } }),
        signal,
      });
      const body = (await jsonBody(platform, res)) as QueryResponse;
      const code = body.error?.code ?? (res.ok ? 'ok' : `http_${res.status}`);
      if (!res.ok || code !== 'ok') {
        const message = `${body.error?.message ?? `HTTP ${res.status}`} (log_id ${body.error?.log_id ?? '-'})`.slice(0, 200);
        if (code === 'access_token_invalid' || code === 'scope_not_authorized' || code === 'scope_permission_missed') throw new StatsFetchError(platform, 'bad_key', message, false);
        if (code === 'rate_limit_exceeded' || res.status === 429) throw new StatsFetchError(platform, 'rate_limited', message, true);
        if (code === 'internal_error' || res.status >= 500) throw new StatsFetchError(platform, 'unavailable', message, true);
        throw new StatsFetchError(platform, 'bad_request', message, false);
      }
      const out = new Map<string, VideoStats>();
      for (const v of body.data?.videos ?? []) {
        if (!v.id) continue;
        const views = count(v.view_count);
        const likes = count(v.like_count);
        out.set(v.id, { ...(views === undefined ? {} : { views }), ...(likes === undefined ? {} : { likes }) });
      }
      return out;
    },
  };
}
