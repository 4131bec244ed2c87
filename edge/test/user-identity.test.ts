import { SELF } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';
import { asUser, call, DAY, E, iso, seedShop, type Shop } from './catalogue-fixtures.js';
import { createKey } from './helpers.js';

/**
 * Issue 15 point 6: who the end user is must be proven. A server key names a user only with the
 * act_as_user permission; otherwise the tenant signs an end-user token (HS256 / ES256).
 */
let a: Shop;
let b: Shop;
let plainKey: string; // tenant role, no act_as_user
const SECRET_A = 'tenant-a-user-token-secret-0123456789abcdef';
const SECRET_B = 'tenant-b-user-token-secret-0123456789abcdef';
let es: CryptoKeyPair;

const enc = (s: string) => new TextEncoder().encode(s);
async function hsToken(opts: { sub: string; aud: string | string[]; secret?: string; kid?: string; expSecondsFromNow?: number }): Promise<string> {
  return new SignJWT({})
    .setProtectedHeader({ alg: 'HS256', kid: opts.kid ?? 'k1' })
    .setSubject(opts.sub)
    .setAudience(opts.aud)
    .setIssuedAt()
    .setExpirationTime(Math.floor(Date.now() / 1000) + (opts.expSecondsFromNow ?? 300))
    .sign(enc(opts.secret ?? SECRET_A));
}
const bearer = (token: string, headers: Record<string, string> = {}) => ({ headers: { authorization: `Bearer ${token}`, ...headers } });
async function get(path: string, token: string, headers: Record<string, string> = {}) {
  const res = await SELF.fetch(`${E}${path}`, bearer(token, headers));
  return { status: res.status, body: (await res.json()) as any };
}

beforeAll(async () => {
  a = await seedShop('ident-a');
  b = await seedShop('ident-b');
  plainKey = (await createKey(a.superKey, 'tenant', null, [])).apiKey;
  const enrol = await call('POST', '/v1/courses/paid-1/enrolments', a.superKey, { kind: 'paid', userId: 'u-paid', orderId: 'o-ident-1', pricePaidCents: 4900, validFrom: iso(-DAY), validUntil: iso(30 * DAY) });
  expect(enrol.status).toBe(201);
  expect((await call('POST', '/v1/admin/user-token-keys', a.superKey, { kid: 'k1', alg: 'HS256', secret: SECRET_A })).status).toBe(201);
  expect((await call('POST', '/v1/admin/user-token-keys', b.superKey, { kid: 'k1', alg: 'HS256', secret: SECRET_B })).status).toBe(201);
  es = (await generateKeyPair('ES256', { extractable: true })) as CryptoKeyPair;
  const pub = await exportJWK(es.publicKey);
  expect((await call('POST', '/v1/admin/user-token-keys', a.superKey, { jwks: { keys: [{ ...pub, kid: 'es-1' }] } })).status).toBe(201);
});

