import { createMiddleware } from 'hono/factory';
import { apiErrorFromZod, RecommendQuery, RecommendResponse, SCHEMA_VERSION, uuidv7, type BehaviourEvent } from '@vidplat/contracts';
import { edgeConfig, type AppEnv } from '../env.js';
import { errorBody, sendError } from '../http/errors.js';
import { forwardToIngest } from '../events/ingest-client.js';
import { access, ApiRoutes, defineRoute, json } from '../http/api-routes.js';
import { waitUntilOf, type WaitUntil } from '../tenancy/swr-cache.js';
import { cachedScenario, freshScenario } from '../scenarios/store.js';
import { cachedRunningExperiment, freshRunningExperiment } from '../experiments/store.js';
import { applyOverrides, assignVariant } from '../experiments/assignment.js';
import { FeatureStoreDown, runPipeline } from './pipeline.js';
import { recommendStore } from '../feature-store/pipeline.js';
import { plainRecommendQuery } from './query.js';
import { FILTER_WIDENING, matching, recommendFilter } from './attribute-filter.js';
import { entitlements } from './entitlement.js';
import { degradedAnswers } from '../admin/counters.js';

const degradedCount = degradedAnswers.series(['recommend', 'feature-store']);
import { hiddenForRequest, publishStatesOf, viewerOf } from '../content/visibility.js';
import { pinSlots, slotsOf } from '../content/pinned-slots.js';
import { answerArms, exposureEvents, type ServedArm } from '../content/exposures.js';

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

const recommendRoute = defineRoute({
  method: 'get',
  path: '/v1/recommend',
  tags: ['recommend'],
  access: access.keyOrUserToken(),
  description: "The scenario's pipeline with the A/B variant applied. Another tenant is a 404; a server key names a user only with act_as_user (403 act_as_user_required).",
  // Server-Timing app;dur= is the Worker's wall time from before auth to the response (I/O waits
  // included; workerd's clock only moves across I/O): bench:edge splits its latency tail with it.
  middleware: [serverTiming],
  request: { query: RecommendQuery },
  responses: { 200: json(RecommendResponse) },
  errors: [400, 404, 503],
});

