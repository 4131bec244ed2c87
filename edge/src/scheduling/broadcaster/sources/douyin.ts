import { count, jsonBody, StatsFetchError, type StatsFetcher, type VideoStats } from './fetcher.js';

interface VideoDataResponse {
  data?: {
    error_code?: number;
    description?: string;
    list?: { item_id?: string; statistics?: { play_count?: number; digg_count?: number } }[];
  };
  extra?: { error_code?: number; description?: string; logid?: string };
}

/**
 * Douyin open platform "video data" (`POST /api/douyin/v1/video/video_data/?open_id=…`, header
 * `access-token`, body `{item_ids}`): `statistics.play_count` are views, `digg_count` likes; an item
 * that is not the account's is missing from `data.list`. Errors come with HTTP 200 and a non-zero
 * `data.error_code` / `extra.error_code`: 2190001 quota used up, 2190002 / 2190008 invalid or
 * expired access_token, 2190015 token and open_id do not match, 2100004 system busy (retried).
 */
export function douyinFetcher(baseUrl: string, accessToken: string, openId: string): StatsFetcher {
  const platform = 'douyin';
  return {
    platform,
    maxBatch: 20,
    async fetchBatch(ids, signal) {
      const url = new URL(`${baseUrl.replace(/\/$/, '')}/api/douyin/v1/video/video_data/`);
      url.searchParams.set('open_id', openId);
      const res = await fetch(url, {
        method: 'POST',
        headers: { 'access-token': accessToken, 'content-type': 'application/json' },
        body: JSON.stringify({ item_ids: ids }),
        signal,
      });
      const body = (await jsonBody(platform, res)) as VideoDataResponse;
      const code = body.data?.error_code || body.extra?.error_code || 0;
      if (!res.ok || code !== 0) {
        const message = `${code} ${body.data?.description || body.extra?.description || `HTTP ${res.status}`}`.slice(0, 200);
        if (code === 2190001) throw new StatsFetchError(platform, 'quota_exceeded', message, false);
        if (code === 2190002 || code === 2190008 || code === 2190015 || code === 2190003 || code === 2190004) throw new StatsFetchError(platform, 'bad_key', message, false);
        if (code === 2100004 || res.status === 429 || res.status >= 500) throw new StatsFetchError(platform, 'unavailable', message, true);
        throw new StatsFetchError(platform, 'bad_request', message, false);
      }
      const out = new Map<string, VideoStats>();
      for (const v of body.data?.list ?? []) {
        if (!v.item_id) continue;
        const views = count(v.statistics?.play_count);
        const likes = count(v.statistics?.digg_count);
        out.set(v.item_id, { ...(views === undefined ? {} : { views }), ...(likes === undefined ? {} : { likes }) });
      }
      return out;
    },
  };
}
