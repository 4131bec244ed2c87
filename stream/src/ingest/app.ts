import { Hono } from 'hono';
import { apiErrorFromZod, BehaviourEvent, IngestRequest, type ErrorBody, type IngestResponse } from '@vidplat/contracts';
import { ProducerUnavailable, type BehaviourEventProducer } from './event-producer.js';

export interface IngestDeps {
  token: string;
  producer: Pick<BehaviourEventProducer, 'send'>;
  onAccepted?: (n: number) => void;
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
  app.get('/healthz', (c) => c.json({ ok: true }));
  app.post('/ingest/events', async (c) => {
    if (c.req.header('authorization') !== `Bearer ${deps.token}`) {
      return c.json(err('unauthorized', 'missing or wrong ingest token'), 401);
    }
    let body: unknown;
    try {
      body = await c.req.json();
    } catch {
      return c.json(err('invalid_body', 'body is not JSON'), 400);
    }
    const req = IngestRequest.safeParse(body);
    if (!req.success) return c.json({ error: apiErrorFromZod(req.error, 'invalid_body') }, 400);
    const events: BehaviourEvent[] = [];
    for (const [i, raw] of req.data.events.entries()) {
      const ev = BehaviourEvent.safeParse(raw);
      if (!ev.success) return c.json({ error: apiErrorFromZod(ev.error, 'invalid_field', `events.${i}`) }, 400);
      events.push(ev.data);
    }
    try {
      const written = await deps.producer.send(events);
      deps.onAccepted?.(written);
      return c.json({ written } satisfies IngestResponse);
    } catch (e) {
      if (e instanceof ProducerUnavailable) return c.json(err('upstream_unavailable', e.message), 503);
      throw e;
    }
  });
  return app;
}
