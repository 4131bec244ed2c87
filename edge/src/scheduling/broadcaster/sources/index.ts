import type { SchedulingConfig } from '../../shared/config.js';
import { douyinFetcher } from './douyin.js';
import { unconfigured, type FetchPolicy, type StatsFetcher } from './fetcher.js';
import { tiktokFetcher } from './tiktok.js';
import { youtubeFetcher } from './youtube.js';

export { fetchStats, StatsFetchError, type FetchResult, type StatsFetcher, type VideoStats } from './fetcher.js';

/** The live statistics fetchers by platform name, with keys from the environment (secrets). */
export function liveFetchers(cfg: SchedulingConfig): Map<string, StatsFetcher> {
  return new Map([
    ['youtube', cfg.YOUTUBE_API_KEY ? youtubeFetcher(cfg.YOUTUBE_API_URL, cfg.YOUTUBE_API_KEY) : unconfigured('youtube', 'YOUTUBE_API_KEY')],
    ['tiktok', cfg.TIKTOK_ACCESS_TOKEN ? tiktokFetcher(cfg.TIKTOK_API_URL, cfg.TIKTOK_ACCESS_TOKEN) : unconfigured('tiktok', 'TIKTOK_ACCESS_TOKEN')],
    [
      'douyin',
      cfg.DOUYIN_ACCESS_TOKEN && cfg.DOUYIN_OPEN_ID
        ? douyinFetcher(cfg.DOUYIN_API_URL, cfg.DOUYIN_ACCESS_TOKEN, cfg.DOUYIN_OPEN_ID)
        : unconfigured('douyin', 'DOUYIN_ACCESS_TOKEN / DOUYIN_OPEN_ID'),
    ],
  ]);
}

export const fetchPolicy = (cfg: SchedulingConfig): FetchPolicy => ({
  timeoutMs: cfg.STATS_FETCH_TIMEOUT_MS,
  retries: cfg.STATS_FETCH_RETRIES,
  retryBaseMs: cfg.STATS_FETCH_RETRY_BASE_MS,
});