describe('server keys acting for an end user', () => {
  it('a tenant key without act_as_user cannot obtain a playback token for another user (403 naming the permission)', async () => {
    const r = await call('GET', '/v1/play/pv-paid', plainKey, undefined, asUser('u-paid'));
    expect(r.status).toBe(403);
    expect(r.body.error.code).toBe('act_as_user_required');
    expect(r.body.error.message).toContain('act_as_user');
    expect(r.body.error.field).toBe('X-User-Id');
    expect(r.body.token).toBeUndefined();
    for (const [method, path, body] of [
      ['GET', '/v1/me/enrolments', undefined],
      ['GET', '/v1/courses/paid-1/progress', undefined],
      ['POST', '/v1/videos/pv-free/progress', { positionSeconds: 10, durationSeconds: 600 }],
    ] as const) {
      const x = await call(method, path, plainKey, body, asUser('u-paid'));
      expect([path, x.status, x.body.error?.code]).toEqual([path, 403, 'act_as_user_required']);
    }
    const rec = await call('GET', '/v1/recommend?tenant=ident-a&scenario=feed&user=u-paid', plainKey);
    expect(rec.status).toBe(403);
    expect(rec.body.error).toMatchObject({ code: 'act_as_user_required', field: 'user' });
  });

  it('a key with act_as_user acts for the user it names', async () => {
    const withPerm = await createKey(a.superKey, 'tenant', null, ['act_as_user']);
    expect(withPerm.permissions).toEqual(['act_as_user']);
    const r = await call('GET', '/v1/play/pv-paid', withPerm.apiKey, undefined, asUser('u-paid'));
    expect(r.status).toBe(200);
    expect(r.body.reason).toBe('enrolled');
    // Passes the identity check; the scenario does not exist in this tenant.
    const rec = await call('GET', '/v1/recommend?tenant=ident-a&scenario=nope&user=u-paid', withPerm.apiKey);
    expect(rec.status).toBe(404);
    expect(rec.body.error.field).toBe('scenario');
  });

  it('the first key of a tenant has no permission unless provisioning asks for it', async () => {
    const { env } = await import('cloudflare:test');
    const res = await SELF.fetch(`${E}/v1/platform/tenants`, {
      method: 'POST',
      headers: { authorization: `Bearer ${env.ADMIN_API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ tenantId: 'ident-bare', name: 'bare' }),
    });
    const k = (await res.json()) as { apiKey: string; permissions: string[] };
    expect(k.permissions).toEqual([]);
    const r = await call('GET', '/v1/me/enrolments', k.apiKey, undefined, asUser('u-1'));
    expect(r.body.error.code).toBe('act_as_user_required');
  });
});

describe('end-user tokens signed by the tenant', () => {
  it('a valid HS256 token plays what its user is entitled to, and only as that user', async () => {
    const t = await hsToken({ sub: 'u-paid', aud: 'vidplat:ident-a' });
    const r = await get('/v1/play/pv-paid', t);
    expect(r.status).toBe(200);
    expect(r.body.reason).toBe('enrolled');
    const mine = await get('/v1/me/enrolments', t);
    expect(mine.status).toBe(200);
    expect(mine.body.items.map((e: { userId: string }) => e.userId)).toEqual(['u-paid']);
    // X-User-Id beside a token is ignored: the token's sub is the user.
    const other = await hsToken({ sub: 'u-nobody', aud: 'vidplat:ident-a' });
    const r2 = await get('/v1/play/pv-paid', other, asUser('u-paid'));
    expect(r2.status).toBe(403);
    expect(r2.body.reason).toBe('not_enrolled');
    // Recommend for its own user passes identity (404: no such scenario); for another user, 403.
    expect((await get('/v1/recommend?tenant=ident-a&scenario=nope&user=u-paid', t)).status).toBe(404);
    const rec = await get('/v1/recommend?tenant=ident-a&scenario=nope&user=u-other', t);
    expect(rec.status).toBe(403);
    expect(rec.body.error.field).toBe('user');
  });

  it('a valid ES256 token (key registered as a JWKS) is accepted', async () => {
    const t = await new SignJWT({})
      .setProtectedHeader({ alg: 'ES256', kid: 'es-1' })
      .setSubject('u-paid')
      .setAudience('vidplat:ident-a')
      .setExpirationTime('5m')
      .sign(es.privateKey);
    const r = await get('/v1/play/pv-paid', t);
    expect(r.status).toBe(200);
    expect(r.body.reason).toBe('enrolled');
  });

  it('an expired token answers 401 token_expired', async () => {
    const t = await hsToken({ sub: 'u-paid', aud: 'vidplat:ident-a', expSecondsFromNow: -120 });
    const r = await get('/v1/play/pv-paid', t);
    expect(r.status).toBe(401);
    expect(r.body.error).toMatchObject({ code: 'token_expired', field: 'Authorization' });
  });

  it('a token signed for tenant A is refused at tenant B (wrong-tenant)', async () => {
    // Signed with A's secret but claiming B: B's key does not verify it.
    const forged = await hsToken({ sub: 'u-paid', aud: 'vidplat:ident-b', secret: SECRET_A });
    const r = await get('/v1/play/pv-paid', forged);
    expect(r.status).toBe(401);
    expect(r.body.error.code).toBe('invalid_token');
    // A's genuine token asking for B's data: B is unknown to it.
    const t = await hsToken({ sub: 'u-paid', aud: 'vidplat:ident-a' });
    const rec = await get('/v1/recommend?tenant=ident-b&scenario=feed&user=u-paid', t);
    expect(rec.status).toBe(404);
    expect(rec.body.error.field).toBe('tenant');
    // B's videos are not A's: the same id resolves in A's catalogue only.
    const bToken = await hsToken({ sub: 'u-paid', aud: 'vidplat:ident-b', secret: SECRET_B });
    const inB = await get('/v1/play/pv-paid', bToken);
    expect(inB.status).toBe(403);
    expect(inB.body.reason).toBe('not_enrolled');
  });

  it('a tampered token answers 401 invalid_token', async () => {
    const t = await hsToken({ sub: 'u-nobody', aud: 'vidplat:ident-a' });
    const [h, p, s] = t.split('.');
    const claims = JSON.parse(atob(p!.replace(/-/g, '+').replace(/_/g, '/')));
    const forgedPayload = btoa(JSON.stringify({ ...claims, sub: 'u-paid' })).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    const r = await get('/v1/play/pv-paid', `${h}.${forgedPayload}.${s}`);
    expect(r.status).toBe(401);
    expect(r.body.error.code).toBe('invalid_token');
    // alg=none is never accepted.
    const none = `${btoa(JSON.stringify({ alg: 'none' })).replace(/=+$/, '')}.${forgedPayload}.`;
    expect((await get('/v1/play/pv-paid', none)).status).toBe(401);
  });

  it('a token for another audience answers 401 invalid_token', async () => {
    for (const aud of ['https://someone-else.example', ['vidplat:ident-a', 'vidplat:ident-b']]) {
      const t = await hsToken({ sub: 'u-paid', aud });
      const r = await get('/v1/play/pv-paid', t);
      expect(r.status).toBe(401);
      expect(r.body.error.code).toBe('invalid_token');
    }
  });

  it('end-user tokens open end-user routes only', async () => {
    const t = await hsToken({ sub: 'u-paid', aud: 'vidplat:ident-a' });
    const res = await SELF.fetch(`${E}/v1/courses`, { method: 'POST', headers: { authorization: `Bearer ${t}`, 'content-type': 'application/json' }, body: '{}' });
    expect(res.status).toBe(401);
  });

  it('signing keys: never returned, conflicts on reuse, revocation stops tokens', async () => {
    const list = await call('GET', '/v1/admin/user-token-keys', a.superKey);
    expect(list.status).toBe(200);
    expect(list.body.items.map((k: { kid: string }) => k.kid).sort()).toEqual(['es-1', 'k1']);
    expect(JSON.stringify(list.body)).not.toContain(SECRET_A);
    expect((await call('POST', '/v1/admin/user-token-keys', a.superKey, { kid: 'k1', alg: 'HS256', secret: SECRET_A })).status).toBe(409);
    expect((await call('POST', '/v1/admin/user-token-keys', a.superKey, { kid: 'short', alg: 'HS256', secret: 'too-short' })).status).toBe(400);
    expect((await call('POST', '/v1/admin/user-token-keys', a.appKey, { kid: 'k9', alg: 'HS256', secret: SECRET_A })).status).toBe(403);
    const reg = await call('POST', '/v1/admin/user-token-keys', a.superKey, { kid: 'k2', alg: 'HS256', secret: `${SECRET_A}-2` });
    expect(JSON.stringify(reg.body)).not.toContain(SECRET_A);
    const t = await hsToken({ sub: 'u-paid', aud: 'vidplat:ident-a', kid: 'k2', secret: `${SECRET_A}-2` });
    expect((await get('/v1/me/enrolments', t)).status).toBe(200);
    expect((await call('DELETE', '/v1/admin/user-token-keys/k2', a.superKey)).status).toBe(204);
    const after = await get('/v1/me/enrolments', t);
    expect(after.status).toBe(401);
    expect(after.body.error.code).toBe('invalid_token');
  });
});
