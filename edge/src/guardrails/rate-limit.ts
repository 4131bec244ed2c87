import type { RateLimitClass, TenantLimits } from '@vidplat/contracts';
import { rateLimited } from '../admin/counters.js';

/**
 * Per-tenant and per-key request rates, enforced in the isolate with token buckets: no I/O on the
 * request path (the recommend hot path keeps its one feature-store round trip), limits from the
 * tenant's configuration (tenant-limits.ts, cached). Chosen over the Workers Rate Limiting binding
 * because the binding's limit and period are fixed per binding in wrangler.toml, so per-tenant
 * limits set through the tenant API cannot be expressed with it; and over a Durable Object
 * limiter on the request path because that is a round trip per request.
 * Each isolate enforces the limit on the traffic it sees: locally (one `wrangler dev` isolate)
 * the limit is exact; in production a tenant spread over many isolates can exceed it by the
 * number of isolates serving it at once (see README: the per-tenant DO aggregation is the next step).
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
  /** Takes one token: 0 when granted, else the milliseconds until one is available. */
  take(now: number): number {
    const elapsed = now - this.last;
    if (elapsed > 0) {
      this.tokens = Math.min(this.capacity, this.tokens + (elapsed * this.rate) / 1000);
      this.last = now;
    }
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return 0;
    }
    return Math.ceil(((1 - this.tokens) * 1000) / this.rate);
  }
  /** Gives back a token taken by a request refused by another limit (nothing half-counted). */
  refund(): void {
    this.tokens = Math.min(this.capacity, this.tokens + 1);
  }
}

const MAX_BUCKETS = 100_000;
const buckets = new Map<string, TokenBucket>();

function bucket(key: string, rate: number, burstSeconds: number, now: number): TokenBucket {
  let b = buckets.get(key);
  const capacity = Math.max(1, rate * burstSeconds);
  if (!b) {
    if (buckets.size >= MAX_BUCKETS) buckets.clear(); // a flood of keys only resets the buckets
    buckets.set(key, (b = new TokenBucket(rate, capacity, now)));
  } else b.configure(rate, capacity);
  return b;
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

/** Takes a token from the key's and the tenant's bucket for the class; a refusal takes none. */
export function takeRate(limits: TenantLimits, cls: RateLimitClass, tenantId: string, keyId: string, now = Date.now()): RateRefusal | null {
  const r = limits.rate[cls];
  const keyBucket = bucket(`k\u0000${cls}\u0000${keyId}`, r.perKey, limits.burstSeconds, now);
  const waitKey = keyBucket.take(now);
  if (waitKey) return refuse('key', cls, waitKey, r.perKey);
  const tenantBucket = bucket(`t\u0000${cls}\u0000${tenantId}`, r.perTenant, limits.burstSeconds, now);
  const waitTenant = tenantBucket.take(now);
  if (waitTenant) {
    keyBucket.refund();
    return refuse('tenant', cls, waitTenant, r.perTenant);
  }
  return null;
}

function refuse(scope: 'tenant' | 'key', cls: RateLimitClass, waitMs: number, rate: number): RateRefusal {
  rateLimited.inc([cls, scope]);
  return { scope, retryAfterSeconds: Math.max(1, Math.ceil(waitMs / 1000)), message: `${cls} rate limit of ${rate}/s per ${scope === 'key' ? 'API key' : 'tenant'} exceeded` };
}

/** Tests only: forget every bucket. */
export function resetBuckets(): void {
  buckets.clear();
}
