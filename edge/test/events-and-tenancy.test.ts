import { SELF } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { SCHEMA_VERSION, uuidv7 } from '@vidplat/contracts';
import { createKey, json, provisionTenant } from './helpers.js';

const event = (over: Record<string, unknown> = {}) => ({
  eventId: uuidv7(),
  tenantId: 't1',
  eventTime: new Date().toISOString(),
  schemaVersion: SCHEMA_VERSION,
  userId: 'u1',
  itemId: 'v1',
  type: 'click',
  ...over,
});

describe('POST /v1/events in workerd', () => {
  let key = '';
  beforeAll(async () => {
    key = (await provisionTenant('t1')).apiKey;
  });

  it('reports each invalid event by index with code and field', async () => {
    const res = await SELF.fetch('https://edge.test/v1/events', json('POST', key, { events: [{ ...event(), eventTime: 'yesterday' }, { ...event(), type: 'nope' }] }));
    expect(res.status).toBe(400);
    const body = (await res.json()) as { accepted: number; rejected: { index: number; error: { code: string; field: string } }[] };
    expect(body.accepted).toBe(0);
    expect(body.rejected).toEqual([
      { index: 0, error: expect.objectContaining({ code: 'invalid_field', field: 'events.0.eventTime' }) },
      { index: 1, error: expect.objectContaining({ code: 'invalid_field', field: 'events.1.type' }) },
    ]);
  });

  it('needs a tenant key, and a key writes only its own tenant\'s events', async () => {
    expect((await SELF.fetch('https://edge.test/v1/events', json('POST', 'vp_nope', { events: [event()] }))).status).toBe(401);
    const res = await SELF.fetch('https://edge.test/v1/events', json('POST', key, { events: [event({ tenantId: 'someone-else' })] }));
    expect(res.status).toBe(400);
    const body = (await res.json()) as { rejected: { index: number; error: { code: string; field: string } }[] };
    expect(body.rejected[0]).toEqual({ index: 0, error: expect.objectContaining({ code: 'forbidden', field: 'events.0.tenantId' }) });
  });

  it('answers 503 with Retry-After when the ingest producer is unreachable, so the client retries', async () => {
    const res = await SELF.fetch('https://edge.test/v1/events', json('POST', key, { events: [event()] }));
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('upstream_unavailable');
  });

  it('rejects a non-JSON body and an empty or oversized batch', async () => {
    expect((await SELF.fetch('https://edge.test/v1/events', { method: 'POST', body: '{', headers: { authorization: `Bearer ${key}` } })).status).toBe(400);
    const empty = await SELF.fetch('https://edge.test/v1/events', json('POST', key, { events: [] }));
    expect(((await empty.json()) as { error: { field: string } }).error.field).toBe('events');
    const big = await SELF.fetch('https://edge.test/v1/events', json('POST', key, { events: Array.from({ length: 501 }, () => event()) }));
    expect(big.status).toBe(400);
  });
});

