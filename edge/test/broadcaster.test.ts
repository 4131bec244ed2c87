import { env, runDurableObjectAlarm, runInDurableObject, SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import type { BroadcasterTaskView, BroadcastPayload, CallbackLogRow } from '@vidplat/contracts';
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

const task = (taskId: string, targetUrl: string, extra: Record<string, unknown> = {}) => ({
  taskId,
  targetUrl,
  secretRef: 'main',
  siteName: 'Demo site',
  items: [
    { itemId: 'v1', platform: 'youtube' },
    { itemId: 'v2', platform: 'douyin' },
    { itemId: 'v3', platform: 'bilibili' },
  ],
  platformMapping: { douyin: 'youtube' },
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
    const payload = JSON.parse(posts[0]!.body) as BroadcastPayload;
    expect(payload).toMatchObject({ site_name: 'Demo site', task_id: 'good' });
    // Douyin counts into the youtube bucket; without analytics the numbers are flagged stale.
    expect(Object.keys(payload.totals).sort()).toEqual(['bilibili_likes', 'bilibili_views', 'youtube_likes', 'youtube_views']);
    expect(payload.stats.map((s) => s.platform)).toEqual(['bilibili', 'douyin', 'youtube']);
    expect(payload.stale).toBe(true);
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
