import { env, runDurableObjectAlarm, runInDurableObject, SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { BroadcastPayload, type BroadcasterTaskView, type CallbackLogRow } from '@vidplat/contracts';
import { verifySignature } from '../src/scheduling/broadcaster/signature.js';
import { json } from './helpers.js';
import { tenantWithKeys } from './scheduling-support.js';

const BASE = 'https://edge.test/v1/admin/broadcaster';
const SINK = (env as unknown as { TEST_SINK_URL: string }).TEST_SINK_URL;
const SECRET = (JSON.parse(env.BROADCAST_WEBHOOK_SECRETS!) as Record<string, string>).main!;
const broadcaster = (tenantId: string) => env.BROADCASTER.get(env.BROADCASTER.idFromName(tenantId));

interface SinkEntry {
  path: string;
  headers: Record<string, string>;
  body: string;
  status: number;
  at: number;
}
const sinkLog = async (ns: string) => (await (await fetch(`${SINK}/_log/${ns}`)).json()) as SinkEntry[];

/** Bounded wait for something the object does on its own alarm (not a timing assertion). */
async function waitFor<T>(what: () => Promise<T>, until: (v: T) => boolean): Promise<T> {
  let v = await what();
  for (let i = 0; i < 100 && !until(v); i++) {
    await new Promise((r) => setTimeout(r, 50));
    v = await what();
  }
  return v;
}

const PROJECT = '6f1c2b9e-3d4a-4b8c-9e2f-1a2b3c4d5e6f';
const task = (taskId: string, targetUrl: string, extra: Record<string, unknown> = {}) => ({
  taskId,
  targetUrl,
  secretRef: 'main',
  siteName: 'Demo site',
  projectId: PROJECT,
  receiverTaskId: 42,
  duration: 30,
  items: [
    { itemId: 'v1', platform: 'youtube' },
    { itemId: 'v2', platform: 'douyin' },
    { itemId: 'v3', platform: 'bilibili' },
  ],
  ...extra,
});

describe('stats broadcaster', () => {
  it('signs every post (HMAC-SHA256 over timestamp.body) and logs each target\'s outcome', async () => {
    const t = await tenantWithKeys('bc-sign');
    const ns = t.tenantId;
    for (const [id, url] of [
      ['good', `${SINK}/hook/${ns}/ok/good`],
      ['broken', `${SINK}/hook/${ns}/fail/broken`],
      ['down', 'http://127.0.0.1:9/nothing-listens'],
    ] as const) {
      // Inactive: no alarm of its own races the manual triggers below.
      const res = await SELF.fetch(`${BASE}/tasks`, json('POST', t.superKey, task(id, url, { active: false })));
      expect(res.status).toBe(201);
    }
    const rows: CallbackLogRow[] = [];
    for (const id of ['broken', 'down', 'good']) {
      const trig = await SELF.fetch(`${BASE}/trigger?taskId=${id}`, json('POST', t.senior));
      expect(trig.status).toBe(200);
      rows.push(...((await trig.json()) as CallbackLogRow[]));
    }
    expect(rows.map((r) => [r.taskId, r.ok, r.status])).toEqual([
      ['broken', false, 500],
      ['down', false, null],
      ['good', true, 200],
    ]);
    expect(rows.find((r) => r.taskId === 'down')!.error).toBeTruthy();

    const posts = (await sinkLog(ns)).filter((e) => e.path === '/ok/good');
    expect(posts).toHaveLength(1);
    for (const p of posts) {
      expect(await verifySignature(SECRET, p.headers['x-timestamp']!, p.body, p.headers['x-signature']!, Math.floor(Date.now() / 1000))).toBe(true);
      // Any change to the body or a wrong secret breaks it.
      expect(await verifySignature(SECRET, p.headers['x-timestamp']!, p.body.replace('Demo', 'Evil'), p.headers['x-signature']!, Math.floor(Date.now() / 1000))).toBe(false);
      expect(await verifySignature('another-secret-0123456789', p.headers['x-timestamp']!, p.body, p.headers['x-signature']!, Math.floor(Date.now() / 1000))).toBe(false);
    }
    // Platform counts without analytics (no ClickHouse in these tests): no data, so no count
    // fields at all — only the receiver's fixed fields — and the post is flagged stale.
    expect(JSON.parse(posts[0]!.body)).toEqual({
      site_name: 'Demo site',
      stats: [{ project_id: PROJECT, task_id: 42, duration: 30, account_count: 0, yt_account_count: 0 }],
    });
    expect(BroadcastPayload.safeParse(JSON.parse(posts[0]!.body)).success).toBe(true);
    expect(posts[0]!.headers['x-stats-stale']).toBe('true');
    expect(rows.find((r) => r.taskId === 'good')!.stale).toBe(true);
  });

  it('posts on the alarm with failing and unreachable targets isolated, retries with backoff, then waits for the regular tick', async () => {
    const t = await tenantWithKeys('bc-alarm');
    const ns = t.tenantId;
    await SELF.fetch(`${BASE}/tasks`, json('POST', t.superKey, task('ok', `${SINK}/hook/${ns}/ok/x`, { intervalSeconds: 180 })));
    await SELF.fetch(`${BASE}/tasks`, json('POST', t.superKey, task('bad', `${SINK}/hook/${ns}/fail/y`, { intervalSeconds: 180, maxRetries: 1 })));
    await SELF.fetch(`${BASE}/tasks`, json('POST', t.superKey, task('down', 'http://127.0.0.1:9/x', { intervalSeconds: 180 })));
    const stub = broadcaster(t.tenantId);
    // Both are due now: the alarm armed for "now" is fired by workerd itself.
    const status = async () => ((await (await SELF.fetch(`${BASE}/status`, json('GET', t.senior))).json()) as { tasks: BroadcasterTaskView[]; nextAlarmAt: string });
    const s1 = await waitFor(status, (s) => s.tasks.every((x) => x.lastRunAt !== null));
    const ok1 = s1.tasks.find((x) => x.taskId === 'ok')!;
    const bad1 = s1.tasks.find((x) => x.taskId === 'bad')!;
    expect(ok1).toMatchObject({ lastStatus: 200, consecutiveFailures: 0 });
    expect(Date.parse(ok1.nextRunAt!) - Date.parse(ok1.lastRunAt!)).toBeGreaterThan(170_000);
    expect(bad1).toMatchObject({ lastStatus: 500, consecutiveFailures: 1, lastError: 'target answered 500' });
    // The retry comes well before the regular tick, and the alarm points at it.
    expect(Date.parse(bad1.nextRunAt!) - Date.parse(bad1.lastRunAt!)).toBeLessThan(60_000);
    expect(s1.tasks.find((x) => x.taskId === 'down')).toMatchObject({ lastStatus: null, consecutiveFailures: 1 });
    expect(Date.parse(s1.nextAlarmAt)).toBeLessThanOrEqual(Date.parse(bad1.nextRunAt!));

    // Let the retry come due (move the clock) and fire: maxRetries 1 exhausted → regular tick.
    await runInDurableObject(stub, (_i, st) => {
      st.storage.sql.exec("UPDATE tasks SET next_run_at = next_run_at - 60000 WHERE task_id = 'bad'");
    });
    await runDurableObjectAlarm(stub);
    const s2 = await status();
    const bad2 = s2.tasks.find((x) => x.taskId === 'bad')!;
    expect(bad2.consecutiveFailures).toBe(2);
    expect(Date.parse(bad2.nextRunAt!) - Date.parse(bad2.lastRunAt!)).toBeGreaterThan(60_000);
    const log = (await (await SELF.fetch(`${BASE}/log?taskId=bad`, json('GET', t.senior))).json()) as CallbackLogRow[];
    expect(log.map((r) => [r.attempt, r.trigger, r.ok])).toEqual([
      [2, 'alarm', false],
      [1, 'alarm', false],
    ]);
    // The good target was not held up: exactly its one regular post reached the receiver.
    expect((await sinkLog(ns)).filter((e) => e.path === '/ok/x')).toHaveLength(1);
  });

  it('stop clears the alarm, start re-arms it; tasks need super and a configured secret', async () => {
    const t = await tenantWithKeys('bc-stop');
    expect((await SELF.fetch(`${BASE}/tasks`, json('POST', t.senior, task('a', `${SINK}/hook/${t.tenantId}/ok/a`)))).status).toBe(403);
    const noSecret = await SELF.fetch(`${BASE}/tasks`, json('POST', t.superKey, { ...task('a', `${SINK}/hook/x/ok/a`), secretRef: 'nope' }));
    expect(noSecret.status).toBe(400);
    expect(((await noSecret.json()) as { error: { field: string } }).error.field).toBe('secretRef');
    const badUrl = await SELF.fetch(`${BASE}/tasks`, json('POST', t.superKey, { ...task('a', 'not a url') }));
    expect(((await badUrl.json()) as { error: { field: string } }).error.field).toBe('targetUrl');

    await SELF.fetch(`${BASE}/tasks`, json('POST', t.superKey, task('a', `${SINK}/hook/${t.tenantId}/ok/a`, { active: false })));
    const stub = broadcaster(t.tenantId);
    expect(await stub.nextAlarm()).toBeNull();
    const started = (await (await SELF.fetch(`${BASE}/start`, json('POST', t.senior))).json()) as { tasks: BroadcasterTaskView[] };
    expect(started.tasks[0]).toMatchObject({ active: true });
    // Started tasks are due at once (workerd fires that alarm), then the alarm holds the next tick.
    const armed = await waitFor(
      async () => ({ alarm: await stub.nextAlarm(), log: (await (await SELF.fetch(`${BASE}/log`, json('GET', t.senior))).json()) as CallbackLogRow[] }),
      (x) => x.alarm !== null && x.log.length > 0,
    );
    expect(armed.log[0]).toMatchObject({ taskId: 'a', ok: true, trigger: 'alarm' });
    expect(armed.alarm! - Date.parse(armed.log[0]!.at)).toBeGreaterThan(170_000);
    const stop = await SELF.fetch(`${BASE}/stop`, json('POST', t.senior));
    expect(((await stop.json()) as { tasks: BroadcasterTaskView[] }).tasks[0]).toMatchObject({ active: false, nextRunAt: null });
    expect(await stub.nextAlarm()).toBeNull();
  });
});

const API = env.TEST_PLATFORM_APIS_URL;
async function platformApis(body: unknown) {
  const r = await fetch(`${API}/_control`, { method: 'POST', body: JSON.stringify(body) });
  expect(r.status).toBe(200);
}
let vid = 0;
const v = (p: string) => `${p}${Date.now().toString(36)}v${vid++}`;
const statusOf = async (key: string) => (await (await SELF.fetch(`${BASE}/status`, json('GET', key))).json()) as { running: boolean; nextAlarmAt: string | null; tasks: BroadcasterTaskView[] };
const postsTo = async (ns: string, path: string) => (await sinkLog(ns)).filter((e) => e.path === path);

describe('broadcaster payload in the receiver\'s format, from live platform statistics', () => {
  it('posts exactly {site_name, stats:[{project_id, task_id, duration, account_count, yt_account_count, yt_*}]}, Douyin and YouTube into yt_*', async () => {
    const t = await tenantWithKeys('bc-recv');
    const [yt, dy, tt, ytNoLikes, gone] = [v('yt'), v('dy'), v('tt'), v('ytn'), v('ytg')];
    await platformApis({
      videos: {
        youtube: { [yt]: { views: 12000, likes: 600 }, [ytNoLikes]: { views: 100 } },
        douyin: { [dy]: { views: 400, likes: 80 } },
        tiktok: { [tt]: { views: 300, likes: 20 } },
      },
    });
    const items = [
      { itemId: 'course-1-yt', platform: 'youtube', externalId: yt },
      { itemId: 'course-1-yt-nolikes', platform: 'youtube', externalId: ytNoLikes },
      { itemId: 'course-1-gone', platform: 'youtube', externalId: gone },
      { itemId: 'course-1-dy', platform: 'douyin', externalId: dy },
      { itemId: 'course-1-tt', platform: 'tiktok', externalId: tt },
    ];
    const created = await SELF.fetch(
      `${BASE}/tasks`,
      json('POST', t.superKey, task('live', `${SINK}/hook/${t.tenantId}/ok/live`, { active: false, statsSource: 'live', items })),
    );
    expect(created.status).toBe(201);
    expect(await created.json()).toMatchObject({ projectId: PROJECT, receiverTaskId: 42, duration: 30, statsSource: 'live' });
    // The same items with TikTok mapped into yt_* too.
    await SELF.fetch(
      `${BASE}/tasks`,
      json('POST', t.superKey, task('live-tt', `${SINK}/hook/${t.tenantId}/ok/live-tt`, { active: false, statsSource: 'live', items, receiverTaskId: 43, duration: 7, platformMapping: { tiktok: 'yt' } })),
    );
    for (const id of ['live', 'live-tt']) expect((await SELF.fetch(`${BASE}/trigger?taskId=${id}`, json('POST', t.senior))).status).toBe(200);

    const [post] = await postsTo(t.tenantId, '/ok/live');
    const body = JSON.parse(post!.body) as Record<string, unknown>;
    // Field by field: YouTube 12000 + 100 views, 600 likes (the hidden likeCount adds nothing), Douyin
    // 400 / 80 counted into yt_*; TikTok unmapped has its own bucket; the unknown video adds nothing.
    expect(body).toEqual({
      site_name: 'Demo site',
      stats: [
        { project_id: PROJECT, task_id: 42, duration: 30, account_count: 0, yt_account_count: 0, yt_view_count: 12500, yt_like_count: 680, tiktok_like_count: 20, tiktok_view_count: 300 },
      ],
    });
    expect(Object.keys(body)).toEqual(['site_name', 'stats']);
    expect(Object.keys((body.stats as object[])[0]!)).toEqual(['project_id', 'task_id', 'duration', 'account_count', 'yt_account_count', 'yt_view_count', 'yt_like_count', 'tiktok_like_count', 'tiktok_view_count']);
    expect(BroadcastPayload.safeParse(body).success).toBe(true);
    expect(post!.headers['x-stats-stale']).toBe('false');

    const [tt2] = await postsTo(t.tenantId, '/ok/live-tt');
    expect(JSON.parse(tt2!.body)).toEqual({
      site_name: 'Demo site',
      stats: [{ project_id: PROJECT, task_id: 43, duration: 7, account_count: 0, yt_account_count: 0, yt_view_count: 12800, yt_like_count: 700 }],
    });
    const s = await statusOf(t.senior);
    expect(s.tasks.find((x) => x.taskId === 'live')).toMatchObject({ stale: false, statsErrors: [`youtube: not found: ${gone}`] });
  });

  it('only the fields that have data: a bucket whose items report nothing is absent, likes hidden → no like count', async () => {
    const t = await tenantWithKeys('bc-absent');
    const [yt, dyGone] = [v('yt'), v('dyg')];
    await platformApis({ videos: { youtube: { [yt]: { views: 55 } } } });
    await SELF.fetch(
      `${BASE}/tasks`,
      json('POST', t.superKey, task('a', `${SINK}/hook/${t.tenantId}/ok/a`, {
        active: false,
        statsSource: 'live',
        items: [
          { itemId: 'i1', platform: 'youtube', externalId: yt },
          { itemId: 'i2', platform: 'douyin', externalId: dyGone },
          { itemId: 'i3', platform: 'tiktok', externalId: v('ttg') },
        ],
      })),
    );
    await SELF.fetch(`${BASE}/trigger?taskId=a`, json('POST', t.senior));
    const stat = (JSON.parse((await postsTo(t.tenantId, '/ok/a'))[0]!.body) as { stats: Record<string, unknown>[] }).stats[0]!;
    expect(stat).toEqual({ project_id: PROJECT, task_id: 42, duration: 30, account_count: 0, yt_account_count: 0, yt_view_count: 55 });
    expect('yt_like_count' in stat).toBe(false);
    expect(Object.keys(stat).some((k) => k.startsWith('tiktok'))).toBe(false);
  });

  it('a failing YouTube fetch re-sends that task\'s last good numbers marked stale; the other tasks post fresh numbers and are not held up', async () => {
    const t = await tenantWithKeys('bc-stale');
    const [ytA, dyA, ttB, ytC] = [v('yta'), v('dya'), v('ttb'), v('ytc')];
    await platformApis({
      videos: { youtube: { [ytA]: { views: 1000, likes: 10 }, [ytC]: { views: 5, likes: 5 } }, douyin: { [dyA]: { views: 200, likes: 2 } }, tiktok: { [ttB]: { views: 30, likes: 3 } } },
    });
    const mk = (id: string, items: unknown[], receiverTaskId: number) =>
      SELF.fetch(`${BASE}/tasks`, json('POST', t.superKey, task(id, `${SINK}/hook/${t.tenantId}/ok/${id}`, { active: false, statsSource: 'live', items, receiverTaskId })));
    await mk('a', [{ itemId: 'a-yt', platform: 'youtube', externalId: ytA }, { itemId: 'a-dy', platform: 'douyin', externalId: dyA }], 1);
    await mk('b', [{ itemId: 'b-tt', platform: 'tiktok', externalId: ttB }], 2);
    await mk('c', [{ itemId: 'c-yt', platform: 'youtube', externalId: ytC }], 3);
    // Run 1: everything answers; these become the last good numbers.
    expect((await SELF.fetch(`${BASE}/start`, json('POST', t.senior))).status).toBe(200);
    await stubDo(t.tenantId, "UPDATE tasks SET next_run_at = 0");
    const first = await waitFor(() => statusOf(t.senior), (s) => s.tasks.every((x) => x.lastRunAt !== null));
    expect(first.tasks.map((x) => [x.taskId, x.stale])).toEqual([['a', false], ['b', false], ['c', false]]);

    // Run 2: YouTube answers quotaExceeded for A's video and never answers for C's; numbers moved meanwhile.
    await platformApis({
      videos: { youtube: { [ytA]: { views: 2000, likes: 20 } }, douyin: { [dyA]: { views: 300, likes: 3 } }, tiktok: { [ttB]: { views: 40, likes: 4 } } },
      fail: { youtube: { [ytA]: { mode: 'quota' }, [ytC]: { mode: 'hang', holdMs: 20_000 } } },
    });
    const before = (await sinkLog(t.tenantId)).length;
    const trig = (await (await SELF.fetch(`${BASE}/trigger`, json('POST', t.senior))).json()) as CallbackLogRow[];
    expect(trig.map((r) => [r.taskId, r.ok, r.stale])).toEqual([['a', true, true], ['b', true, false], ['c', true, true]]);
    const run2 = (await sinkLog(t.tenantId)).slice(before);
    const byPath = Object.fromEntries(run2.map((e) => [e.path, e]));
    // A: YouTube's last good 1000/10 (stale) + Douyin's fresh 300/3, all in yt_*.
    expect(JSON.parse(byPath['/ok/a']!.body).stats[0]).toMatchObject({ task_id: 1, yt_view_count: 1300, yt_like_count: 13 });
    expect(byPath['/ok/a']!.headers['x-stats-stale']).toBe('true');
    // B: fresh, not stale, and posted before C's hanging fetch gave up.
    expect(JSON.parse(byPath['/ok/b']!.body).stats[0]).toMatchObject({ task_id: 2, tiktok_view_count: 40, tiktok_like_count: 4 });
    expect(byPath['/ok/b']!.headers['x-stats-stale']).toBe('false');
    expect(byPath['/ok/b']!.at).toBeLessThan(byPath['/ok/c']!.at);
    // C: timed out → its last good numbers, stale.
    expect(JSON.parse(byPath['/ok/c']!.body).stats[0]).toMatchObject({ task_id: 3, yt_view_count: 5, yt_like_count: 5 });
    const s = await statusOf(t.senior);
    const a = s.tasks.find((x) => x.taskId === 'a')!;
    expect(a.stale).toBe(true);
    expect(a.statsErrors.join(' ')).toContain('youtube: quota_exceeded');
    expect(s.tasks.find((x) => x.taskId === 'b')).toMatchObject({ stale: false, statsErrors: [] });
    expect(s.tasks.find((x) => x.taskId === 'c')!.statsErrors.join(' ')).toContain('timed out');
    await platformApis({ fail: { youtube: { [ytA]: null, [ytC]: null } } });
    // C waits out real fetch timeouts (1.5 s per attempt, 3 attempts) by design.
  }, 30_000);
});

async function stubDo(tenantId: string, sql: string) {
  await runInDurableObject(broadcaster(tenantId), (_i, st) => {
    st.storage.sql.exec(sql);
  });
}

describe('broadcaster control', () => {
  it('a task created while the broadcaster is stopped posts nothing until started; start/stop/trigger with a taskId act on that task only', async () => {
    const t = await tenantWithKeys('bc-ctl');
    const stub = broadcaster(t.tenantId);
    const url = (id: string) => `${SINK}/hook/${t.tenantId}/ok/${id}`;
    await SELF.fetch(`${BASE}/tasks`, json('POST', t.superKey, task('a', url('a'), { active: false })));
    await SELF.fetch(`${BASE}/tasks`, json('POST', t.superKey, task('b', url('b'), { active: false })));
    const stopped = await SELF.fetch(`${BASE}/stop`, json('POST', t.senior));
    expect(((await stopped.json()) as { tasks: BroadcasterTaskView[] }).tasks.every((x) => !x.active)).toBe(true);
    expect((await statusOf(t.senior)).running).toBe(false);

    // Created active while stopped: stored, not scheduled, no alarm.
    const c = await SELF.fetch(`${BASE}/tasks`, json('POST', t.superKey, task('c', url('c'))));
    expect(c.status).toBe(201);
    expect(await c.json()).toMatchObject({ taskId: 'c', active: true, nextRunAt: null });
    expect(await stub.nextAlarm()).toBeNull();

    // Start one task: only it is scheduled.
    const startA = (await (await SELF.fetch(`${BASE}/start?taskId=a`, json('POST', t.senior))).json()) as { tasks: BroadcasterTaskView[] };
    const byId = (xs: BroadcasterTaskView[]) => Object.fromEntries(xs.map((x) => [x.taskId, x]));
    expect(byId(startA.tasks).a).toMatchObject({ active: true });
    expect(byId(startA.tasks).b).toMatchObject({ active: false, nextRunAt: null });
    expect(byId(startA.tasks).c).toMatchObject({ nextRunAt: null });
    await waitFor(() => postsTo(t.tenantId, '/ok/a'), (p) => p.length > 0);
    // Stop one task: only it stops (its alarm with it; nothing else is due).
    await SELF.fetch(`${BASE}/stop?taskId=a`, json('POST', t.senior));
    expect(byId((await statusOf(t.senior)).tasks).a).toMatchObject({ active: false, nextRunAt: null });
    expect(await stub.nextAlarm()).toBeNull();
    // Trigger one task: only its receiver gets a post.
    const trig = (await (await SELF.fetch(`${BASE}/trigger?taskId=b`, json('POST', t.senior))).json()) as CallbackLogRow[];
    expect(trig.map((r) => r.taskId)).toEqual(['b']);
    const paths = (await sinkLog(t.tenantId)).map((e) => e.path);
    expect(paths.filter((p) => p === '/ok/b')).toHaveLength(1);
    expect(paths.filter((p) => p === '/ok/c')).toHaveLength(0);
    expect(paths.filter((p) => p === '/ok/a')).toHaveLength(1);

    // Start all: the broadcaster runs and every task, c included, is due.
    const all = (await (await SELF.fetch(`${BASE}/start`, json('POST', t.senior))).json()) as { tasks: BroadcasterTaskView[] };
    expect(all.tasks.every((x) => x.active && x.nextRunAt !== null)).toBe(true);
    expect((await statusOf(t.senior)).running).toBe(true);
    await waitFor(() => postsTo(t.tenantId, '/ok/c'), (p) => p.length > 0);
  });
});

describe('broadcaster alarm never throws uncaught (issue 15)', () => {
  it('a task whose delivery throws is recorded and retried with backoff, not re-fired at once forever', async () => {
    const t = await tenantWithKeys('bc-throw');
    const ns = t.tenantId;
    for (const id of ['fine', 'corrupt']) {
      const res = await SELF.fetch(`${BASE}/tasks`, json('POST', t.superKey, task(id, `${SINK}/hook/${ns}/ok/${id}`, { active: false })));
      expect(res.status).toBe(201);
    }
    const stub = broadcaster(t.tenantId);
    const now = Date.now();
    // Both due; one with a stored mapping its delivery cannot parse (it throws inside the alarm).
    await runInDurableObject(stub, (_i, st) => {
      st.storage.sql.exec('UPDATE tasks SET active = 1, next_run_at = ?', now - 1000);
      st.storage.sql.exec("UPDATE tasks SET mapping = '{broken' WHERE task_id = 'corrupt'");
    });
    await runInDurableObject(stub, async (instance) => (instance as unknown as { alarm(): Promise<void> }).alarm()); // resolves
    const rows = await runInDurableObject(stub, (_i, st) =>
      st.storage.sql.exec<{ task_id: string; next_run_at: number; last_error: string | null; consecutive_failures: number }>('SELECT task_id, next_run_at, last_error, consecutive_failures FROM tasks ORDER BY task_id').toArray(),
    );
    const corrupt = rows.find((r) => r.task_id === 'corrupt')!;
    const fine = rows.find((r) => r.task_id === 'fine')!;
    expect(fine).toMatchObject({ last_error: null, consecutive_failures: 0 });
    expect(corrupt.consecutive_failures).toBe(1);
    expect(corrupt.last_error).toBeTruthy();
    expect(corrupt.next_run_at).toBeGreaterThan(Date.now() + 5_000);
    const alarm = await runInDurableObject(stub, (_i, st) => st.storage.getAlarm());
    expect(alarm).toBeGreaterThan(Date.now() + 5_000);
    expect((await sinkLog(ns)).filter((e) => e.path === '/ok/fine')).toHaveLength(1);
  });
});
