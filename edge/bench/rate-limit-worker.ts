import { DEFAULT_TENANT_LIMITS, type TenantLimits } from '@vidplat/contracts';
import { RateLeases, type LimiterNamespace } from '../src/guardrails/rate-leases.js';
import { takeRate } from '../src/guardrails/rate-limit.js';
export { RateLimiter } from '../src/guardrails/rate-limiter.js';

/**
 * `npm run bench:ratelimit`'s Worker: GET /?mode=… answers 200 (admitted) or 429 after one rate
 * check of the given kind, and nothing else, so the latencies differ only by the check:
 * - none: no check (the baseline);
 * - isolate: the isolate's own token buckets (the limiter before this change);
 * - shared: the tenant's RateLimiter object through this isolate's leases (production);
 * - shared1: leases of one token, i.e. an object call on every request (what a key's first
 *   request after an idle second pays).
 */
const limits: TenantLimits = { ...DEFAULT_TENANT_LIMITS, rate: { ...DEFAULT_TENANT_LIMITS.rate, recommend: { perKey: 1_000_000, perTenant: 1_000_000 } }, burstSeconds: 60 };
const shared = new RateLeases();
const shared1 = new RateLeases(Date.now, 1);
let requests = { shared: 0, shared1: 0 };

export default {
  async fetch(req, env, ctx) {
    const mode = new URL(req.url).searchParams.get('mode');
    const wait = (p: Promise<unknown>) => ctx.waitUntil(p);
    let r;
    if (mode === 'stats') {
      const out = { shared: shared.calls / Math.max(1, requests.shared), shared1: shared1.calls / Math.max(1, requests.shared1) };
      requests = { shared: 0, shared1: 0 };
      shared.calls = shared1.calls = 0;
      return Response.json(out);
    }
    if (mode === 'isolate') r = takeRate(limits, 'recommend', 'bench', 'key');
    else if (mode === 'shared') (requests.shared++, (r = shared.take(env.RATE_LIMITER, limits, 'recommend', 'bench', 'key', wait)));
    else if (mode === 'shared1') (requests.shared1++, (r = shared1.take(env.RATE_LIMITER, limits, 'recommend', 'bench', 'key1', wait)));
    else r = null;
    if (r instanceof Promise) r = await r;
    return new Response(r ? 'limited' : 'ok', { status: r ? 429 : 200 });
  },
} satisfies ExportedHandler<{ RATE_LIMITER: LimiterNamespace }>;
