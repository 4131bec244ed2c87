import type { Context } from 'hono';
import { admitEvent, apiErrorFromZod, EventBatchBody, EventBatchRequest, EventBatchResponse, type ApiError, type BehaviourEvent, type EventOrigin } from '@vidplat/contracts';
import { edgeConfig, type AppEnv } from '../env.js';
import { errorBody, sendError } from '../http/errors.js';
import { forwardToIngest, IngestUnavailable } from './ingest-client.js';
import { access, ApiRoutes, defineRoute, json, jsonBody } from '../http/api-routes.js';
import { withoutServerOwned } from './server-owned.js';
import { tenantEventPolicy } from '../tenancy/event-policy.js';
import { limitsOf } from '../guardrails/tenant-limits.js';
import { eventsQuota, recordEvents } from '../guardrails/quotas.js';
import { waitUntilOf } from '../tenancy/swr-cache.js';
import { recordRecentActions } from './recent-actions.js';
import { recommendStore } from '../feature-store/pipeline.js';

/**
 * One batch through the door (contracts admitEvent: schema, tenant, internal types, eventTime range
 * for the origin), then to Kafka through the ingest producer, which applies the same rule.
 * Invalid events come back by index; 202 when all were accepted, 400 when any was rejected (the
 * body still says how many were accepted), 503 when the ingest path is down (nothing was
 * accepted: retry the whole batch). Live events the ingest acknowledged are also written to the
 * feature store as their users' recent actions (recent-actions.ts), read by recommend at once.
 */
async function acceptBatch(c: Context<AppEnv>, origin: EventOrigin): Promise<Response> {
  const { tenantId } = c.var.principal;
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    return c.json(errorBody('invalid_body', 'body is not JSON'), 400);
  }
  const batch = EventBatchRequest.safeParse(body);
  if (!batch.success) return sendError(c, 400, apiErrorFromZod(batch.error, 'invalid_body'));

  const cfg = edgeConfig(c.env);
  const policy = await tenantEventPolicy(c.env.CATALOGUE, tenantId, waitUntilOf(c));
  const horizonDays = policy.eventHorizonDays ?? cfg.EVENT_HORIZON_DAYS;
  const rule = { maxFutureSkewMs: cfg.EVENT_MAX_FUTURE_SKEW_MS, horizonDays };
  const now = Date.now();
  const valid: BehaviourEvent[] = [];
  /** Batch index of each valid event, to map the ingest's per-event answer back. */
  const validIndex: number[] = [];
  const rejected: { index: number; error: ApiError }[] = [];
  batch.data.events.forEach((raw, index) => {
    const r = admitEvent(raw, index, origin, rule, now);
    if (r.error) rejected.push({ index, error: r.error });
    // A key writes its own tenant's events only.
    else if (r.event.tenantId !== tenantId) {
      rejected.push({ index, error: { code: 'forbidden', message: `this key belongs to tenant ${tenantId}`, field: `events.${index}.tenantId` } });
    } else {
      valid.push(r.event);
      validIndex.push(index);
    }
  });

  // Catalogue facts (enrol, play start/complete of catalogue content) are counted from the server's
  // own events; a tenant's copies are accepted and not forwarded. Backfilled history passes as is.
  const { forward } = origin === 'tenant' && valid.length ? await withoutServerOwned(c.env.CATALOGUE, tenantId, valid) : { forward: valid };
  const forwardIndex = forward === valid ? validIndex : forward.map((e) => validIndex[valid.indexOf(e)]!);
  let accepted = valid.length;
  /** Batch indexes the ingest refused after the edge admitted them. */
  const refusedByIngest = new Set<number>();
  if (forward.length) {
    // Events-per-day quota: the whole batch or nothing (403 quota_exceeded, nothing forwarded).
    const wu = waitUntilOf(c);
    const over = await eventsQuota(c.env.CATALOGUE, await limitsOf(c.env.CATALOGUE, tenantId, wu), tenantId, forward.length, wu);
    if (over) return sendError(c, 403, over);
    try {
      const res = await forwardToIngest(cfg, forward, 3, { origin, ...(policy.eventHorizonDays ? { horizonDays } : {}) });
      void recordEvents(c.env.CATALOGUE, tenantId, res.written, wu);
      // The ingest refuses what the edge admitted only at a boundary its later clock crossed.
      for (const r of res.rejected) {
        const index = forwardIndex[r.index] ?? r.index;
        refusedByIngest.add(index);
        rejected.push({ index, error: { ...r.error, ...(r.error.field ? { field: r.error.field.replace(/^events\.\d+/, `events.${index}`) } : {}) } });
      }
      accepted = valid.length - res.rejected.length;
      rejected.sort((a, b) => a.index - b.index);
    } catch (e) {
      if (e instanceof IngestUnavailable) {
        return c.json(errorBody('upstream_unavailable', 'event pipeline unavailable, retry the batch'), 503, { 'retry-after': String(e.retryAfterSeconds) });
      }
      throw e;
    }
    // Only after the ingest acknowledged the batch: the users' next recommend sees these actions.
    // Awaited (one pipelined write, bounded by the feature-store timeout) so a client that got 202
    // reads its own actions; a failure is logged and the answer stays 202 (the events are in Kafka).
    // Backfilled history is not a live action.
    if (origin === 'tenant') await recordRecentActions(recommendStore(cfg), refusedByIngest.size ? valid.filter((_, i) => !refusedByIngest.has(validIndex[i]!)) : valid);
  }
  const result: EventBatchResponse = { accepted, rejected };
  if (rejected.length) {
    return c.json({ ...errorBody(rejected[0]!.error.code, `${rejected.length} of ${batch.data.events.length} events rejected`, rejected[0]!.error.field), ...result }, 400);
  }
  return c.json(result, 202);
}

/**
 * POST /v1/events (tenant API key): live events, within [now − the tenant's horizon, now + skew].
 * POST /v1/events/backfill (admin or super key): history back to the raw-event retention, written
 * to events_raw marked `backfill`; the real-time windows skip them and their windows are
 * recomputed offline (stream CLI `recompute-windows`).
 */
const batchRoute = (path: string, acc: ReturnType<typeof access.key>, description: string) =>
  defineRoute({
    method: 'post',
    path,
    tags: ['events'],
    access: acc,
    description,
    request: { body: jsonBody(EventBatchBody, 'each event is validated on its own; valid events are accepted even when others are not') },
    responses: { 202: json(EventBatchResponse, 'every event accepted') },
    // 400: ErrorBody of the first rejection plus `accepted` and `rejected` (by index) of EventBatchResponse.
    errors: [400, 403, 503],
  });

export const eventRoutes = new ApiRoutes()
  .endpoint(batchRoute('/v1/events', access.key(), 'Live events, eventTime within [now − horizon, now + skew]. 400 when any event was rejected (the body still counts the accepted ones); 403 quota_exceeded; 503 when the ingest path is down (retry the whole batch).'), (c) => acceptBatch(c, 'tenant'))
  .endpoint(batchRoute('/v1/events/backfill', access.key('admin', 'super'), 'History back to the raw retention, written to events_raw marked backfill.'), (c) => acceptBatch(c, 'backfill'));
