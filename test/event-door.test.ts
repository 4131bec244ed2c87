import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { createClickHouse } from '@vidplat/analytics';
import { SCHEMA_VERSION, uuidv7, type ErrorBody, type EventBatchResponse } from '@vidplat/contracts';
import type {} from '@vidplat/devstack/vitest-global-setup'; // typed inject('stack')
import { checkedFetch } from './edge-api.js';

/**
 * The door of the event path, through the real stack (wrangler dev edge → ingest → Kafka →
 * raw-events consumer and window jobs → ClickHouse): events just inside and just outside each
 * limit (future skew, live horizon, a tenant's own horizon, the backfill path's raw retention,
 * internal types), and every one accounted for — refused with 400 and its code, or in events_raw.
 * A 202 is never lost: the stream either folds an accepted event or records it in late_events.
 */
const { env, urls } = inject('stack');
const ch = createClickHouse({ url: env.CLICKHOUSE_URL!, database: env.CLICKHOUSE_DATABASE! });
afterAll(() => ch.close());

const DAY = 86_400_000;
const SKEW = 120_000; // EVENT_MAX_FUTURE_SKEW_MS default
/** Far enough from each limit that the request's own time (edge, then ingest) cannot cross it on a loaded machine. */
const MARGIN = 30_000;

async function eventually<T>(fn: () => Promise<T>, ok: (v: T) => boolean, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let v = await fn();
  while (!ok(v) && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
    v = await fn();
  }
  return v;
}

