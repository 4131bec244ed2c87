import type { Context } from 'hono';
import { DEFAULT_TENANT_LIMITS, type TenantLimits } from '@vidplat/contracts';
import type { AppEnv } from '../env.js';
import type { Principal } from '../tenancy/api-keys.js';
import { errorBody } from '../http/errors.js';
import { waitUntilOf } from '../tenancy/swr-cache.js';
import { limitClassOf, takeRate } from './rate-limit.js';
import { freshTenantLimits, tenantLimits } from './tenant-limits.js';

const checked = new WeakSet<Request>();

/**
 * The rate check every tenant-key request passes (called by requireKey once the key is known):
 * null when allowed, else the 429 to send — before the handler runs, so nothing is half-done.
 * Synchronous when the tenant's limits are cached (the common case): no promise on the hot path.
 */
export function rateGate(c: Context<AppEnv>, p: Principal): Response | null | Promise<Response | null> {
  const cls = limitClassOf(c.req.method, c.req.path);
  if (!cls) return null;
  // Once per request, also where a router-level and a route-level requireKey both run.
  if (checked.has(c.req.raw)) return null;
  checked.add(c.req.raw);
  const limits = freshTenantLimits(p.tenantId);
  if (limits) return decide(c, limits, cls, p);
  return tenantLimits(c.env.CATALOGUE, p.tenantId, waitUntilOf(c))
    .catch((e: unknown) => {
      // Limits unreadable (D1 down): the defaults apply rather than failing the request.
      console.warn('tenant limits unavailable, defaults apply', e instanceof Error ? e.message : String(e));
      return DEFAULT_TENANT_LIMITS;
    })
    .then((l) => decide(c, l, cls, p));
}

function decide(c: Context<AppEnv>, limits: TenantLimits, cls: NonNullable<ReturnType<typeof limitClassOf>>, p: Principal): Response | null {
  const r = takeRate(limits, cls, p.tenantId, p.keyId);
  if (!r) return null;
  return c.json(errorBody('rate_limited', r.message), 429, { 'retry-after': String(r.retryAfterSeconds) });
}
