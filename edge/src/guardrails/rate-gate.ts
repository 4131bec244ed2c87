import type { Context, Next } from 'hono';
import { DEFAULT_TENANT_LIMITS, type RateLimitClass, type TenantLimits } from '@vidplat/contracts';
import type { AppEnv } from '../env.js';
import type { Principal } from '../tenancy/api-keys.js';
import { errorBody } from '../http/errors.js';
import { waitUntilOf } from '../tenancy/swr-cache.js';
import { limitClassOf, takeRate, type RateRefusal } from './rate-limit.js';
import { isolateLeases } from './rate-leases.js';
import { freshTenantLimits, tenantLimits } from './tenant-limits.js';

const checked = new WeakSet<Request>();

/**
 * The rate check every tenant request passes, whatever its credential (API key or end-user
 * token): runs `next` when allowed, else answers 429 before the handler runs, so nothing is
 * half-done. No await before `next` when the tenant's limits are cached and this isolate's
 * lease holds tokens (the common case): no promise and no I/O on the hot path.
 */
export async function passRateGate(c: Context<AppEnv>, p: Principal, next: Next): Promise<Response | void> {
  const gate = rateGate(c, p);
  const refused = gate instanceof Promise ? await gate : gate;
  if (refused) return refused;
  await next();
}

/** null when allowed, else the 429 to send. */
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

function decide(c: Context<AppEnv>, limits: TenantLimits, cls: RateLimitClass, p: Principal): Response | null | Promise<Response | null> {
  // Shared across isolates through the tenant's RateLimiter object where it is bound.
  const ns = c.env.RATE_LIMITER;
  const r = ns ? isolateLeases.take(ns, limits, cls, p.tenantId, p.keyId, waitUntilOf(c)) : takeRate(limits, cls, p.tenantId, p.keyId);
  if (r instanceof Promise) return r.then((x) => answer(c, x));
  return answer(c, r);
}

function answer(c: Context<AppEnv>, r: RateRefusal | null): Response | null {
  if (!r) return null;
  return c.json(errorBody('rate_limited', r.message), 429, { 'retry-after': String(r.retryAfterSeconds) });
}