async function provision(tenantId: string): Promise<string> {
  const res = await fetch(`${urls.edge}/v1/platform/tenants`, {
    method: 'POST',
    headers: { authorization: `Bearer ${env.ADMIN_API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ tenantId, name: tenantId }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { apiKey: string }).apiKey;
}

// Raw bodies on purpose (events the typed client would refuse), every answer held to the OpenAPI document.
const edgeFetch = checkedFetch(urls.edge!);
const call = async (method: string, path: string, key: string, body?: unknown) =>
  (await edgeFetch)(path, { method, headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` }, ...(body ? { body: JSON.stringify(body) } : {}) });

async function rawRows(tenant: string): Promise<{ event_id: string; backfill: number; type: string }[]> {
  const r = await ch.query({ query: 'SELECT event_id, backfill, type FROM events_raw FINAL WHERE tenant_id = {t:String}', query_params: { t: tenant }, format: 'JSONEachRow' });
  return r.json();
}

type Batch = ErrorBody & EventBatchResponse;

describe('the event door: every event posted is refused with its code or stored', () => {
  it('skew and horizon boundaries on the live path, the 1990 event, internal types; each event accounted for', async () => {
    const tenant = `door-${Date.now()}`;
    const key = await provision(tenant);
    const now = Date.now();
    const cases: { name: string; at: number | string; type?: string; expect: 'stored' | 'event_time_out_of_range' | 'reserved_event_type' }[] = [
      { name: 'now', at: now, expect: 'stored' },
      { name: 'just inside the skew', at: now + SKEW - MARGIN, expect: 'stored' },
      { name: 'just outside the skew', at: now + SKEW + MARGIN, expect: 'event_time_out_of_range' },
      { name: 'just inside the horizon', at: now - 7 * DAY + MARGIN, expect: 'stored' },
      { name: 'just outside the horizon', at: now - 7 * DAY - MARGIN, expect: 'event_time_out_of_range' },
      { name: 'the 1990 event', at: '1990-01-01T00:00:00.000Z', expect: 'event_time_out_of_range' },
      { name: 'the 2035 event', at: '2035-01-01T00:00:00.000Z', expect: 'event_time_out_of_range' },
      { name: 'a forged schedule event', at: now, type: 'schedule', expect: 'reserved_event_type' },
    ];
    const events = cases.map((c) => ({
      eventId: uuidv7(),
      tenantId: tenant,
      eventTime: typeof c.at === 'string' ? c.at : new Date(c.at).toISOString(),
      schemaVersion: SCHEMA_VERSION,
      userId: 'u1', // one user: one partition, in this order
      itemId: 'v1',
      type: c.type ?? 'click',
      ...(c.type === 'schedule' ? { actor: 'alarm', action: 'publish' } : {}),
    }));
    const res = await call('POST', '/v1/events', key, { events });
    expect(res.status).toBe(400);
    const body = (await res.json()) as Batch;
    const refused = new Map(body.rejected.map((r) => [r.index, r.error]));
    expect(body.accepted).toBe(cases.filter((c) => c.expect === 'stored').length);
    for (const [i, c] of cases.entries()) {
      if (c.expect === 'stored') expect(refused.has(i), c.name).toBe(false);
      else {
        expect(refused.get(i), c.name).toMatchObject({ code: c.expect, field: `events.${i}.${c.expect === 'reserved_event_type' ? 'type' : 'eventTime'}` });
      }
    }
    expect(refused.get(2)!.allowed).toBeDefined();

    const stored = cases.flatMap((c, i) => (c.expect === 'stored' ? [events[i]!.eventId] : []));
    const rows = await eventually(() => rawRows(tenant), (r) => r.length >= stored.length);
    expect(rows.map((r) => r.event_id).sort()).toEqual([...stored].sort());
    expect(rows.every((r) => r.backfill === 0)).toBe(true);

    // The horizon-edge event came after the tenant's own watermark reached now: the window jobs
    // record it as late (with its reason), never drop it silently.
    const oldId = events[3]!.eventId;
    const late = await eventually(
      async () => (await ch.query({ query: 'SELECT job, reason FROM late_events FINAL WHERE tenant_id = {t:String} AND event_id = {e:String} ORDER BY job', query_params: { t: tenant, e: oldId }, format: 'JSONEachRow' })).json<{ job: string; reason: string }>(),
      (r) => r.length >= 1,
    );
    expect(late.length).toBeGreaterThan(0);
    expect(late.every((r) => r.reason === 'late')).toBe(true);
  });

  it("a tenant's own horizon and the backfill path: history stored and marked, what events_raw would drop refused", async () => {
    const tenant = `door-bf-${Date.now()}`;
    const superKey = await provision(tenant);
    const tenantKey = ((await (await call('POST', '/v1/admin/api-keys', superKey, { role: 'tenant' })).json()) as { apiKey: string }).apiKey;
    const ev = (at: number | string) => ({ eventId: uuidv7(), tenantId: tenant, eventTime: typeof at === 'string' ? at : new Date(at).toISOString(), schemaVersion: SCHEMA_VERSION, userId: 'u2', itemId: 'v2', type: 'like' });
    const now = Date.now();

    // Live path with a 30-day horizon: 29 days inside, 31 days outside.
    expect((await call('PUT', '/v1/admin/event-policy', superKey, { eventHorizonDays: 30 })).status).toBe(200);
    const live = [ev(now - 29 * DAY), ev(now - 31 * DAY)];
    const lr = (await (await call('POST', '/v1/events', tenantKey, { events: live })).json()) as Batch;
    expect(lr.accepted).toBe(1);
    expect(lr.rejected.map((r) => [r.index, r.error.code])).toEqual([[1, 'event_time_out_of_range']]);

    // Backfill: a tenant key may not; an admin/super key may, back to the raw retention.
    const history = [ev(now - 200 * DAY), ev(now - 60 * DAY), ev('1990-01-01T00:00:00.000Z'), ev(now + SKEW + MARGIN), ev(now - 399 * DAY)];
    expect((await call('POST', '/v1/events/backfill', tenantKey, { events: history })).status).toBe(403);
    const br = (await (await call('POST', '/v1/events/backfill', superKey, { events: history })).json()) as Batch;
    expect(br.accepted).toBe(2);
    expect(br.rejected.map((r) => [r.index, r.error.code])).toEqual([
      [2, 'event_time_out_of_range'],
      [3, 'event_time_out_of_range'],
      [4, 'event_time_out_of_range'],
    ]);

    const want = new Map([
      [live[0]!.eventId, 0],
      [history[0]!.eventId, 1],
      [history[1]!.eventId, 1],
    ]);
    const rows = await eventually(() => rawRows(tenant), (r) => r.length >= want.size);
    expect(new Map(rows.map((r) => [r.event_id, r.backfill]))).toEqual(want);
    // The window jobs skipped the backfilled events: no late row for them (they are not live), no window row either.
    const late = await (await ch.query({ query: 'SELECT count() AS n FROM late_events WHERE tenant_id = {t:String} AND event_id IN ({ids:Array(String)})', query_params: { t: tenant, ids: [history[0]!.eventId, history[1]!.eventId] }, format: 'JSONEachRow' })).json<{ n: string }>();
    expect(Number(late[0]!.n)).toBe(0);
    const profiles = async () =>
      Number((await (await ch.query({ query: 'SELECT count() AS n FROM user_profile_windows FINAL WHERE tenant_id = {t:String}', query_params: { t: tenant }, format: 'JSONEachRow' })).json<{ n: string }>())[0]!.n);
    // The live event (29 days ago) has its window by now; the backfilled ones have none yet.
    expect(await eventually(profiles, (n) => n >= 1)).toBe(1);

    // Offline: recompute the tenant's windows over the backfilled range from events_raw.
    const day = (ms: number) => new Date(Math.floor(ms / DAY) * DAY).toISOString();
    // (Window tables keep 90 days: the 200-day-old event has its raw row, no window to recompute.)
    const { stdout } = await promisify(execFile)('npx', ['tsx', 'stream/src/jobs/recompute/cli.ts', '--tenant', tenant, '--from', day(now - 201 * DAY), '--to', day(now - 59 * DAY)], {
      env: { ...process.env, ...env },
      timeout: 120_000,
    });
    const report = JSON.parse(stdout.trim().split('\n').pop()!) as { events: number; fromMs: number; windows: Record<string, number> };
    expect(report.fromMs).toBeGreaterThan(now - 91 * DAY); // clamped to the window tables' retention
    expect(report.events).toBe(1);
    expect(report.windows['user-profiles']).toBe(1); // the 60-day-old event's 5-minute window
    expect(await profiles()).toBe(2);
  });

  it("the platform's own schedule events still flow (the Scheduler's outbox is the platform, not a tenant key)", async () => {
    const tenant = `door-sched-${Date.now()}`;
    const key = await provision(tenant);
    const banner = { id: 'promo-1', placement: 'home', imageUrl: 'https://img.test/p.png', linkUrl: 'https://app.test/', title: 'door' };
    expect((await call('POST', '/v1/admin/content/banners', key, banner)).status).toBe(201);
    const res = await call('POST', '/v1/admin/scheduling/schedules', key, { contentKind: 'banner', contentId: 'promo-1', scheduledAt: new Date(Date.now() + 3000).toISOString(), title: 'door' });
    expect(res.status, await res.clone().text()).toBe(201);
    const rows = await eventually(() => rawRows(tenant), (r) => r.some((x) => x.type === 'schedule'), 90_000);
    expect(rows.filter((r) => r.type === 'schedule').length).toBeGreaterThan(0);
  });
});
