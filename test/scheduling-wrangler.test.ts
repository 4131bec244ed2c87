import { createHmac } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { eventRawRow, SCHEMA_VERSION, uuidv7, type BehaviourEvent } from '@vidplat/contracts';
import { insertAnalyticsRows } from '@vidplat/devstack/demo/analytics';
// @ts-expect-error plain JS helper shared with the edge tests (Node side)
import { startHttpSink } from '../edge/src/scheduling/testing/http-sink.mjs';
// @ts-expect-error plain JS helper shared with the alarm benchmark
import { prepareEdge, REPO_ROOT, startEdge } from '../edge/src/scheduling/testing/wrangler-dev.mjs';

/**
 * Scheduling under `wrangler dev` (its own instance: the stack's edge has no messaging API or
 * webhook secrets configured), with a real local HTTP server playing the messaging API and the
 * webhook receivers and counting deliveries. The crash is real: the Worker process group is
 * SIGKILLed while a batch's request is in flight, then started again on the same state.
 */
type Edge = { url: string; kill: (signal?: string) => Promise<void> };
type Sink = { url: string; close: () => Promise<void> };
interface SinkEntry {
  path: string;
  headers: Record<string, string>;
  body: string;
  status: number;
  accepted?: string[];
}

const PLATFORM_KEY = 'vp_platform_sched-wd-key-0123456789';
const PROJECT = '0b6f4a52-9c1e-4d3b-8a7f-2e5d6c7b8a90';
const SECRET = 'wrangler-test-webhook-secret-0123';
const RUN = join(REPO_ROOT, '.run', 'test', `scheduling-wd-${process.pid}`);
const stack = inject('stack').env;
let sink: Sink;
let prepared: { persist: string; envFile: string };
let edge: Edge;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sinkLog = async (ns: string) => (await (await fetch(`${sink.url}/_log/${ns}`)).json()) as SinkEntry[];
async function until<T>(what: () => Promise<T>, ok: (v: T) => boolean, ms: number): Promise<T> {
  const end = Date.now() + ms;
  let v = await what();
  while (!ok(v) && Date.now() < end) {
    await sleep(200);
    v = await what();
  }
  return v;
}
async function call(key: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await fetch(`${edge.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}
async function tenant(id: string): Promise<string> {
  const r = await call(PLATFORM_KEY, 'POST', '/v1/platform/tenants', { tenantId: id, name: id, permissions: ['act_as_user'] });
  expect(r.status).toBe(201);
  return r.body.apiKey as string;
}

beforeAll(async () => {
  rmSync(RUN, { recursive: true, force: true });
  sink = await startHttpSink();
  prepared = await prepareEdge(RUN, {
    INGEST_URL: 'http://127.0.0.1:9',
    INGEST_TOKEN: 'wd-ingest-token-0123456789',
    UPSTASH_REDIS_REST_URL: 'http://127.0.0.1:9',
    UPSTASH_REDIS_REST_TOKEN: 'x',
    ADMIN_API_KEY: PLATFORM_KEY,
    PLAYBACK_SIGNING_KEYS: JSON.stringify({ k: 'wd-signing-key-0123456789abcdef' }),
    MESSAGING_API_URL: `${sink.url}/msg/wd`,
    MESSAGING_API_TOKEN: 'wd-messaging-token',
    BROADCAST_WEBHOOK_SECRETS: JSON.stringify({ main: SECRET }),
    // The dev stack's ClickHouse (started by the integration global setup): broadcaster stats.
    CLICKHOUSE_URL: stack.CLICKHOUSE_URL!,
    CLICKHOUSE_DATABASE: stack.CLICKHOUSE_DATABASE!,
    // The stack's YouTube / TikTok / Douyin API stand-in (tools/devstack/src/platform-apis.ts).
    ...Object.fromEntries(
      ['YOUTUBE_API_URL', 'YOUTUBE_API_KEY', 'TIKTOK_API_URL', 'TIKTOK_ACCESS_TOKEN', 'DOUYIN_API_URL', 'DOUYIN_ACCESS_TOKEN', 'DOUYIN_OPEN_ID'].map((k) => [k, stack[k]!]),
    ),
  });
  edge = await startEdge(prepared);
});

afterAll(async () => {
  await edge?.kill();
  await sink?.close();
  rmSync(RUN, { recursive: true, force: true });
});

describe('scheduling under wrangler dev', () => {
  it('campaign: every recipient gets the message exactly once across a crash of the Worker mid-batch', async () => {
    const key = await tenant('wd-campaign');
    const users = Array.from({ length: 1200 }, (_, i) => `wd-u${String(i).padStart(4, '0')}`);
    // Campaigns address users through their linked LINE ids.
    const lineOf = (i: number) => `U${i.toString(16).padStart(32, '0')}`;
    for (const part of [users.slice(0, 600), users.slice(600)]) {
      const linked = await call(key, 'PUT', '/v1/admin/line-links', { links: part.map((u) => ({ userId: u, lineUserId: lineOf(Number(u.slice(4))) })) });
      expect(linked.status).toBe(200);
    }
    // The receiver accepts batch 0 but holds its answer: the crash lands in that window.
    await fetch(`${sink.url}/_control/wd`, { method: 'POST', body: JSON.stringify({ holdMs: 5_000 }) });
    const created = await call(key, 'POST', '/v1/admin/campaigns', {
      name: 'Crash test',
      message: { title: 'Hello', body: 'Exactly once' },
      audience: { userIds: users },
      sendAt: new Date(Date.now() + 2_000).toISOString(),
      ratePerSecond: 10_000,
    });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    const first = await until(() => sinkLog('wd'), (l) => l.some((e) => (e.accepted ?? []).length > 0), 30_000);
    expect(first.filter((e) => e.accepted).length).toBe(1);
    await edge.kill('SIGKILL');
    await fetch(`${sink.url}/_control/wd`, { method: 'POST', body: JSON.stringify({ holdMs: 0 }) });

    edge = await startEdge(prepared);
    const done = await until(
      async () => (await call(key, 'GET', `/v1/admin/campaigns/${id}`)).body,
      (c) => c.status === 'completed' || c.status === 'failed',
      60_000,
    );
    expect(done).toMatchObject({ status: 'completed', sentCount: 1200, recipients: 1200, stats: { sent: 1200, failed: 0, skipped: 0 } });
    const log = (await sinkLog('wd')).filter((e) => e.path === '/v2/bot/message/multicast');
    const delivered = log.flatMap((e) => e.accepted ?? []);
    expect(delivered).toHaveLength(1200);
    expect(new Set(delivered).size).toBe(1200);
    // Batch 0 went out again after the restart with the same key and was refused as a duplicate.
    const batch0Key = log.find((e) => e.accepted)!.headers['x-line-retry-key'];
    // (The first one's answer was still held when the Worker died, hence no status recorded.)
    expect(log.filter((e) => e.headers['x-line-retry-key'] === batch0Key).map((e) => (e.accepted ? 'accepted' : e.status))).toEqual(['accepted', 409]);
  });

  it('broadcaster: posts verify with the shared secret at the receiver; a failing target does not hold up the good one', async () => {
    const key = await tenant('wd-broadcast');
    for (const [taskId, path] of [
      ['good', 'ok/good'],
      ['bad', 'fail/bad'],
    ]) {
      const r = await call(key, 'POST', '/v1/admin/broadcaster/tasks', {
        taskId,
        targetUrl: `${sink.url}/hook/wd-bc/${path}`,
        secretRef: 'main',
        siteName: 'WD',
        projectId: PROJECT,
        receiverTaskId: taskId === 'good' ? 1 : 2,
        duration: 30,
        items: [{ itemId: 'v1', platform: 'douyin' }],
      });
      expect(r.status).toBe(201);
    }
    // Active tasks are due at once: the alarm posts both.
    const log = await until(() => sinkLog('wd-bc'), (l) => l.some((e) => e.path === '/ok/good') && l.some((e) => e.path === '/fail/bad'), 30_000);
    const good = log.find((e) => e.path === '/ok/good')!;
    const expected = createHmac('sha256', SECRET).update(`${good.headers['x-timestamp']}.${good.body}`).digest('hex');
    expect(good.headers['x-signature']).toBe(`sha256=${expected}`);
    // No events for v1: no count fields, only the receiver's fixed ones.
    expect(JSON.parse(good.body)).toEqual({ site_name: 'WD', stats: [{ project_id: PROJECT, task_id: 1, duration: 30, account_count: 0, yt_account_count: 0 }] });
    const status = await until(
      async () => (await call(key, 'GET', '/v1/admin/broadcaster/status')).body,
      (s) => s.tasks.every((t: { lastRunAt: string | null }) => t.lastRunAt),
      10_000,
    );
    const byId = Object.fromEntries(status.tasks.map((t: { taskId: string }) => [t.taskId, t]));
    expect(byId.good).toMatchObject({ lastStatus: 200, consecutiveFailures: 0 });
    expect(byId.bad).toMatchObject({ lastStatus: 500, consecutiveFailures: 1 });
  });

  it('broadcaster: the numbers posted are the ClickHouse counts (Douyin folded into yt_*) or the live platform statistics, in the receiver\'s format', async () => {
    const key = await tenant('wd-stats');
    const ev = (type: 'play_start' | 'like', itemId: string): BehaviourEvent =>
      ({ eventId: uuidv7(), tenantId: 'wd-stats', eventTime: new Date().toISOString(), schemaVersion: SCHEMA_VERSION, userId: `u-${Math.random()}`, itemId, type }) as BehaviourEvent;
    const events = [ev('play_start', 'dy-1'), ev('play_start', 'dy-1'), ev('play_start', 'dy-1'), ev('like', 'dy-1'), ev('like', 'dy-1'), ev('play_start', 'yt-1'), ev('play_start', 'bl-1')];
    await insertAnalyticsRows(stack as Record<string, string>, events.map((e, i) => eventRawRow(e, 0, String(i), new Date())));
    const r = await call(key, 'POST', '/v1/admin/broadcaster/tasks', {
      taskId: 'stats',
      targetUrl: `${sink.url}/hook/wd-stats/ok/stats`,
      secretRef: 'main',
      siteName: 'Stats',
      projectId: PROJECT,
      receiverTaskId: 42,
      duration: 30,
      active: false,
      items: [
        { itemId: 'dy-1', platform: 'douyin' },
        { itemId: 'yt-1', platform: 'youtube' },
        { itemId: 'bl-1', platform: 'bilibili' },
      ],
    });
    expect(r.status).toBe(201);
    const trig = await call(key, 'POST', '/v1/admin/broadcaster/trigger?taskId=stats');
    expect(trig.body).toEqual([expect.objectContaining({ ok: true, status: 200 })]);
    const post = (await sinkLog('wd-stats')).find((e) => e.path === '/ok/stats')!;
    const payload = JSON.parse(post.body);
    // dy-1 (3 plays, 2 likes) + yt-1 (1 play) into yt_*; bilibili has its own bucket.
    expect(payload).toEqual({
      site_name: 'Stats',
      stats: [{ project_id: PROJECT, task_id: 42, duration: 30, account_count: 0, yt_account_count: 0, yt_view_count: 4, yt_like_count: 2, bilibili_like_count: 0, bilibili_view_count: 1 }],
    });
    expect(post.headers['x-stats-stale']).toBe('false');

    // The same receiver fed from live statistics: the stack's platform API stand-in answers.
    const apis = stack.PLATFORM_APIS_URL!;
    await fetch(`${apis}/_control`, {
      method: 'POST',
      body: JSON.stringify({ videos: { youtube: { 'wd-yt-live': { views: 12000, likes: 600 } }, douyin: { 'wd-dy-live': { views: 500, likes: 80 } } } }),
    });
    const live = await call(key, 'POST', '/v1/admin/broadcaster/tasks', {
      taskId: 'live',
      targetUrl: `${sink.url}/hook/wd-stats/ok/live`,
      secretRef: 'main',
      siteName: 'Stats',
      projectId: PROJECT,
      receiverTaskId: 43,
      duration: 30,
      active: false,
      statsSource: 'live',
      items: [
        { itemId: 'c1-yt', platform: 'youtube', externalId: 'wd-yt-live' },
        { itemId: 'c1-dy', platform: 'douyin', externalId: 'wd-dy-live' },
      ],
    });
    expect(live.status).toBe(201);
    expect((await call(key, 'POST', '/v1/admin/broadcaster/trigger?taskId=live')).body).toEqual([expect.objectContaining({ ok: true, stale: false })]);
    const livePost = (await sinkLog('wd-stats')).find((e) => e.path === '/ok/live')!;
    expect(JSON.parse(livePost.body)).toEqual({
      site_name: 'Stats',
      stats: [{ project_id: PROJECT, task_id: 43, duration: 30, account_count: 0, yt_account_count: 0, yt_view_count: 12500, yt_like_count: 680 }],
    });
  });
});
