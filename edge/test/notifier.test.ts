import { env, runInDurableObject, SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { NotificationWebhookBody, uuidv7, type NotificationView } from '@vidplat/contracts';
import { verifySignature } from '../src/scheduling/broadcaster/signature.js';
import { lineRetryKey } from '../src/scheduling/notifier/delivery.js';
import { json } from './helpers.js';
import { createOk, fireAfter, HOUR, tenantWithKeys, type TenantKeys } from './scheduling-support.js';

/**
 * The notifier (issue 19 point 3): schedule reminders, subscriber notifications and gate
 * failures delivered to the tenant's webhooks (signed, with an idempotency key the receiver
 * honours) and by messaging-API push to subscribers with a linked LINE id; retries as data;
 * the delivery log through the API. The crash case runs under `wrangler dev`
 * (test/notifier-wrangler.test.ts).
 */
const API = 'https://edge.test/v1/admin';
const SINK = (env as unknown as { TEST_SINK_URL: string }).TEST_SINK_URL;
const SECRET = (JSON.parse(env.BROADCAST_WEBHOOK_SECRETS!) as Record<string, string>).main!;
const notifier = (tenantId: string) => env.NOTIFIER.get(env.NOTIFIER.idFromName(tenantId));

interface SinkEntry {
  path: string;
  headers: Record<string, string>;
  body: string;
  status: number;
  accepted?: string[];
}
const sinkLog = async (ns: string) => (await (await fetch(`${SINK}/_log/${ns}`)).json()) as SinkEntry[];
const control = (ns: string, c: Record<string, number>) => fetch(`${SINK}/_control/${ns}`, { method: 'POST', body: JSON.stringify(c) });
const lineId = (n: number) => `U${n.toString(16).padStart(32, '0')}`;

/** Bounded wait for what the Notifier does on its own alarm (not a timing assertion). */
async function waitFor<T>(what: () => Promise<T>, until: (v: T) => boolean, tries = 200): Promise<T> {
  let v = await what();
  for (let i = 0; i < tries && !until(v); i++) {
    await new Promise((r) => setTimeout(r, 50));
    v = await what();
  }
  return v;
}

async function call(key: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const res = await SELF.fetch(`${API}${path}`, json(method, key, body));
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}

const notifications = async (t: TenantKeys, q = '') => (await call(t.alice, 'GET', `/notifications${q}`)).body.items as NotificationView[];
const allSettled = (ns: NotificationView[]) => ns.length > 0 && ns.every((n) => n.deliveries.every((d) => d.state !== 'pending'));

/** A course with an instructor and one video in it, as the catalogue holds them. */
async function seedVideo(tenantId: string, courseId: string, videoId: string, instructor: string): Promise<void> {
  const now = new Date().toISOString();
  await env.CATALOGUE.batch([
    env.CATALOGUE.prepare(
      `INSERT INTO courses (tenant_id, course_id, category_id, title, level, instructor_id, access, status, created_at, updated_at)
       VALUES (?1, ?2, 'cat', ?2, 'beginner', ?3, 'free', 'published', ?4, ?4)`,
    ).bind(tenantId, courseId, instructor, now),
    env.CATALOGUE.prepare(`INSERT INTO videos (tenant_id, video_id, course_id, title, status, created_at, updated_at) VALUES (?1, ?2, ?3, ?2, 'ready', ?4, ?4)`).bind(
      tenantId,
      videoId,
      courseId,
      now,
    ),
  ]);
}

describe('subscriptions and LINE links', () => {
  it('subscribe / list / unsubscribe, idempotent, with bad input named at the field', async () => {
    const t = await tenantWithKeys('ntf-subs');
    const a = await call(t.alice, 'POST', '/subscriptions', { userId: 'u1', targetKind: 'course', targetId: 'c1' });
    expect(a.status).toBe(201);
    expect(a.body).toMatchObject({ userId: 'u1', targetKind: 'course', targetId: 'c1' });
    // Subscribing twice is one subscription.
    expect((await call(t.alice, 'POST', '/subscriptions', { userId: 'u1', targetKind: 'course', targetId: 'c1' })).status).toBe(201);
    await call(t.alice, 'POST', '/subscriptions', { userId: 'u2', targetKind: 'channel', targetId: 'ins-1' });
    expect((await call(t.alice, 'GET', '/subscriptions?targetKind=course&targetId=c1')).body.items.map((s: { userId: string }) => s.userId)).toEqual(['u1']);
    expect((await call(t.alice, 'GET', '/subscriptions')).body.items).toHaveLength(2);

    const bad = await call(t.alice, 'POST', '/subscriptions', { userId: 'u1', targetKind: 'planet', targetId: 'c1' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('targetKind');

    expect((await call(t.alice, 'DELETE', '/subscriptions/course/c1/u1')).status).toBe(204);
    expect((await call(t.alice, 'DELETE', '/subscriptions/course/c1/u1')).status).toBe(404);

    // Another tenant sees none of it.
    const other = await tenantWithKeys('ntf-subs-other');
    expect((await call(other.alice, 'GET', '/subscriptions')).body.items).toEqual([]);
  });

  it('an end user manages their own subscriptions under /v1/me', async () => {
    const t = await tenantWithKeys('ntf-me');
    const me = (m: string, path: string, body?: unknown) =>
      SELF.fetch(`https://edge.test/v1/me/subscriptions${path}`, json(m, t.superKey, body, { 'x-user-id': 'fan-1' }));
    expect((await me('POST', '', { targetKind: 'series', targetId: 's1', userId: 'someone-else' })).status).toBe(201);
    const mine = (await (await me('GET', '')).json()) as { items: { userId: string; targetId: string }[] };
    expect(mine.items).toEqual([expect.objectContaining({ userId: 'fan-1', targetId: 's1' })]);
    expect((await me('DELETE', '/series/s1')).status).toBe(204);
  });

  it('links a platform user to one LINE user id; a LINE id belongs to one user', async () => {
    const t = await tenantWithKeys('ntf-links');
    const put = await call(t.alice, 'PUT', '/line-links/u1', { lineUserId: lineId(1) });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ userId: 'u1', lineUserId: lineId(1) });
    const bad = await call(t.alice, 'PUT', '/line-links/u2', { lineUserId: 'not-a-line-id' });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('lineUserId');
    const taken = await call(t.alice, 'PUT', '/line-links/u2', { lineUserId: lineId(1) });
    expect(taken.status).toBe(409);
    expect((await call(t.alice, 'PUT', '/line-links/u1', { lineUserId: lineId(2) })).body.lineUserId).toBe(lineId(2));
    expect((await call(t.alice, 'GET', '/line-links?userId=u1')).body.items).toEqual([expect.objectContaining({ lineUserId: lineId(2) })]);
    expect((await call(t.alice, 'DELETE', '/line-links/u1')).status).toBe(204);
    expect((await call(t.alice, 'GET', '/line-links')).body.items).toEqual([]);
  });
});

describe('notifier', () => {
  it('settings: admins read, senior/super write; an unknown secretRef or duplicate id is refused at the field', async () => {
    const t = await tenantWithKeys('ntf-settings');
    expect((await call(t.alice, 'GET', '/notifications/settings')).body).toMatchObject({ webhooks: [], push: { enabled: true } });
    const hook = { id: 'ops', url: `${SINK}/hook/x/idem/ops`, secretRef: 'main' };
    expect((await call(t.alice, 'PUT', '/notifications/settings', { webhooks: [hook] })).status).toBe(403);
    const bad = await call(t.senior, 'PUT', '/notifications/settings', { webhooks: [{ ...hook, secretRef: 'nope' }] });
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('webhooks.0.secretRef');
    const dup = await call(t.senior, 'PUT', '/notifications/settings', { webhooks: [hook, hook] });
    expect(dup.body.error.field).toBe('webhooks.1.id');
    const good = await call(t.senior, 'PUT', '/notifications/settings', { webhooks: [hook], retry: { attempts: 3 } });
    expect(good.status).toBe(200);
    expect(good.body).toMatchObject({ webhooks: [{ id: 'ops', kinds: ['reminder', 'published', 'gate_failed'], active: true }], retry: { attempts: 3 } });
  });

  it('a reminder reaches the webhook once (signed, keyed) and the subscribers with a LINE link by push; the rest are counted skipped', async () => {
    const t = await tenantWithKeys('ntf-remind');
    const ns = t.tenantId;
    await seedVideo(t.tenantId, 'course-r', 'vid-r', 'ins-r');
    // u1 follows the course, u2 the channel (instructor), u3 the video, u4 something else.
    for (const [u, kind, id] of [
      ['u1', 'course', 'course-r'],
      ['u2', 'channel', 'ins-r'],
      ['u3', 'video', 'vid-r'],
      ['u4', 'course', 'other'],
    ]) {
      expect((await call(t.alice, 'POST', '/subscriptions', { userId: u, targetKind: kind, targetId: id })).status).toBe(201);
    }
    await call(t.alice, 'PUT', '/line-links/u1', { lineUserId: lineId(0xa1) });
    await call(t.alice, 'PUT', '/line-links/u2', { lineUserId: lineId(0xa2) });
    await call(t.alice, 'PUT', '/line-links/u4', { lineUserId: lineId(0xa4) });
    await call(t.senior, 'PUT', '/notifications/settings', { webhooks: [{ id: 'ops', url: `${SINK}/hook/${ns}/idem/ops`, secretRef: 'main' }] });

    const s = await createOk(t.alice, { contentKind: 'video', contentId: 'vid-r', scheduledAt: new Date(Date.now() + 2 * HOUR).toISOString(), title: 'Episode R', remindMinutesBefore: 30 });
    await fireAfter(t.tenantId, 90 * 60_000);
    const settled = await waitFor(() => notifications(t), allSettled);
    expect(settled).toHaveLength(1);
    const n = settled[0]!;
    expect(n).toMatchObject({ kind: 'reminder', scheduleId: s.id, title: 'Episode R', contentId: 'vid-r', at: s.scheduledAt, subscribers: 3, skipped: 1 });
    expect(n.deliveries.map((d) => [d.channel, d.state, d.recipients])).toEqual([
      ['webhook', 'delivered', 0],
      ['push', 'delivered', 2],
    ]);

    const hooks = (await sinkLog(ns)).filter((e) => e.path === '/idem/ops');
    expect(hooks).toHaveLength(1);
    const h = hooks[0]!;
    expect(await verifySignature(SECRET, h.headers['x-timestamp']!, h.body, h.headers['x-signature']!, Math.floor(Date.now() / 1000))).toBe(true);
    const body = NotificationWebhookBody.parse(JSON.parse(h.body));
    expect(body).toMatchObject({ kind: 'reminder', tenantId: t.tenantId, scheduleId: s.id, at: s.scheduledAt, subscribers: 3 });
    expect(h.headers['idempotency-key']).toBe(body.idempotencyKey);

    const pushKey = await lineRetryKey(n.deliveries.find((d) => d.channel === 'push')!.idempotencyKey);
    const pushes = (await sinkLog('edge')).filter((e) => e.path === '/v2/bot/message/multicast' && e.headers['x-line-retry-key'] === pushKey);
    expect(pushes).toHaveLength(1);
    // LINE takes a UUID as retry key: derived from the delivery's key, the same on every attempt.
    expect(pushKey).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(JSON.parse(pushes[0]!.body).to.sort()).toEqual([lineId(0xa1), lineId(0xa2)]);
    expect(JSON.parse(pushes[0]!.body).messages[0].text).toContain('Episode R');
  });

  it('a publish that notifies subscribers is delivered; one without notifySubscribers is not', async () => {
    const t = await tenantWithKeys('ntf-pub');
    await call(t.senior, 'PUT', '/notifications/settings', { webhooks: [{ id: 'ops', url: `${SINK}/hook/${t.tenantId}/idem/ops`, secretRef: 'main', kinds: ['published'] }] });
    await seedVideo(t.tenantId, 'course-p', 'quiet', 'ins-p');
    await seedVideo(t.tenantId, 'course-p2', 'loud', 'ins-p');
    await createOk(t.alice, { contentKind: 'video', contentId: 'quiet', scheduledAt: new Date(Date.now() + HOUR).toISOString(), title: 'Quiet' });
    await createOk(t.alice, { contentKind: 'video', contentId: 'loud', scheduledAt: new Date(Date.now() + HOUR).toISOString(), title: 'Loud', notifySubscribers: true, remindMinutesBefore: 10 });
    await fireAfter(t.tenantId, HOUR);
    // The reminder is not among the webhook's kinds: only the publish goes out.
    const ns = await waitFor(() => notifications(t), (l) => l.length === 2 && allSettled(l));
    expect(ns.map((n) => [n.kind, n.title, n.deliveries.length]).sort()).toEqual([
      ['published', 'Loud', 1],
      ['reminder', 'Loud', 0],
    ]);
    expect((await sinkLog(t.tenantId)).map((e) => JSON.parse(e.body).title)).toEqual(['Loud']);
  });

  it('a progressive step held at its gate tells the webhook why; a regional publish tells subscribers once', async () => {
    const t = await tenantWithKeys('ntf-gate');
    const ns = t.tenantId;
    await call(t.senior, 'PUT', '/notifications/settings', { webhooks: [{ id: 'ops', url: `${SINK}/hook/${ns}/idem/ops`, secretRef: 'main' }] });
    await seedVideo(t.tenantId, 'course-g', 'vid-g', 'ins-g');
    await seedVideo(t.tenantId, 'course-g2', 'vid-g2', 'ins-g');
    const steps = [
      { percent: 10, afterMinutes: 0 },
      { percent: 100, afterMinutes: 30 },
    ];
    const s = await createOk(t.alice, { contentKind: 'video', contentId: 'vid-g', scheduledAt: new Date(Date.now() + HOUR).toISOString(), title: 'Gated', strategy: { kind: 'progressive', steps, gates: { minPlayRate: 0.05 } } });
    await fireAfter(t.tenantId, HOUR);
    // ClickHouse is not configured in workerd tests: the gate cannot be verified and holds.
    await fireAfter(t.tenantId, 95 * 60_000);
    const [n] = await waitFor(() => notifications(t, '?kind=gate_failed'), allSettled);
    expect(n).toMatchObject({ kind: 'gate_failed', scheduleId: s.id });
    expect(n!.reason).toMatch(/analytics unavailable/);
    const body = JSON.parse((await sinkLog(ns)).find((e) => e.path === '/idem/ops')!.body);
    expect(body).toMatchObject({ kind: 'gate_failed', scheduleId: s.id, reason: n!.reason });

    const r = await createOk(t.alice, {
      contentKind: 'video',
      contentId: 'vid-g2',
      scheduledAt: '2030-05-01T00:00:00.000Z',
      title: 'Regional',
      notifySubscribers: true,
      strategy: { kind: 'regional', regions: [{ region: 'eu', localTime: '09:00', timeZone: 'Europe/Berlin' }, { region: 'us', localTime: '09:00', timeZone: 'America/New_York' }] },
    });
    await fireAfter(t.tenantId, Date.parse('2030-05-01T13:00:01Z') - Date.now());
    await fireAfter(t.tenantId, 0);
    const published = await waitFor(() => notifications(t, `?scheduleId=${r.id}`), allSettled);
    expect(published.map((x) => x.kind)).toEqual(['published']);
  });

  it('retries a failing receiver with backoff from the policy (same key each time) and logs every attempt', async () => {
    const t = await tenantWithKeys('ntf-retry');
    const ns = t.tenantId;
    await call(t.senior, 'PUT', '/notifications/settings', {
      webhooks: [
        { id: 'flaky', url: `${SINK}/hook/${ns}/idem/flaky`, secretRef: 'main' },
        { id: 'broken', url: `${SINK}/hook/${ns}/fail/broken`, secretRef: 'main' },
        { id: 'gone', url: `${SINK}/nothing/${ns}`, secretRef: 'main' },
      ],
      retry: { attempts: 3, backoff: { type: 'exponential', delayMs: 100, maxDelayMs: 1000 } },
    });
    await control(ns, { failNext: 2 });
    await seedVideo(t.tenantId, 'course-f', 'a1', 'ins-f');
    await createOk(t.alice, { contentKind: 'video', contentId: 'a1', scheduledAt: new Date(Date.now() + HOUR).toISOString(), title: 'Flaky', remindMinutesBefore: 5 });
    await fireAfter(t.tenantId, HOUR - 5 * 60_000);
    const [n] = await waitFor(() => notifications(t), allSettled);
    const by = Object.fromEntries(n!.deliveries.map((d) => [d.target, d]));
    // 500, 500, then accepted: delivered on the third attempt with one key.
    expect(by.flaky).toMatchObject({ state: 'delivered', attempts: 3 });
    expect(by.flaky!.log.map((a) => a.outcome)).toEqual(['retry', 'retry', 'delivered']);
    // Always 500: failed once the policy's 3 attempts are used.
    expect(by.broken).toMatchObject({ state: 'failed', attempts: 3 });
    expect(by.broken!.lastError).toMatch(/webhook 500/);
    // 404 is not retried.
    expect(by.gone).toMatchObject({ state: 'failed', attempts: 1 });
    const flaky = (await sinkLog(ns)).filter((e) => e.path === '/idem/flaky');
    expect(flaky.map((e) => e.status)).toEqual([500, 500, 200]);
    expect(new Set(flaky.map((e) => e.headers['idempotency-key'])).size).toBe(1);
    // The backoff doubles: the gap before the third attempt is at least the second delay (200 ms).
    const at = by.flaky!.log.map((a) => Date.parse(a.at));
    expect(at[2]! - at[1]!).toBeGreaterThanOrEqual(200);

    // Filters of the log.
    expect(await notifications(t, '?state=failed')).toHaveLength(1);
    expect(await notifications(t, '?kind=gate_failed')).toHaveLength(0);
    expect((await call(t.alice, 'GET', `/notifications/${n!.id}`)).body.id).toBe(n!.id);
    expect((await call(t.alice, 'GET', '/notifications/ntf_nope')).status).toBe(404);
    expect((await call(t.alice, 'GET', '/notifications?limit=0')).status).toBe(400);
  });

  it('a re-sent hand-off is one notification; a delivery the receiver already processed is recorded as delivered, not sent twice', async () => {
    const t = await tenantWithKeys('ntf-dup');
    const ns = t.tenantId;
    await call(t.senior, 'PUT', '/notifications/settings', { webhooks: [{ id: 'ops', url: `${SINK}/hook/${ns}/idem/ops`, secretRef: 'main' }] });
    const event = {
      eventId: uuidv7(),
      kind: 'gate_failed',
      scheduleId: uuidv7(),
      occurrence: 0,
      title: 'Rollout',
      contentKind: 'video',
      contentId: 'v-dup',
      at: new Date().toISOString(),
      reason: 'play rate 0.01 below 0.2',
      createdAt: new Date().toISOString(),
    };
    const first = await notifier(t.tenantId).accept(t.tenantId, [event]);
    const again = await notifier(t.tenantId).accept(t.tenantId, [event]);
    expect(first).toEqual({ ok: true, value: { accepted: 1, duplicates: 0 } });
    expect(again).toEqual({ ok: true, value: { accepted: 0, duplicates: 1 } });
    const [n] = await waitFor(() => notifications(t), allSettled);
    expect(n).toMatchObject({ kind: 'gate_failed', reason: 'play rate 0.01 below 0.2', subscribers: 0 });
    // What a crash after the request but before the bookkeeping leaves: the delivery due again.
    await runInDurableObject(notifier(t.tenantId), (_i, st) => {
      st.storage.sql.exec("UPDATE deliveries SET state = 'pending', next_attempt_at = ?", Date.now());
    });
    await notifier(t.tenantId).accept(t.tenantId, []);
    const [again2] = await waitFor(() => notifications(t), (l) => allSettled(l) && l[0]!.deliveries[0]!.attempts === 2);
    expect(again2!.deliveries[0]!.log.map((a) => [a.status, a.outcome])).toEqual([
      [200, 'delivered'],
      [409, 'duplicate'],
    ]);
    expect((await sinkLog(ns)).filter((e) => e.accepted)).toHaveLength(1);
  });
});
