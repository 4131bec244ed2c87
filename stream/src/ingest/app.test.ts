import { describe, expect, it } from 'vitest';
import { SCHEMA_VERSION, uuidv7, type BehaviourEvent, type ErrorBody, type IngestResponse } from '@vidplat/contracts';
import { ingestApp } from './app.js';
import { ProducerUnavailable } from './event-producer.js';

const token = 'ingest-test-token-0123456789';
const NOW = Date.parse('2026-12-07T12:00:00.000Z');
const at = (ms: number) => new Date(ms).toISOString();
const ev = (eventTime = at(NOW)) => ({ eventId: uuidv7(), tenantId: 't1', eventTime, schemaVersion: SCHEMA_VERSION, userId: 'u1', itemId: 'v1', type: 'like' });
const rule = { maxFutureSkewMs: 120_000, horizonDays: 7 };

function app(send: (e: BehaviourEvent[]) => Promise<number>) {
  return ingestApp({ token, producer: { send }, rule, now: () => NOW });
}
const req = (body: unknown, auth = `Bearer ${token}`) =>
  new Request('http://ingest/ingest/events', { method: 'POST', headers: { authorization: auth, 'content-type': 'application/json' }, body: JSON.stringify(body) });
type Body = ErrorBody & IngestResponse;

describe('ingest HTTP contract', () => {
  it('hands validated events to the producer and reports how many Kafka acknowledged', async () => {
    const seen: BehaviourEvent[] = [];
    const res = await app(async (e) => (seen.push(...e), e.length)).fetch(req({ events: [ev(), ev()] }));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ written: 2, rejected: [] });
    expect(seen.map((e) => e.type)).toEqual(['like', 'like']);
  });

  it('refuses a missing token; an invalid event is named by index and the rest is still written', async () => {
    const seen: BehaviourEvent[] = [];
    const a = app(async (e) => (seen.push(...e), e.length));
    expect((await a.fetch(req({ events: [ev()] }, 'Bearer wrong'))).status).toBe(401);
    expect(seen).toHaveLength(0);
    const bad = await a.fetch(req({ events: [ev(), { ...ev(), itemId: '' }] }));
    expect(bad.status).toBe(400);
    const body = (await bad.json()) as Body;
    expect(body.error.field).toBe('events.1.itemId');
    expect(body.written).toBe(1);
    expect(body.rejected.map((r) => r.index)).toEqual([1]);
    expect(seen).toHaveLength(1);
  });

  it('applies the door rule the edge applies: skew, horizon (the tenant one when given), internal types, backfill marker', async () => {
    const seen: BehaviourEvent[] = [];
    const a = app(async (e) => (seen.push(...e), e.length));
    const events = [
      ev(at(NOW + 120_000)), // 0: at the skew limit
      ev(at(NOW + 120_001)), // 1: past it
      ev(at(NOW - 7 * 86_400_000)), // 2: at the horizon
      ev(at(NOW - 7 * 86_400_000 - 1)), // 3: past it
      { ...ev(), type: 'schedule', userId: 'system.scheduler', scheduleId: uuidv7(), occurrence: 0, action: 'publish', contentKind: 'video', contentId: 'v1', actor: 'alarm' }, // 4
      { ...ev(), backfill: true }, // 5
    ];
    const res = await a.fetch(req({ events }));
    expect(res.status).toBe(400);
    const body = (await res.json()) as Body;
    expect(body.written).toBe(2);
    expect(body.rejected.map((r) => [r.index, r.error.code, r.error.field])).toEqual([
      [1, 'event_time_out_of_range', 'events.1.eventTime'],
      [3, 'event_time_out_of_range', 'events.3.eventTime'],
      [4, 'reserved_event_type', 'events.4.type'],
      [5, 'invalid_field', 'events.5.backfill'],
    ]);
    expect(body.rejected[0]!.error.allowed).toEqual({ from: at(NOW - 7 * 86_400_000), to: at(NOW + 120_000) });
    expect(seen.map((e) => e.eventTime)).toEqual([events[0]!.eventTime, events[2]!.eventTime]);

    // The tenant's own horizon (sent by the edge), and the platform's own schedule events.
    seen.length = 0;
    const r2 = await a.fetch(req({ events: [ev(at(NOW - 20 * 86_400_000))], horizonDays: 30 }));
    expect(r2.status).toBe(200);
    const r3 = await a.fetch(req({ events: [events[4]], origin: 'platform' }));
    expect(r3.status).toBe(200);
    expect(seen.map((e) => e.type)).toEqual(['like', 'schedule']);
  });

  it('backfill: history within the raw retention is written marked, the future and what events_raw would drop are refused', async () => {
    const seen: BehaviourEvent[] = [];
    const a = app(async (e) => (seen.push(...e), e.length));
    const res = await a.fetch(req({ origin: 'backfill', events: [ev(at(NOW - 200 * 86_400_000)), ev('1990-01-01T00:00:00.000Z'), ev(at(NOW + 180_000))] }));
    expect(res.status).toBe(400);
    const body = (await res.json()) as Body;
    expect(body.rejected.map((r) => [r.index, r.error.code])).toEqual([
      [1, 'event_time_out_of_range'],
      [2, 'event_time_out_of_range'],
    ]);
    expect(seen).toHaveLength(1);
    expect(seen[0]!.backfill).toBe(true);
  });

  it('answers 503 when Kafka does not acknowledge, so the caller retries the same eventIds', async () => {
    const res = await app(async () => {
      throw new ProducerUnavailable('broker down');
    }).fetch(req({ events: [ev()] }));
    expect(res.status).toBe(503);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('upstream_unavailable');
  });
});
