import { Hono } from 'hono';
import { app } from '../src/app.js';
import type { AppEnv, Bindings } from '../src/env.js';
import { onError } from '../src/http/errors.js';
import { requestMetrics } from '../src/admin/request-metrics.js';
import { requireKey } from '../src/tenancy/auth.js';
import { refreshHold } from '../src/tenancy/swr-cache.js';
import { floorRecommend } from './floor.js';
// Every Durable Object class of the production Worker (wrangler refuses a bundle missing one).
export * from '../src/index.js';

/**
 * The benchmarks' Worker (`npm run bench:edge` bundles this entry with the root wrangler.toml):
 * the production app unchanged, plus what only a benchmark needs, so none of it ships:
 * - GET /v1/recommend/hello: Hono hello-world behind the app's request metrics, the baseline
 *   for what the runtime costs;
 * - GET /v1/recommend/floor: the work every recommend request must do, without the pipeline;
 * - BENCH_FREEZE_REFRESH=1: isolate caches are never refreshed once filled (tenancy/swr-cache.ts).
 */
type BenchBindings = Bindings & { BENCH_FREEZE_REFRESH?: string };

const benchRoutes = new Hono<AppEnv>()
  .use('*', requestMetrics)
  .get('/v1/recommend/hello', (c) => c.text('Hello Hono!'))
  .get('/v1/recommend/floor', requireKey(), floorRecommend);
benchRoutes.onError(onError);

export default {
  fetch(request, env, ctx) {
    if (env.BENCH_FREEZE_REFRESH === '1') refreshHold.frozen = true;
    // Every other request goes to the production app as it is, so the measured path is routed
    // exactly as in production (a substring test costs nothing next to a router).
    const url = request.url;
    return url.includes('/v1/recommend/hello') || url.includes('/v1/recommend/floor') ? benchRoutes.fetch(request, env, ctx) : app.fetch(request, env, ctx);
  },
} satisfies ExportedHandler<BenchBindings>;
