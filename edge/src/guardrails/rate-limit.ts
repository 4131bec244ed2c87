import type { RateLimitClass, TenantLimits } from '@vidplat/contracts';
import { rateLimited } from '../admin/counters.js';

/**
 * Token buckets for per-tenant and per-key request rates. The same buckets count in two places:
 * in the tenant's RateLimiter Durable Object, which holds the one true count for every isolate
 * (rate-leases.ts takes tokens from it in leases), and in each isolate as the fallback while that
 * object cannot be reached (the limit then holds per isolate, as before the shared limiter).
 */
export class TokenBucket {
  private tokens: number;
  private last: number;
  constructor(
    private rate: number,
    private capacity: number,
    now: number,
  ) {
    this.tokens = capacity;
    this.last = now;
  }
  /** Adopts changed limits (keeps the tokens held, capped at the new capacity). */
  configure(rate: number, capacity: number): void {
    this.rate = rate;
    this.capacity = capacity;
    if (this.tokens > capacity) this.tokens = capacity;
  }
  private refill(now: number): void {
    const elapsed = now - this.last;
    if (elapsed > 0) {
      this.tokens = Math.min(this.capacity, this.tokens + (elapsed * this.rate) / 1000);
      this.last = now;
    }
  }
  /** Whole tokens available now. */
  available(now: number): number {
    this.refill(now);
    return Math.floor(this.tokens);
  }
  /** Takes one token: 0 when granted, else the milliseconds until one is available. */
  take(now: number): number {
    this.refill(now);
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return this.waitMs();
  }
  /** Takes n whole tokens (the caller checked `available`). */
  takeN(n: number): void {
    this.tokens -= n;
  }
  /** Milliseconds until one whole token is available (after a refill at `now`). */
  waitMs(): number {
    return this.tokens >= 1 ? 0 : Math.ceil(((1 - this.tokens) * 1000) / this.rate);
  }
  /** Gives back a token taken by a request refused by another limit (nothing half-counted). */
  refund(n = 1): void {
    this.tokens = Math.min(this.capacity, this.tokens + n);
  }
}

/** Which limited class a request belongs to (null: not limited, e.g. reads other than recommend). */
export function limitClassOf(method: string, path: string): RateLimitClass | null {
  if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') return path === '/v1/recommend' ? 'recommend' : null;
  if (method === 'POST' && path === '/v1/events') return 'events';
  return 'admin_write';
}

export interface RateRefusal {
  scope: 'tenant' | 'key';
  retryAfterSeconds: number;
  message: string;
}

/** Up to `want` tokens taken at once from a key's and its tenant's bucket (a lease). */
export interface Grant {
  granted: number;
  /** When nothing was granted: which limit refused, and when a token is due. */
  scope?: 'tenant' | 'key';
  retryAfterMs?: number;
}

const MAX_BUCKETS = 100_000;

/** Buckets by class, tenant and key. */
export class BucketSet {
  private readonly buckets = new Map<string, TokenBucket>();

  private bucket(key: string, rate: number, burstSeconds: number, now: number): TokenBucket {
    let b = this.buckets.get(key);
    const capacity = Math.max(1, rate * burstSeconds);
    if (!b) {
      if (this.buckets.size >= MAX_BUCKETS) this.buckets.clear(); // a flood of keys only resets the buckets
      this.buckets.set(key, (b = new TokenBucket(rate, capacity, now)));
    } else b.configure(rate, capacity);
    return b;
  }

  /** Takes min(want, what both buckets hold) tokens from both; none when either is empty. */
  grant(limits: TenantLimits, cls: RateLimitClass, tenantId: string, keyId: string, want: number, now: number): Grant {
    const r = limits.rate[cls];
    const key = this.bucket(`k\u0000${cls}\u0000${tenantId}\u0000${keyId}`, r.perKey, limits.burstSeconds, now);
    const tenant = this.bucket(`t\u0000${cls}\u0000${tenantId}`, r.perTenant, limits.burstSeconds, now);
    const k = key.available(now);
    if (k < 1) return { granted: 0, scope: 'key', retryAfterMs: key.waitMs() };
    const t = tenant.available(now);
    if (t < 1) return { granted: 0, scope: 'tenant', retryAfterMs: tenant.waitMs() };
    const granted = Math.max(1, Math.min(want, k, t));
    key.takeN(granted);
    tenant.takeN(granted);
    return { granted };
  }

  clear(): void {
    this.buckets.clear();
  }
}

/** The isolate's own buckets: the fallback while the shared limiter is unreachable. */
const local = new BucketSet();

/** Takes a token from the key's and the tenant's bucket of this isolate; a refusal takes none. */
export function takeRate(limits: TenantLimits, cls: RateLimitClass, tenantId: string, keyId: string, now = Date.now()): RateRefusal | null {
  const g = local.grant(limits, cls, tenantId, keyId, 1, now);
  return g.granted ? null : refusal(limits, cls, g);
}

/** The refusal for a grant of nothing (counted in edge_rate_limited_total). */
export function refusal(limits: TenantLimits, cls: RateLimitClass, g: Grant): RateRefusal {
  const scope = g.scope ?? 'tenant';
  const rate = scope === 'key' ? limits.rate[cls].perKey : limits.rate[cls].perTenant;
  rateLimited.inc([cls, scope]);
  return {
    scope,
    retryAfterSeconds: Math.max(1, Math.ceil((g.retryAfterMs ?? 1000) / 1000)),
    message: `${cls} rate limit of ${rate}/s per ${scope === 'key' ? 'API key' : 'tenant'} exceeded`,
  };
}

/** Tests only: forget every bucket of this isolate. */
export function resetBuckets(): void {
  local.clear();
}
