import { describe, expect, it } from 'vitest';
import { SCHEMA_VERSION, uuidv7, type BehaviourEvent } from '@vidplat/contracts';
import { ingestApp } from './app.js';
import { ProducerUnavailable } from './event-producer.js';

const token = 'ingest-test-token-0123456789';
const ev = () => ({ eventId: uuidv7(), tenantId: 't1', eventTime: new Date().toISOString(), schemaVersion: SCHEMA_VERSION, userId: 'u1', itemId: 'v1', type: 'like' });

function app(send: (e: BehaviourEvent[]) => Promise<number>) {
  return ingestApp({ token, producer: { send } });
}
const req = (body: unknown, auth = `Bearer ${token}`) =>
  new Request('http://ingest/ingest/events', { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify(body) });

describe('ingest HTTP contract', () => {
  it('hands validated events to the producer and reports how many Kafka acknowledged', async () => {
    const seen: BehaviourEvent[] = [];
    const res = await app(async (e) => (seen.push(...e), e.length)).fetch(req({ events: [ev(), ev()] }));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ written: 2 });
    expect(seen.map((e) => e.type)).toEqual(['like', 'like']);
  });

  it('refuses a missing token and an invalid event (naming it) without producing anything', async () => {
    let calls = 0;
    const a = app(async (e) => (calls++, e.length));
    expect((await a.fetch(req({ events: [ev()] }, 'Bearer wrong'))).status).toBe(401);
    const bad = await a.fetch(req({ events: [ev(), { ...ev(), itemId: '' }] }));
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { field: string } }).error.field).toBe('events.1.itemId');
    expect(calls).toBe(0);
  });

  it('answers 503 when Kafka does not acknowledge, so the caller retries the same eventIds', async () => {
    const res = await app(async () => {
      throw new ProducerUnavailable('broker down');
    }).fetch(req({ events: [ev()] }));
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('upstream_unavailable');
  });
});
