import { createMiddleware } from 'hono/factory';
import type { Role } from '@vidplat/contracts';
import type { AppEnv } from '../env.js';
import { errorBody } from '../http/errors.js';
import { freshPrincipal, principalForKey, sha256Hex, type Principal } from './api-keys.js';
import { waitUntilOf } from './swr-cache.js';
import { looksLikeJwt, verifyUserToken } from './user-tokens.js';
import { passRateGate } from '../guardrails/rate-gate.js';

const bearer = (header: string): string => (header.startsWith('Bearer ') ? header.slice(7).trim() : '');

/**
 * The acting user of a key: a personal key's own; else the X-User-Id header, honoured only for a
 * key with the `act_as_user` permission (an unproven assertion is dropped, and requireUser says why).
 */
function withActingUser(p: Principal, asserted: string | undefined): Principal {
  if (p.boundUser || !asserted || !p.actAsUser) return p;
  return { ...p, userId: asserted };
}

/**
 * Requires a tenant API key (Authorization: Bearer vp_…) with one of `roles` (any role when none
 * are given) and sets c.var.principal. A personal key always acts as its own user; another key
 * acts for the X-User-Id it names only with the `act_as_user` permission.
 */
export const requireKey = (...roles: Role[]) =>
  createMiddleware<AppEnv>(async (c, next) => {
    const key = bearer(c.req.header('authorization') ?? '');
    if (!key) return c.json(errorBody('unauthorized', 'missing API key (Authorization: Bearer …)'), 401);
    // A fresh cached principal without a promise or digest (the common case); else the full lookup.
    const p = freshPrincipal(key) ?? (await principalForKey(c.env.CATALOGUE, key, waitUntilOf(c)));
    if (!p) {
      const why = looksLikeJwt(key) ? 'this route needs a server API key; end-user tokens are accepted on end-user routes only' : 'unknown or revoked API key';
      return c.json(errorBody('unauthorized', why), 401);
    }
    if (roles.length && !roles.includes(p.role)) {
      return c.json(errorBody('forbidden', `this action needs one of the roles: ${roles.join(', ')}`), 403);
    }
    c.set('principal', withActingUser(p, c.req.header('x-user-id')));
    // Per-tenant and per-key rate limits (429 rate_limited + Retry-After before the handler runs).
    return passRateGate(c, p, next);
  });

/**
 * End-user routes (play, progress, enrolments, recommend): a server API key as requireKey()
 * accepts, or an end-user token the tenant signed (JWT; see user-tokens.ts), which acts as its
 * `sub` and nothing else.
 */
export const requireKeyOrUserToken = () => {
  const anyKey = requireKey();
  return createMiddleware<AppEnv>(async (c, next) => {
    const credential = bearer(c.req.header('authorization') ?? '');
    if (!credential.startsWith('vp_') && looksLikeJwt(credential)) {
      const r = await verifyUserToken(c.env.CATALOGUE, credential, waitUntilOf(c));
      if (!r.ok) return c.json({ error: r.error }, r.status);
      c.set('principal', r.principal);
      // The same per-tenant limits as keys; all tokens of one signing key share its key bucket.
      return passRateGate(c, r.principal, next);
    }
    return anyKey(c, next);
  });
};

/** The platform operator's key (ADMIN_API_KEY secret): creates tenants and their first keys. */
export const requirePlatformKey = createMiddleware<AppEnv>(async (c, next) => {
  const header = c.req.header('authorization') ?? '';
  const expected = c.env.ADMIN_API_KEY;
  if (!expected) return c.json(errorBody('forbidden', 'ADMIN_API_KEY is not configured'), 403);
  // Compare digests so the comparison time does not depend on the key's content.
  const [a, b] = await Promise.all([sha256Hex(header), sha256Hex(`Bearer ${expected}`)]);
  if (a !== b) return c.json(errorBody('unauthorized', 'platform key required'), 401);
  await next();
});
