import { DurableObject } from 'cloudflare:workers';
import type { Bindings } from '../env.js';
import { BucketSet, type Grant } from './rate-limit.js';
import type { LeaseRequest, RateLimiterRpc } from './rate-limiter-rpc.js';

/**
 * The one count of a tenant's request rates across every isolate and location: one object per
 * tenant (idFromName(tenantId)) holding its key and tenant token buckets in memory. Isolates take
 * tokens from it in leases (rate-leases.ts), so it sees one call per lease, not per request.
 * Nothing is stored: an evicted object starts with full buckets, i.e. at most one extra burst.
 */
export class RateLimiter extends DurableObject<Bindings> implements RateLimiterRpc {
  private readonly buckets = new BucketSet();

  lease(req: LeaseRequest): Grant {
    return this.buckets.grant(req.limits, req.cls, req.tenantId, req.keyId, req.want, Date.now());
  }
}
