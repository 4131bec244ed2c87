import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { douyinFetcher } from './douyin.js';
import { fetchStats, StatsFetchError, type FetchPolicy } from './fetcher.js';
import { tiktokFetcher } from './tiktok.js';
import { youtubeFetcher } from './youtube.js';

/**
 * Each fetcher against the local stand-in (tools/devstack/src/platform-apis.ts), which answers
 * with the platform's documented response and error shapes. Ids are unique per test: the stand-in
 * is shared by the whole edge test run.
 */
const API = env.TEST_PLATFORM_APIS_URL;
const policy: FetchPolicy = { timeoutMs: 1_500, retries: 2, retryBaseMs: 10 };
let n = 0;
const uid = (p: string) => `${p}${Date.now().toString(36)}x${n++}`;

async function control(body: unknown) {
  const r = await fetch(`${API}/_control`, { method: 'POST', body: JSON.stringify(body) });
  expect(r.status).toBe(200);
}
const requestsFor = async (id: string) =>
  ((await (await fetch(`${API}/_log`)).json()) as { platform: string; ids: string[]; status: number }[]).filter((e) => e.ids.includes(id));

const youtube = () => youtubeFetcher(env.YOUTUBE_API_URL!, env.YOUTUBE_API_KEY!);
const tiktok = () => tiktokFetcher(env.TIKTOK_API_URL!, env.TIKTOK_ACCESS_TOKEN!);
const douyin = () => douyinFetcher(env.DOUYIN_API_URL!, env.DOUYIN_ACCESS_TOKEN!, env.DOUYIN_OPEN_ID!);

describe('YouTube Data API v3 videos.list fetcher', () => {
  it('reads viewCount / likeCount (strings) per id; a hidden likeCount stays unknown; an unknown id is not found', async () => {
    const [a, b, gone] = [uid('yta'), uid('ytb'), uid('ytgone')];
    await control({ videos: { youtube: { [a]: { views: 12500, likes: 680 }, [b]: { views: 7 } } } });
    const r = await fetchStats(youtube(), [a, b, gone], policy);
    expect(Object.fromEntries(r.stats)).toEqual({ [a]: { views: 12500, likes: 680 }, [b]: { views: 7 } });
    expect(r.notFound).toEqual([gone]);
    expect(r.failed.size).toBe(0);
    expect(await requestsFor(a)).toHaveLength(1);
  });

  it('asks at most 50 ids per request', async () => {
    const ids = Array.from({ length: 120 }, () => uid('ytm'));
    await control({ videos: { youtube: Object.fromEntries(ids.map((id, i) => [id, { views: i, likes: 1 }])) } });
    const r = await fetchStats(youtube(), ids, policy);
    expect(r.stats.size).toBe(120);
    expect(r.stats.get(ids[119]!)).toEqual({ views: 119, likes: 1 });
    const log = ((await (await fetch(`${API}/_log`)).json()) as { ids: string[] }[]).filter((e) => ids.includes(e.ids[0]!));
    expect(log.map((e) => e.ids.length)).toEqual([50, 50, 20]);
  });

  it('quotaExceeded (403) fails without a retry; a bad key (400 API_KEY_INVALID) fails without a retry', async () => {
    const q = uid('ytq');
    await control({ videos: { youtube: { [q]: { views: 1 } } }, fail: { youtube: { [q]: { mode: 'quota' } } } });
    const r = await fetchStats(youtube(), [q], policy);
    expect(r.failed.get(q)).toBeInstanceOf(StatsFetchError);
    expect(r.failed.get(q)).toMatchObject({ kind: 'quota_exceeded', retryable: false });
    expect(await requestsFor(q)).toHaveLength(1);

    const k = uid('ytk');
    await control({ videos: { youtube: { [k]: { views: 1 } } } });
    const bad = await fetchStats(youtubeFetcher(env.YOUTUBE_API_URL!, 'AIza-not-the-key'), [k], policy);
    expect(bad.failed.get(k)).toMatchObject({ kind: 'bad_key', retryable: false });
    expect(bad.failed.get(k)!.message).toContain('API key not valid');
    expect(await requestsFor(k)).toEqual([expect.objectContaining({ status: 400 })]);
  });

  it('a 503 is retried with backoff (bounded): one failure then success; persistent failure gives up after 1 + retries', async () => {
    const once = uid('yt5');
    await control({ videos: { youtube: { [once]: { views: 3, likes: 2 } } }, fail: { youtube: { [once]: { mode: 'server', times: 1 } } } });
    const r = await fetchStats(youtube(), [once], policy);
    expect(r.stats.get(once)).toEqual({ views: 3, likes: 2 });
    expect((await requestsFor(once)).map((e) => e.status)).toEqual([503, 200]);

    const always = uid('yt5a');
    await control({ videos: { youtube: { [always]: { views: 3 } } }, fail: { youtube: { [always]: { mode: 'server' } } } });
    const r2 = await fetchStats(youtube(), [always], policy);
    expect(r2.failed.get(always)).toMatchObject({ kind: 'unavailable', retryable: true });
    expect((await requestsFor(always)).map((e) => e.status)).toEqual([503, 503, 503]);
  });

  it('a request that never answers times out (per attempt) and fails as unavailable', async () => {
    const h = uid('yth');
    await control({ videos: { youtube: { [h]: { views: 3 } } }, fail: { youtube: { [h]: { mode: 'hang', holdMs: 5_000 } } } });
    const r = await fetchStats(youtube(), [h], { timeoutMs: 200, retries: 1, retryBaseMs: 10 });
    expect(r.failed.get(h)).toMatchObject({ kind: 'unavailable' });
    expect(r.failed.get(h)!.message).toContain('timed out');
  });
});

