import { Hono } from 'hono';
import { apiErrorFromZod, BehaviourEvent, EventBatchRequest, type ApiError, type EventBatchResponse } from '@vidplat/contracts';
import { edgeConfig, type AppEnv } from '../env.js';
import { errorBody, sendError } from '../http/errors.js';
import { forwardToIngest, IngestUnavailable } from './ingest-client.js';
import { requireKey } from '../tenancy/auth.js';
import { limitsOf } from '../guardrails/tenant-limits.js';
import { eventsQuota, recordEvents } from '../guardrails/quotas.js';
import { waitUntilOf } from '../tenancy/swr-cache.js';

/**
 * POST /v1/events (tenant API key): each event is validated on its own. Valid ones go to Kafka through the ingest
 * producer; invalid ones come back by index. 202 when all were accepted, 400 when any was
 * rejected (the body still says how many were accepted), 503 when the ingest path is down
 * (nothing was accepted: retry the whole batch).
 */
export const eventRoutes = new Hono<AppEnv>().post('/v1/events', requireKey(), async (c) => {
  const { tenantId } = c.var.principal;
  let body: unknown;
  try {
    body = await c.req.json();
  } catch {
    return c.json(errorBody('invalid_body', 'body is not JSON'), 400);
  }
  const batch = EventBatchRequest.safeParse(body);
  if (!batch.success) return sendError(c, 400, apiErrorFromZod(batch.error, 'invalid_body'));

  const valid: BehaviourEvent[] = [];
  const rejected: { index: number; error: ApiError }[] = [];
  batch.data.events.forEach((raw, index) => {
    const r = BehaviourEvent.safeParse(raw);
    if (!r.success) rejected.push({ index, error: apiErrorFromZod(r.error, 'invalid_field', `events.${index}`) });
    // A key writes its own tenant's events only.
    else if (r.data.tenantId !== tenantId) {
      rejected.push({ index, error: { code: 'forbidden', message: `this key belongs to tenant ${tenantId}`, field: `events.${index}.tenantId` } });
    } else valid.push(r.data);
  });

  if (valid.length) {
    // Events-per-day quota: the whole batch or nothing (403 quota_exceeded, nothing forwarded).
    const wu = waitUntilOf(c);
    const over = await eventsQuota(c.env.CATALOGUE, await limitsOf(c.env.CATALOGUE, tenantId, wu), tenantId, valid.length, wu);
    if (over) return sendError(c, 403, over);
    try {
      await forwardToIngest(edgeConfig(c.env), valid);
      void recordEvents(c.env.CATALOGUE, tenantId, valid.length, wu);
    } catch (e) {
      if (e instanceof IngestUnavailable) {
        return c.json(errorBody('upstream_unavailable', 'event pipeline unavailable, retry the batch'), 503, { 'retry-after': String(e.retryAfterSeconds) });
      }
      throw e;
    }
  }
  const result: EventBatchResponse = { accepted: valid.length, rejected };
  if (rejected.length) {
    return c.json({ ...errorBody('invalid_field', `${rejected.length} of ${batch.data.events.length} events rejected`, rejected[0]!.error.field), ...result }, 400);
  }
  return c.json(result, 202);
});
