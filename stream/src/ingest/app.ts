import { Hono } from 'hono';
import {
  admitEvent,
  apiErrorFromZod,
  IngestRequest,
  type BehaviourEvent,
  type ApiError,
  type ErrorBody,
  type EventTimeRule,
  type IngestResponse,
} from '@vidplat/contracts';
import { ProducerUnavailable, type BehaviourEventProducer } from './event-producer.js';
import type { IngestMetrics } from '../ops/service-metrics.js';

export interface IngestDeps {
  token: string;
  producer: Pick<BehaviourEventProducer, 'send'>;
  /** The door rule's defaults (EVENT_MAX_FUTURE_SKEW_MS, EVENT_HORIZON_DAYS); the request may carry the tenant's horizon. */
  rule: EventTimeRule;
  onAccepted?: (n: number) => void;
  /** Events refused at the door, by error code (a metric). */
  onRejected?: (code: string, n: number) => void;
  now?: () => number;
  /** Prometheus metrics, served at GET /metrics when given. */
  metrics?: IngestMetrics;
}

const err = (code: ErrorBody['error']['code'], message: string, field?: string): ErrorBody => ({
  error: { code, message, ...(field ? { field } : {}) },
});

/**
 * HTTP → Kafka bridge the edge calls with already-validated batches. It validates again with the
 * same contract and door rule (contracts/event-admission; whoever calls), writes the admitted
 * events and answers only after Kafka acknowledged them: 200 = every event durable; 400 with
 * `rejected` (by index, as the edge reports them) = the others were written; 503 = nothing was
 * written, retry the same eventIds.
 */
export function ingestApp(deps: IngestDeps): Hono {
  const app = new Hono();
  const now = deps.now ?? Date.now;
  const m = deps.metrics;
  app.get('/healthz', (c) => c.json({ ok: true }));
  if (m) app.get('/metrics', async (c) => {
    const t = await m.m.text();
    return c.body(t.body, 200, { 'content-type': t.contentType });
  });
  app.post('/ingest/events', async (c) => {
    if (c.req.header('authorization') !== `Bearer ${deps.token}`) {
      m?.batches.inc({ result: 'unauthorized' });
      return c.json(err('unauthorized', 'missing or wrong ingest token'), 401);
    }
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      return c.json(err('invalid_body', 'body is not JSON'), 400);
    }
    const req = IngestRequest.safeParse(body);
    if (!req.success) {
      m?.batches.inc({ result: 'invalid' });
      return c.json({ error: apiErrorFromZod(req.error, 'invalid_body') }, 400);
    }
    const { origin, horizonDays } = req.data;
    const rule: EventTimeRule = { maxFutureSkewMs: deps.rule.maxFutureSkewMs, horizonDays: horizonDays ?? deps.rule.horizonDays };
    const at = now();
    const events: BehaviourEvent[] = [];
    const rejected: { index: number; error: ApiError }[] = [];
    for (const [i, raw] of req.data.events.entries()) {
      const r = admitEvent(raw, i, origin, rule, at);
      if (r.error) rejected.push({ index: i, error: r.error });
      else events.push(r.event);
    }
    for (const r of rejected) deps.onRejected?.(r.error.code, 1);
    if (rejected.length) m?.batches.inc({ result: 'invalid' });
    let written = 0;
    if (events.length) {
      const t0 = performance.now();
      try {
        written = await deps.producer.send(events);
        deps.onAccepted?.(written);
        m?.batches.inc({ result: 'accepted' });
        m?.events.inc(written);
        m?.produceSeconds.observe((performance.now() - t0) / 1000);
      } catch (e) {
        if (e instanceof ProducerUnavailable) {
          m?.batches.inc({ result: 'unavailable' });
          return c.json(err('upstream_unavailable', e.message), 503);
        }
        throw e;
      }
    }
    const result: IngestResponse = { written, rejected };
    if (rejected.length) return c.json({ error: rejected[0]!.error, ...result }, 400);
    return c.json(result);
  });
  return app;
}