describe('TikTok Display API video query fetcher', () => {
  it('reads view_count / like_count; a video not the account\'s is not found; 20 ids per request', async () => {
    const ids = Array.from({ length: 25 }, () => uid('tt'));
    await control({ videos: { tiktok: Object.fromEntries(ids.slice(0, 24).map((id) => [id, { views: 300, likes: 20 }])) } });
    const r = await fetchStats(tiktok(), ids, policy);
    expect(r.stats.size).toBe(24);
    expect(r.stats.get(ids[0]!)).toEqual({ views: 300, likes: 20 });
    expect(r.notFound).toEqual([ids[24]]);
    expect((await requestsFor(ids[0]!))[0]!.ids).toHaveLength(20);
  });

  it('access_token_invalid (401) is a bad key; rate_limit_exceeded (429) is retried then reported', async () => {
    const k = uid('ttk');
    await control({ videos: { tiktok: { [k]: { views: 1 } } } });
    const bad = await fetchStats(tiktokFetcher(env.TIKTOK_API_URL!, 'act.wrong'), [k], policy);
    expect(bad.failed.get(k)).toMatchObject({ kind: 'bad_key', retryable: false });
    expect(await requestsFor(k)).toEqual([expect.objectContaining({ status: 401 })]);

    const q = uid('ttq');
    await control({ videos: { tiktok: { [q]: { views: 1 } } }, fail: { tiktok: { [q]: { mode: 'quota' } } } });
    const r = await fetchStats(tiktok(), [q], policy);
    expect(r.failed.get(q)).toMatchObject({ kind: 'rate_limited' });
    expect(r.failed.get(q)!.message).toContain('log_id');
    expect((await requestsFor(q)).map((e) => e.status)).toEqual([429, 429, 429]);
  });
});

describe('Douyin open platform video data fetcher', () => {
  it('reads play_count / digg_count; an item not the account\'s is not found', async () => {
    const [a, gone] = [uid('dy'), uid('dygone')];
    await control({ videos: { douyin: { [a]: { views: 500, likes: 80 } } } });
    const r = await fetchStats(douyin(), [a, gone], policy);
    expect(Object.fromEntries(r.stats)).toEqual({ [a]: { views: 500, likes: 80 } });
    expect(r.notFound).toEqual([gone]);
  });

  it('error_code 2190001 (quota) and 2190002 / 2190008 (bad or expired token) come with HTTP 200 and are not retried; 2100004 (busy) is', async () => {
    const q = uid('dyq');
    await control({ videos: { douyin: { [q]: { views: 1 } } }, fail: { douyin: { [q]: { mode: 'quota' } } } });
    expect((await fetchStats(douyin(), [q], policy)).failed.get(q)).toMatchObject({ kind: 'quota_exceeded', retryable: false });
    expect(await requestsFor(q)).toHaveLength(1);

    const k = uid('dyk');
    await control({ videos: { douyin: { [k]: { views: 1 } } } });
    const bad = await fetchStats(douyinFetcher(env.DOUYIN_API_URL!, 'act.wrong', env.DOUYIN_OPEN_ID!), [k], policy);
    expect(bad.failed.get(k)).toMatchObject({ kind: 'bad_key' });
    expect(bad.failed.get(k)!.message).toContain('2190002');

    const e = uid('dye');
    await control({ videos: { douyin: { [e]: { views: 1 } } }, fail: { douyin: { [e]: { mode: 'bad_key' } } } });
    expect((await fetchStats(douyin(), [e], policy)).failed.get(e)!.message).toContain('2190008');

    const busy = uid('dyb');
    await control({ videos: { douyin: { [busy]: { views: 9, likes: 1 } } }, fail: { douyin: { [busy]: { mode: 'server', times: 2 } } } });
    expect((await fetchStats(douyin(), [busy], policy)).stats.get(busy)).toEqual({ views: 9, likes: 1 });
    expect(await requestsFor(busy)).toHaveLength(3);
  });
});
