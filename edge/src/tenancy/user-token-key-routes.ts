import { z } from 'zod';
import { importJWK } from 'jose';
import { apiErrorFromZod, RegisterUserTokenKeyRequest, UserTokenKeyView, type EcPublicJwk } from '@vidplat/contracts';
import { access, ApiRoutes, defineRoute, empty, json, jsonBody } from '../http/api-routes.js';
import { errorBody, sendError } from '../http/errors.js';
import { forgetTenantTokenKeys, publicJwkColumn } from './user-tokens.js';

type NewKey = { kid: string; alg: 'HS256'; secret: string } | { kid: string; alg: 'ES256'; jwk: EcPublicJwk };

function keysOf(r: RegisterUserTokenKeyRequest): NewKey[] {
  if ('jwks' in r) return r.jwks.keys.map((jwk) => ({ kid: jwk.kid, alg: 'ES256' as const, jwk }));
  if (r.alg === 'HS256') return [{ kid: r.kid, alg: 'HS256', secret: r.secret }];
  return [{ kid: r.kid, alg: 'ES256', jwk: r.publicJwk }];
}

/**
 * The keys a tenant signs end-user tokens with (super key): register (an HS256 secret, an ES256
 * public JWK or a JWKS of them), list (never the secret), revoke. Rotation: register the new kid,
 * sign with it, revoke the old one.
 */
const tags = ['tenancy'];
const Keys = z.object({ items: z.array(UserTokenKeyView) });

export const userTokenKeyRoutes = new ApiRoutes()
  .endpoint(defineRoute({ method: 'post', path: '/v1/admin/user-token-keys', tags, access: access.key('super'), request: { body: jsonBody(RegisterUserTokenKeyRequest) }, responses: { 201: json(Keys, 'registered') }, errors: [400, 409] }), async (c) => {
    const parsed = RegisterUserTokenKeyRequest.safeParse(await c.req.json().catch(() => undefined));
    if (!parsed.success) return sendError(c, 400, apiErrorFromZod(parsed.error, 'invalid_body'));
    const { tenantId } = c.var.principal;
    const keys = keysOf(parsed.data);
    for (const [i, k] of keys.entries()) {
      if (k.alg !== 'ES256') continue;
      try {
        await importJWK({ ...k.jwk, d: undefined }, 'ES256');
      } catch {
        return c.json(errorBody('invalid_field', 'not a valid P-256 public key', 'jwks' in parsed.data ? `jwks.keys.${i}` : 'publicJwk'), 400);
      }
    }
    const db = c.env.CATALOGUE;
    const placeholders = keys.map((_, i) => `?${i + 2}`).join(', ');
    const taken = await db
      .prepare(`SELECT kid FROM user_token_keys WHERE tenant_id = ?1 AND kid IN (${placeholders})`)
      .bind(tenantId, ...keys.map((k) => k.kid))
      .first<{ kid: string }>();
    if (taken) return c.json(errorBody('conflict', `key ${taken.kid} is already registered (kids are never reused)`, 'kid'), 409);
    const now = new Date().toISOString();
    await db.batch(
      keys.map((k) =>
        db
          .prepare('INSERT INTO user_token_keys (tenant_id, kid, alg, secret, public_jwk, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)')
          .bind(tenantId, k.kid, k.alg, k.alg === 'HS256' ? k.secret : null, k.alg === 'ES256' ? publicJwkColumn(k.jwk) : null, now),
      ),
    );
    forgetTenantTokenKeys(tenantId);
    return c.json({ items: keys.map((k) => ({ kid: k.kid, alg: k.alg, createdAt: now }) satisfies UserTokenKeyView) }, 201);
  })
  .endpoint(defineRoute({ method: 'get', path: '/v1/admin/user-token-keys', tags, access: access.key('super'), responses: { 200: json(Keys) } }), async (c) => {
    const { results } = await c.env.CATALOGUE.prepare('SELECT kid, alg, created_at FROM user_token_keys WHERE tenant_id = ?1 AND revoked_at IS NULL ORDER BY created_at, kid')
      .bind(c.var.principal.tenantId)
      .all<{ kid: string; alg: 'HS256' | 'ES256'; created_at: string }>();
    return c.json({ items: results.map((r) => ({ kid: r.kid, alg: r.alg, createdAt: r.created_at }) satisfies UserTokenKeyView) });
  })
  .endpoint(defineRoute({ method: 'delete', path: '/v1/admin/user-token-keys/{kid}', tags, access: access.key('super'), request: { params: z.object({ kid: z.string() }) }, responses: { 204: empty('revoked') }, errors: [404] }), async (c) => {
    const { tenantId } = c.var.principal;
    const r = await c.env.CATALOGUE.prepare('UPDATE user_token_keys SET revoked_at = ?1 WHERE tenant_id = ?2 AND kid = ?3 AND revoked_at IS NULL')
      .bind(new Date().toISOString(), tenantId, c.req.param('kid'))
      .run();
    if (!r.meta.changes) return c.json(errorBody('not_found', 'no such active signing key in this tenant', 'kid'), 404);
    forgetTenantTokenKeys(tenantId);
    return c.body(null, 204);
  });
