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
