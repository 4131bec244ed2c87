import { Hono } from 'hono';
import { apiErrorFromZod, BehaviourEvent, EventBatchRequest, type ApiError, type EventBatchResponse } from '@vidplat/contracts';
import { edgeConfig, type AppEnv } from '../env.js';
import { errorBody, sendError } from '../http/errors.js';
import { forwardToIngest, IngestUnavailable } from './ingest-client.js';
import { requireKey } from '../tenancy/auth.js';
import { recordRecentActions } from './recent-actions.js';
import { recommendStore } from '../feature-store/pipeline.js';

/**
 * POST /v1/events (tenant API key): each event is validated on its own. Valid ones go to Kafka through the ingest
 * producer; invalid ones come back by index. 202 when all were accepted, 400 when any was
 * rejected (the body still says how many were accepted), 503 when the ingest path is down
 * (nothing was accepted: retry the whole batch). Accepted events are also written to the feature
 * store as their users' recent actions (recent-actions.ts), read by recommend at once.
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
    try {
      await forwardToIngest(edgeConfig(c.env), valid);
    } catch (e) {
      if (e instanceof IngestUnavailable) {
        return c.json(errorBody('upstream_unavailable', 'event pipeline unavailable, retry the batch'), 503, { 'retry-after': '1' });
      }
      throw e;
    }
    // Only after the ingest acknowledged the batch: the users' next recommend sees these actions.
    // Awaited (one pipelined write, bounded by the feature-store timeout) so a client that got 202
    // reads its own actions; a failure is logged and the answer stays 202 (the events are in Kafka).
    await recordRecentActions(recommendStore(edgeConfig(c.env)), valid);
  }
  const result: EventBatchResponse = { accepted: valid.length, rejected };
  if (rejected.length) {
    return c.json({ ...errorBody('invalid_field', `${rejected.length} of ${batch.data.events.length} events rejected`, rejected[0]!.error.field), ...result }, 400);
  }
  return c.json(result, 202);
});
