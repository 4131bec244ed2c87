import { createMiddleware } from 'hono/factory';
import type { Role } from '@vidplat/contracts';
import type { AppEnv } from '../env.js';
import { errorBody } from '../http/errors.js';
import { freshPrincipal, principalForKey, sha256Hex } from './api-keys.js';
import { waitUntilOf } from './swr-cache.js';
import { rateGate } from '../guardrails/rate-gate.js';

/**
 * Requires a tenant API key (Authorization: Bearer vp_…) with one of `roles` (any role when none
 * are given) and sets c.var.principal. A tenant key may name the acting end user in X-User-Id;
 * a personal key always acts as its own user.
 */
export const requireKey = (...roles: Role[]) =>
  createMiddleware<AppEnv>(async (c, next) => {
    const header = c.req.header('authorization') ?? '';
    const key = header.startsWith('Bearer ') ? header.slice(7).trim() : '';
    if (!key) return c.json(errorBody('unauthorized', 'missing API key (Authorization: Bearer …)'), 401);
    // A fresh cached principal without a promise or digest (the common case); else the full lookup.
    const p = freshPrincipal(key) ?? (await principalForKey(c.env.CATALOGUE, key, waitUntilOf(c)));
    if (!p) return c.json(errorBody('unauthorized', 'unknown or revoked API key'), 401);
    if (roles.length && !roles.includes(p.role)) {
      return c.json(errorBody('forbidden', `this action needs one of the roles: ${roles.join(', ')}`), 403);
    }
    const asserted = c.req.header('x-user-id');
    c.set('principal', { ...p, userId: p.userId ?? asserted ?? null });
    // Per-tenant and per-key rate limits (429 rate_limited + Retry-After before the handler runs).
    const gate = rateGate(c, p);
    const refused = gate instanceof Promise ? await gate : gate;
    if (refused) return refused;
    await next();
  });

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
