import type { RateLimitClass, TenantLimits } from '@vidplat/contracts';
import { breaker } from './breaker.js';
import { refusal, takeRate, type Grant, type RateRefusal } from './rate-limit.js';
import type { RateLimiterRpc } from './rate-limiter-rpc.js';
import type { WaitUntil } from '../tenancy/swr-cache.js';

/**
 * Rate limits that hold across isolates: each isolate takes tokens from the tenant's RateLimiter
 * Durable Object in leases and spends them locally, so a request costs no I/O while its lease
 * lasts, and the object sees one call per lease (≈100 ms of the key's rate, 1–100 tokens).
 *
 * Why a Durable Object and not Redis/Upstash counters: an Upstash INCR per request is a REST round
 * trip on every request and is billed per command (the recommend hot path keeps its one
 * feature-store round trip); the Workers Rate Limiting binding cannot take per-tenant limits from
 * tenant configuration and counts per location. A Durable Object is one exact counter per tenant
 * worldwide, and leasing makes its cost per request ≈ 1/lease size of a DO request.
 *
 * Exactness: every admitted request spent a token of the shared buckets, so the isolates together
 * never exceed the limit; tokens leased and left unspent when a lease expires (1 s) are lost, so
 * the error is on the side of refusing slightly early. A refusal from the object is remembered
 * until the token it names is due, so an over-limit flood costs one object call per isolate per
 * Retry-After. While the object cannot be reached (error, 250 ms timeout, breaker open) the
 * isolate's own buckets apply: the limit then holds per isolate, never none.
 */
export const LEASE_SECONDS = 0.1;
export const MAX_LEASE = 100;
export const LEASE_TTL_MS = 1_000;
const LIMITER_TIMEOUT_MS = 250;
const MAX_LEASES = 100_000;

interface Lease {
  tokens: number;
  expiresAt: number;
  /** A refusal from the object stands until then. */
  refusedUntil: number;
  scope?: 'tenant' | 'key';
  refilling: boolean;
}

export type LimiterNamespace = DurableObjectNamespace<RateLimiterRpc>;

/** Tokens asked for per lease: ≈ LEASE_SECONDS of the lower of the key's and the tenant's rates. */
export function leaseSize(limits: TenantLimits, cls: RateLimitClass, maxLease = MAX_LEASE): number {
  const r = limits.rate[cls];
  return Math.min(maxLease, Math.max(1, Math.floor(Math.min(r.perKey, r.perTenant) * LEASE_SECONDS)));
}

/** One isolate's leases (the module keeps one; tests make two to stand for two isolates). */
export class RateLeases {
  private readonly leases = new Map<string, Lease>();
  /** Object calls made (metrics and tests). */
  calls = 0;

  constructor(
    private readonly now: () => number = Date.now,
    /** The largest lease asked for (1: an object call per request, what bench:ratelimit compares). */
    private readonly maxLease = MAX_LEASE,
  ) {}

  /** null when admitted, else the refusal; synchronous while the lease holds tokens. */
  take(ns: LimiterNamespace, limits: TenantLimits, cls: RateLimitClass, tenantId: string, keyId: string, waitUntil?: WaitUntil): RateRefusal | null | Promise<RateRefusal | null> {
    const now = this.now();
    const id = `${cls}\u0000${tenantId}\u0000${keyId}`;
    const l = this.leases.get(id);
    const want = leaseSize(limits, cls, this.maxLease);
    if (l && l.expiresAt > now && l.tokens >= 1) {
      l.tokens--;
      // Ask for the next lease in the background before this one runs out.
      if (waitUntil && !l.refilling && l.tokens < want / 2) {
        l.refilling = true;
        waitUntil(
          this.lease(ns, limits, cls, tenantId, keyId, want)
            .then((g) => this.apply(id, g, this.now()))
            .catch(() => undefined)
            .finally(() => (l.refilling = false)),
        );
      }
      return null;
    }
    if (l && l.refusedUntil > now) return refusal(limits, cls, { granted: 0, scope: l.scope, retryAfterMs: l.refusedUntil - now });
    return this.lease(ns, limits, cls, tenantId, keyId, want).then(
      (g) => {
        const lease = this.apply(id, g, this.now());
        if (!g.granted) return refusal(limits, cls, g);
        lease.tokens--;
        return null;
      },
      // The shared limiter is unreachable: this isolate's own buckets decide.
      () => takeRate(limits, cls, tenantId, keyId),
    );
  }

  private apply(id: string, g: Grant, now: number): Lease {
    let l = this.leases.get(id);
    if (!l) {
      if (this.leases.size >= MAX_LEASES) this.leases.clear();
      this.leases.set(id, (l = { tokens: 0, expiresAt: 0, refusedUntil: 0, refilling: false }));
    }
    if (g.granted) {
      l.tokens = (l.expiresAt > now ? l.tokens : 0) + g.granted;
      l.expiresAt = now + LEASE_TTL_MS;
      l.refusedUntil = 0;
    } else {
      l.refusedUntil = now + Math.max(1, g.retryAfterMs ?? 1000);
      l.scope = g.scope;
    }
    return l;
  }

  private lease(ns: LimiterNamespace, limits: TenantLimits, cls: RateLimitClass, tenantId: string, keyId: string, want: number): Promise<Grant> {
    this.calls++;
    return limiterBreaker().run(async () => {
      const stub = ns.get(ns.idFromName(tenantId));
      let timer: ReturnType<typeof setTimeout> | undefined;
      const timeout = new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`rate limiter did not answer within ${LIMITER_TIMEOUT_MS} ms`)), LIMITER_TIMEOUT_MS);
      });
      try {
        return await Promise.race([stub.lease({ limits, cls, tenantId, keyId, want }) as Promise<Grant>, timeout]);
      } finally {
        clearTimeout(timer);
      }
    });
  }

  clear(): void {
    this.leases.clear();
  }
}

const limiterBreaker = () => breaker('rate_limiter', { failures: 3, openMs: 5_000 });

/** This isolate's leases. */
export const isolateLeases = new RateLeases();
