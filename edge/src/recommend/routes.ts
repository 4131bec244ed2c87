import { Hono } from 'hono';
import { createMiddleware } from 'hono/factory';
import { apiErrorFromZod, RecommendQuery, SCHEMA_VERSION, uuidv7, type BehaviourEvent, type RecommendResponse } from '@vidplat/contracts';
import { edgeConfig, type AppEnv } from '../env.js';
import { errorBody, sendError } from '../http/errors.js';
import { forwardToIngest } from '../events/ingest-client.js';
import { requireKey } from '../tenancy/auth.js';
import { refreshHold, waitUntilOf, type WaitUntil } from '../tenancy/swr-cache.js';
import { cachedScenario, freshScenario } from '../scenarios/store.js';
import { cachedRunningExperiment, freshRunningExperiment } from '../experiments/store.js';
import { applyOverrides, assignVariant } from '../experiments/assignment.js';
import { FeatureStoreDown, runPipeline } from './pipeline.js';
import { recommendStore } from '../feature-store/pipeline.js';
import { plainRecommendQuery } from './query.js';
import { floorRecommend } from './floor.js';
import { hiddenForRequest } from '../content/visibility.js';

/**
 * GET /v1/recommend (tenant API key): the scenario's full pipeline (recall → merge → rank →
 * re-rank) with the A/B variant applied, for the key's own tenant only — another tenant's name is
 * a 404, so a key never learns whether another tenant exists, let alone reads its data.
 */
const serverTiming = createMiddleware<AppEnv>(async (c, next) => {
  const t0 = performance.now();
  await next();
  c.res.headers.set('server-timing', `app;dur=${(performance.now() - t0).toFixed(2)}`);
});

export const recommendRoutes = new Hono<AppEnv>()
  // Hono hello-world on the same Worker: the benchmark's baseline for what the runtime costs.
  .get('/v1/recommend/hello', (c) => c.text('Hello Hono!'))
  // Bench-only (binding BENCH_FLOOR_ROUTE=1, else 404): the work every recommend request must do, without the pipeline.
  .get('/v1/recommend/floor', requireKey(), floorRecommend)
  // Server-Timing app;dur= is the Worker's wall time from before auth to the response (I/O waits
  // included; workerd's clock only moves across I/O): bench:edge splits its latency tail with it.
  .get('/v1/recommend', serverTiming, requireKey(), async (c) => {
    if (c.env.BENCH_FREEZE_REFRESH === '1') refreshHold.frozen = true;
    const raw = c.req.query();
    let query = plainRecommendQuery(raw);
    if (!query) {
      const q = RecommendQuery.safeParse(raw);
      if (!q.success) return sendError(c, 400, apiErrorFromZod(q.error, 'invalid_query'));
      query = q.data;
    }
    const { tenant, scenario, user, n, debug } = query;
    const p = c.var.principal;
    // Not "forbidden": whether another tenant exists is none of this key's business.
    if (p.tenantId !== tenant) return c.json(errorBody('not_found', `unknown tenant ${tenant}`, 'tenant'), 404);
    if (p.userId && p.userId !== user) return c.json(errorBody('forbidden', 'a personal key recommends for its own user only', 'user'), 403);
    // Fresh cache entries without a promise (the common case); else the refresh-ahead lookups.
    const now = Date.now();
    let waitUntil: WaitUntil | undefined;
    const base = freshScenario(tenant, scenario, now) ?? (await cachedScenario(c.env.CATALOGUE, tenant, scenario, now, (waitUntil ??= waitUntilOf(c))));
    if (!base) return c.json(errorBody('not_found', `unknown scenario ${scenario}`, 'scenario'), 404);

    const exp = freshRunningExperiment(tenant, scenario, now) ?? (await cachedRunningExperiment(c.env.CATALOGUE, tenant, scenario, Date.now(), (waitUntil ??= waitUntilOf(c))));
    const variant = exp ? assignVariant(exp, user) : null;
    const cfg = variant ? applyOverrides(base, variant.overrides) : base;
    const cfgEnv = edgeConfig(c.env);
    const requestId = uuidv7();
    const hidden = await hiddenForRequest(c, tenant, user);
    try {
      const out = await runPipeline(recommendStore(cfgEnv), c.env.MODELS, { tenant, scenario, user, n, cfg, nowMs: Date.now(), debug: !!debug, hidden });
      const body: RecommendResponse = {
        requestId,
        tenant,
        scenario,
        user,
        items: out.items,
        snapshotVersion: out.snapshotVersion,
        model: out.model,
        ...(exp && variant ? { experiment: { id: exp.experimentId, variant: variant.name } } : {}),
        ...(debug ? { debug: out.traces } : {}),
      };
      if (exp && variant && out.items.length) {
        // Exposure: what this arm served, on the event path, so analytics can join outcomes.
        const eventTime = new Date().toISOString();
        const events: BehaviourEvent[] = out.items.map((it, position) => ({
          eventId: uuidv7(),
          tenantId: tenant,
          eventTime,
          schemaVersion: SCHEMA_VERSION,
          type: 'impression',
          userId: user,
          itemId: it.itemId,
          scenario,
          requestId,
          position,
          experiment: { id: exp.experimentId, variant: variant.name },
        }));
        const send = forwardToIngest(cfgEnv, events).catch((e) => console.warn('exposure not delivered', exp.experimentId, e instanceof Error ? e.message : String(e)));
        try {
          c.executionCtx.waitUntil(send);
        } catch {
          await send; // no execution context (some test harnesses): deliver inline
        }
      }
      return c.json(body);
    } catch (e) {
      if (!(e instanceof FeatureStoreDown)) throw e;
      return sendError(c, 503, { code: 'upstream_unavailable', message: 'feature store unavailable' }, { 'retry-after': '1' });
    }
  });
