import { Hono } from 'hono';
import { apiErrorFromZod, BehaviourEvent, IngestRequest, type ErrorBody, type IngestResponse } from '@vidplat/contracts';
import { ProducerUnavailable, type BehaviourEventProducer } from './event-producer.js';
import type { IngestMetrics } from '../ops/service-metrics.js';

export interface IngestDeps {
  token: string;
  producer: Pick<BehaviourEventProducer, 'send'>;
  onAccepted?: (n: number) => void;
  /** Prometheus metrics, served at GET /metrics when given. */
  metrics?: IngestMetrics;
}

const err = (code: ErrorBody['error']['code'], message: string, field?: string): ErrorBody => ({
  error: { code, message, ...(field ? { field } : {}) },
});

/**
 * HTTP → Kafka bridge the edge calls with already-validated batches. It validates again (the
 * contract is the boundary, whoever calls) and answers only after Kafka acknowledged every event,
 * so a 200 means durable and a 503 means "retry the same eventIds".
 */
export function ingestApp(deps: IngestDeps): Hono {
  const app = new Hono();
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
    const events: BehaviourEvent[] = [];
    for (const [i, raw] of req.data.events.entries()) {
      const ev = BehaviourEvent.safeParse(raw);
      if (!ev.success) {
        m?.batches.inc({ result: 'invalid' });
        return c.json({ error: apiErrorFromZod(ev.error, 'invalid_field', `events.${i}`) }, 400);
      }
      events.push(ev.data);
    }
    const t0 = performance.now();
    try {
      const written = await deps.producer.send(events);
      deps.onAccepted?.(written);
      m?.batches.inc({ result: 'accepted' });
      m?.events.inc(written);
      m?.produceSeconds.observe((performance.now() - t0) / 1000);
      return c.json({ written } satisfies IngestResponse);
    } catch (e) {
      if (e instanceof ProducerUnavailable) {
        m?.batches.inc({ result: 'unavailable' });
        return c.json(err('upstream_unavailable', e.message), 503);
      }
      throw e;
    }
  });
  return app;
}