describe('tenancy: API keys', () => {
  it('provisions a tenant with the platform key only, and keys are hashed at rest', async () => {
    const denied = await SELF.fetch('https://edge.test/v1/platform/tenants', json('POST', 'wrong', { tenantId: 'x', name: 'x' }));
    expect(denied.status).toBe(401);
    const k = await provisionTenant('tenant-keys');
    expect(k.apiKey).toMatch(/^vp_/);
    const { env } = await import('cloudflare:test');
    const row = await env.CATALOGUE.prepare('SELECT key_hash FROM api_keys WHERE key_id = ?1').bind(k.keyId).first<{ key_hash: string }>();
    expect(row!.key_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(row!.key_hash).not.toContain(k.apiKey);
    const dup = await SELF.fetch('https://edge.test/v1/platform/tenants', json('POST', env.ADMIN_API_KEY!, { tenantId: 'tenant-keys', name: 'again' }));
    expect(dup.status).toBe(409);
  });

  it('only a super key creates keys; a revoked key stops working', async () => {
    const sup = await provisionTenant('tenant-roles');
    const admin = await createKey(sup.apiKey, 'admin', 'alice');
    const forbidden = await SELF.fetch('https://edge.test/v1/admin/api-keys', json('POST', admin.apiKey, { role: 'super' }));
    expect(forbidden.status).toBe(403);
    const revoke = await SELF.fetch(`https://edge.test/v1/admin/api-keys/${admin.keyId}`, json('DELETE', sup.apiKey));
    expect(revoke.status).toBe(204);
    // Another tenant's super key cannot revoke this tenant's keys.
    const other = await provisionTenant('tenant-other');
    const cross = await SELF.fetch(`https://edge.test/v1/admin/api-keys/${sup.keyId}`, json('DELETE', other.apiKey));
    expect(cross.status).toBe(404);
  });
});

describe('POST /v1/events: the door (eventTime range, internal types, backfill)', () => {
  const DAY = 86_400_000;
  let superKey = '';
  let tenantKey = '';
  beforeAll(async () => {
    superKey = (await provisionTenant('door')).apiKey;
    tenantKey = (await createKey(superKey, 'tenant')).apiKey;
  });
  const ev = (over: Record<string, unknown> = {}) => event({ tenantId: 'door', ...over });
  type Body = { accepted: number; error: { code: string; field: string }; rejected: { index: number; error: { code: string; field: string; message: string; allowed?: { from: string; to: string } } }[] };

  it('refuses eventTime beyond the skew or the horizon with event_time_out_of_range, naming the field and the range', async () => {
    const now = Date.now();
    const res = await SELF.fetch(
      'https://edge.test/v1/events',
      json('POST', tenantKey, { events: [ev({ eventTime: new Date(now + 10 * 60_000).toISOString() }), ev({ eventTime: '1990-01-01T00:00:00.000Z' }), ev({ eventTime: new Date(now - 8 * DAY).toISOString() }), ev({ eventTime: '2035-01-01T00:00:00.000Z' })] }),
    );
    expect(res.status).toBe(400);
    const body = (await res.json()) as Body;
    expect(body.accepted).toBe(0);
    expect(body.error).toMatchObject({ code: 'event_time_out_of_range', field: 'events.0.eventTime' });
    expect(body.rejected.map((r) => [r.index, r.error.code, r.error.field])).toEqual([0, 1, 2, 3].map((i) => [i, 'event_time_out_of_range', `events.${i}.eventTime`]));
    const { from, to } = body.rejected[0]!.error.allowed!;
    expect(Date.parse(to) - now).toBeGreaterThanOrEqual(120_000 - 5_000);
    expect(Date.parse(to) - now).toBeLessThanOrEqual(120_000 + 5_000);
    expect(now - Date.parse(from)).toBeGreaterThanOrEqual(7 * DAY - 5_000);
    expect(body.rejected[2]!.error.message).toContain('/v1/events/backfill');
  });

  it('refuses the platform\'s own event types and the backfill marker from a tenant key, naming the field', async () => {
    const schedule = ev({ type: 'schedule', userId: 'system.scheduler', actor: 'alarm', action: 'publish' }); // half-formed: still "reserved", not a schema detail
    const res = await SELF.fetch('https://edge.test/v1/events', json('POST', tenantKey, { events: [schedule, ev({ backfill: true })] }));
    expect(res.status).toBe(400);
    const body = (await res.json()) as Body;
    expect(body.rejected.map((r) => [r.index, r.error.code, r.error.field])).toEqual([
      [0, 'reserved_event_type', 'events.0.type'],
      [1, 'invalid_field', 'events.1.backfill'],
    ]);
  });

  it('backfill needs an admin or super key and still refuses the future and what events_raw would drop', async () => {
    const old = ev({ eventTime: new Date(Date.now() - 30 * DAY).toISOString() });
    expect((await SELF.fetch('https://edge.test/v1/events/backfill', json('POST', tenantKey, { events: [old] }))).status).toBe(403);
    const res = await SELF.fetch(
      'https://edge.test/v1/events/backfill',
      json('POST', superKey, { events: [ev({ eventTime: '1990-01-01T00:00:00.000Z' }), ev({ eventTime: new Date(Date.now() + 10 * 60_000).toISOString() }), ev({ type: 'schedule' })] }),
    );
    expect(res.status).toBe(400);
    const body = (await res.json()) as Body;
    expect(body.rejected.map((r) => [r.index, r.error.code])).toEqual([
      [0, 'event_time_out_of_range'],
      [1, 'event_time_out_of_range'],
      [2, 'reserved_event_type'],
    ]);
    expect(body.rejected[0]!.error.message).toContain('retention');
    // A 30-day-old event passes the door on the backfill path (ingest is unreachable in this pool: 503, nothing accepted).
    expect((await SELF.fetch('https://edge.test/v1/events/backfill', json('POST', superKey, { events: [old] }))).status).toBe(503);
  });

  it('a tenant sets its own horizon (tenant configuration); the live path follows it', async () => {
    const twentyDays = ev({ eventTime: new Date(Date.now() - 20 * DAY).toISOString() });
    const before = await SELF.fetch('https://edge.test/v1/events', json('POST', tenantKey, { events: [twentyDays] }));
    expect(((await before.json()) as Body).rejected[0]!.error.code).toBe('event_time_out_of_range');
    expect((await SELF.fetch('https://edge.test/v1/admin/event-policy', json('PUT', tenantKey, { eventHorizonDays: 30 }))).status).toBe(403);
    const bad = await SELF.fetch('https://edge.test/v1/admin/event-policy', json('PUT', superKey, { eventHorizonDays: 1000 }));
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as Body).error.field).toBe('eventHorizonDays');
    const put = await SELF.fetch('https://edge.test/v1/admin/event-policy', json('PUT', superKey, { eventHorizonDays: 30 }));
    expect(put.status).toBe(200);
    expect(await (await SELF.fetch('https://edge.test/v1/admin/event-policy', json('GET', superKey))).json()).toEqual({ eventHorizonDays: 30 });
    // Admitted now: it reaches the ingest (unreachable here: 503 means "passed the door, retry").
    expect((await SELF.fetch('https://edge.test/v1/events', json('POST', tenantKey, { events: [twentyDays] }))).status).toBe(503);
  });
});