export const recommendRoutes = new ApiRoutes()
  .endpoint(recommendRoute, async (c) => {
    const raw = c.req.query();
    let query = plainRecommendQuery(raw);
    if (!query) {
      const q = RecommendQuery.safeParse(raw);
      if (!q.success) return sendError(c, 400, apiErrorFromZod(q.error, 'invalid_query'));
      query = q.data;
    }
    const { tenant, scenario, user, debug } = query;
    let { n } = query;
    const p = c.var.principal;
    // Not "forbidden": whether another tenant exists is none of this key's business.
    if (p.tenantId !== tenant) return c.json(errorBody('not_found', `unknown tenant ${tenant}`, 'tenant'), 404);
    // A personal key or an end-user token recommends for its own user; a server key names any
    // user only with the act_as_user permission.
    if (p.boundUser) {
      if (p.boundUser !== user) return c.json(errorBody('forbidden', 'a personal key or end-user token recommends for its own user only', 'user'), 403);
    } else if (!p.actAsUser) {
      return c.json(errorBody('act_as_user_required', 'recommending for a user needs a key with the act_as_user permission, or the end user\'s token', 'user'), 403);
    }
    // Item attribute filter (`filter=price<20;language=en`): rank a wider list, keep the matches.
    const filter = await recommendFilter(c.env.CATALOGUE, tenant, raw.filter);
    if (filter && !Array.isArray(filter)) return sendError(c, 400, filter);
    const wanted = n;
    if (filter) n = Math.min(200, n * FILTER_WIDENING);
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
      if (out.degraded) degradedCount.n++;
      if (filter) {
        const keep = await matching(c.env.CATALOGUE, tenant, out.items.map((i) => i.itemId), filter);
        out.items = out.items.filter((i) => keep.has(i.itemId)).slice(0, wanted);
      }
      // Recommendation slots: live pinned items at their positions (content/pinned-slots.ts).
      const live = slotsOf(c.env.CATALOGUE, tenant, scenario, () => (waitUntil ??= waitUntilOf(c)));
      const slots = live instanceof Promise ? await live : live;
      // A/B publish arms of what this answer serves (exposures below); only when some state hides something.
      let arms: Map<string, ServedArm & { contentId?: string }> | undefined;
      if (slots.length || hidden) {
        const states = await publishStatesOf(c.env.CATALOGUE, tenant, waitUntil);
        if (slots.length) {
          const t0 = performance.now();
          // What this user may not be pinned: items the visibility rule hides, the user's dislikes and
          // hides (issue 18: they never return), and, with `filter=`, slot items that do not match it.
          const notPinned = new Set<string>([...(hidden ?? []), ...out.turnedDown]);
          if (filter) {
            const slotIds = [...new Set(slots.map((s) => s.itemId))];
            const ok = await matching(c.env.CATALOGUE, tenant, slotIds, filter);
            for (const id of slotIds) if (!ok.has(id)) notPinned.add(id);
          }
          const r = pinSlots(out.items, slots, wanted, viewerOf(c, user), states, notPinned, (sl, score) => ({ itemId: sl.itemId, score, channels: ['slot'] }));
          out.items = r.items;
          for (const p of r.placed) if (p.arm) (arms ??= new Map()).set(p.itemId, { ...p.arm, contentId: p.slotId });
          if (debug) out.traces.push({ stage: 'slots', ms: performance.now() - t0, candidates: r.placed.length, note: `${r.placed.length} of ${slots.length} live slots placed${r.placed.length ? `: ${r.placed.map((p) => `${p.slotId}@${p.position + 1}`).join(', ')}` : ''}` });
        }
        if (hidden) for (const [id, arm] of answerArms(states, out.items, user)) (arms ??= new Map()).set(id, arm);
      }
      if (cfg.rerank.entitlement) {
        const ent = await entitlements(c.env.CATALOGUE, tenant, user, out.items.map((i) => i.itemId), new Date().toISOString());
        out.items =
          cfg.rerank.entitlement === 'filter'
            ? out.items.filter((i) => ent.get(i.itemId) !== false)
            : out.items.map((i) => (ent.has(i.itemId) ? { ...i, entitled: ent.get(i.itemId)! } : i));
      }
      const body: RecommendResponse = {
        requestId,
        tenant,
        scenario,
        user,
        items: out.items,
        snapshotVersion: out.snapshotVersion,
        model: out.model,
        ...(exp && variant ? { experiment: { id: exp.experimentId, variant: variant.name } } : {}),
        // Degraded (feature store unreachable): flagged, with the reason in the traces even without debug=1.
        ...(out.degraded ? { degraded: true } : {}),
        ...(debug || out.degraded ? { debug: out.traces } : {}),
      };
      // A/B publish exposures: the served variant's content with its publish experiment (content/exposures.ts).
      const abEvents = arms
        ? exposureEvents(
            tenant,
            user,
            out.items.flatMap((it, position) => {
              const a = arms!.get(it.itemId);
              return a ? [{ contentId: a.contentId ?? it.itemId, arm: { id: a.id, variant: a.variant }, scenario, position, requestId }] : [];
            }),
          )
        : [];
      if (abEvents.length) {
        const send = forwardToIngest(cfgEnv, abEvents).catch((e) => console.warn('A/B publish exposure not delivered', e instanceof Error ? e.message : String(e)));
        try {
          c.executionCtx.waitUntil(send);
        } catch {
          await send;
        }
      }
      if (exp && variant && out.items.length) {
        // Exposure: what this arm served, on the event path, so analytics can join outcomes.
        const eventTime = new Date().toISOString();
        // Items exposed under an A/B publish above carry that experiment instead (one impression per item).
        const events: BehaviourEvent[] = out.items.flatMap((it, position) => (arms?.has(it.itemId) ? [] : [{
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
        } satisfies BehaviourEvent]));
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
      // A cold isolate with nothing cached for this scenario: nothing to serve from.
      return sendError(c, 503, { code: 'upstream_unavailable', message: 'feature store unavailable' }, { 'retry-after': String(e.retryAfterSeconds) });
    }
  });
