import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NotificationView } from '@vidplat/contracts';
// @ts-expect-error plain JS helper shared with the edge tests (Node side)
import { startHttpSink } from '../edge/src/scheduling/testing/http-sink.mjs';
// @ts-expect-error plain JS helper shared with the alarm benchmark
import { prepareEdge, REPO_ROOT, startEdge } from '../edge/src/scheduling/testing/wrangler-dev.mjs';

/**
 * The notifier under `wrangler dev` with a real local HTTP receiver that honours the
 * Idempotency-Key header. The crash is real: the Worker's process group is SIGKILLed while the
 * receiver holds its answer to the reminder, then started again on the same persisted state.
 * The reminder must take effect at the receiver exactly once. Needs nothing of the platform
 * stack (ingest is deliberately unreachable: schedule events wait in the Scheduler's outbox).
 */
type Edge = { url: string; kill: (signal?: string) => Promise<void> };
type Sink = { url: string; close: () => Promise<void> };
interface SinkEntry {
  path: string;
  headers: Record<string, string>;
  status: number;
  accepted?: string[];
}

const PLATFORM_KEY = 'vp_platform_notify-wd-key-0123456789';
const RUN = join(REPO_ROOT, '.run', 'test', `notifier-wd-${process.pid}`);
let sink: Sink;
let prepared: { persist: string; envFile: string };
let edge: Edge;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const sinkLog = async (ns: string) => (await (await fetch(`${sink.url}/_log/${ns}`)).json()) as SinkEntry[];
async function until<T>(what: () => Promise<T>, ok: (v: T) => boolean, ms: number): Promise<T> {
  const end = Date.now() + ms;
  let v = await what();
  while (!ok(v) && Date.now() < end) {
    await sleep(250);
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
    MESSAGING_API_URL: `${sink.url}/msg/wd-ntf`,
    MESSAGING_API_TOKEN: 'wd-messaging-token',
    BROADCAST_WEBHOOK_SECRETS: JSON.stringify({ main: 'notifier-wd-webhook-secret-0123' }),
  });
  edge = await startEdge(prepared);
}, 240_000);

afterAll(async () => {
  await edge?.kill();
  await sink?.close();
  rmSync(RUN, { recursive: true, force: true });
});

describe('notifier under wrangler dev', () => {
  it('a reminder reaches the receiver once, also when the notifier is killed mid-delivery and restarted', async () => {
    const created = await call(PLATFORM_KEY, 'POST', '/v1/platform/tenants', { tenantId: 'wd-notify', name: 'wd-notify', permissions: ['act_as_user'] });
    expect(created.status).toBe(201);
    const key = created.body.apiKey as string;
    const ns = 'wd-ntf';
    const put = await call(key, 'PUT', '/v1/admin/notifications/settings', {
      webhooks: [{ id: 'ops', url: `${sink.url}/hook/${ns}/idem/ops`, secretRef: 'main' }],
      timeoutMs: 3_000,
    });
    expect(put.status).toBe(200);
    expect((await call(key, 'PUT', '/v1/items/show-1', { kind: 'series', title: 'Show 1', state: 'draft' })).status).toBeLessThan(300);

    // The receiver takes the reminder in but holds its answer: the crash lands in that window.
    await fetch(`${sink.url}/_control/${ns}`, { method: 'POST', body: JSON.stringify({ holdMs: 60_000 }) });
    const s = await call(key, 'POST', '/v1/admin/scheduling/schedules', {
      contentKind: 'series',
      contentId: 'show-1',
      title: 'Show 1 premiere',
      scheduledAt: new Date(Date.now() + 60_000 + 5_000).toISOString(),
      remindMinutesBefore: 1,
    });
    expect(s.status).toBe(201);

    const first = await until(() => sinkLog(ns), (l) => l.some((e) => e.accepted), 60_000);
    expect(first.filter((e) => e.accepted)).toHaveLength(1);
    await edge.kill('SIGKILL');
    await fetch(`${sink.url}/_control/${ns}`, { method: 'POST', body: JSON.stringify({ holdMs: 0 }) });

    edge = await startEdge(prepared);
    const settled = await until(
      async () => ((await call(key, 'GET', '/v1/admin/notifications')).body?.items ?? []) as NotificationView[],
      (l) => l.length === 1 && l[0]!.deliveries.every((d) => d.state !== 'pending'),
      60_000,
    );
    expect(settled).toHaveLength(1);
    const n = settled[0]!;
    expect(n).toMatchObject({ kind: 'reminder', scheduleId: s.body.id, title: 'Show 1 premiere' });
    const d = n.deliveries[0]!;
    // The attempt in flight at the crash stays on record; the re-send after the restart found the key processed.
    expect(d).toMatchObject({ channel: 'webhook', state: 'delivered', attempts: 2 });
    expect(d.log.map((a) => a.outcome)).toEqual(['interrupted', 'duplicate']);

    const hooks = (await sinkLog(ns)).filter((e) => e.path === '/idem/ops');
    expect(hooks.filter((e) => e.accepted)).toHaveLength(1);
    expect(hooks.map((e) => e.headers['idempotency-key'])).toEqual([d.idempotencyKey, d.idempotencyKey]);
    expect(hooks[1]!.status).toBe(409);
  });
});
