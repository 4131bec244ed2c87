import type { RateLimitClass, TenantLimits } from '@vidplat/contracts';
import type { Grant } from './rate-limit.js';

/** A lease request: up to `want` tokens of one class for one key of the tenant. */
export interface LeaseRequest {
  limits: TenantLimits;
  cls: RateLimitClass;
  tenantId: string;
  keyId: string;
  want: number;
}

/**
 * The RPC surface of the RateLimiter Durable Object (one per tenant), as the Worker's binding sees
 * it; env.ts names this interface, not the class.
 */
export interface RateLimiterRpc extends Rpc.DurableObjectBranded {
  lease(req: LeaseRequest): Grant;
}
