import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { acceptedEventTimeRange, eventAdmissionError, RAW_EVENTS_RETENTION_DAYS } from './event-admission.js';

const NOW = Date.parse('2026-12-07T12:00:00.000Z');
const rule = { maxFutureSkewMs: 120_000, horizonDays: 7 };
const at = (ms: number) => new Date(ms).toISOString();

describe('event admission (the door rule of the edge and the ingest)', () => {
  it('accepts exactly [now - horizon, now + skew] on the live path and names the field and range outside it', () => {
    const { from, to } = acceptedEventTimeRange(rule, 'tenant', NOW);
    expect([from, to]).toEqual([NOW - 7 * 86_400_000, NOW + 120_000]);
    for (const t of [from, to, NOW]) expect(eventAdmissionError({ type: 'click', eventTime: at(t) }, 'events.0', 'tenant', rule, NOW)).toBeNull();
    for (const t of [from - 1, to + 1, Date.parse('1990-01-01T00:00:00Z'), Date.parse('2035-01-01T00:00:00Z')]) {
      const e = eventAdmissionError({ type: 'click', eventTime: at(t) }, 'events.3', 'tenant', rule, NOW);
      expect(e).toMatchObject({ code: 'event_time_out_of_range', field: 'events.3.eventTime', allowed: { from: at(from), to: at(to) } });
    }
  });

  it('refuses internal types and the backfill marker from tenants; the platform may emit its own types', () => {
    expect(eventAdmissionError({ type: 'schedule', eventTime: at(NOW) }, 'events.2', 'tenant', rule, NOW)).toMatchObject({ code: 'reserved_event_type', field: 'events.2.type' });
    expect(eventAdmissionError({ type: 'schedule', eventTime: at(NOW) }, 'events.2', 'backfill', rule, NOW)?.code).toBe('reserved_event_type');
    expect(eventAdmissionError({ type: 'schedule', eventTime: at(NOW) }, 'events.2', 'platform', rule, NOW)).toBeNull();
    expect(eventAdmissionError({ type: 'click', eventTime: at(NOW), backfill: true }, 'events.0', 'tenant', rule, NOW)?.field).toBe('events.0.backfill');
  });

  it('backfill reaches back to the raw retention (minus a margin) and never into the future; no path admits what events_raw drops', () => {
    const { from, to } = acceptedEventTimeRange(rule, 'backfill', NOW);
    expect(to).toBe(NOW + 120_000);
    expect(from).toBeGreaterThan(NOW - RAW_EVENTS_RETENTION_DAYS * 86_400_000);
    expect(eventAdmissionError({ type: 'click', eventTime: at(NOW - 300 * 86_400_000) }, 'events.0', 'backfill', rule, NOW)).toBeNull();
    // A tenant horizon above the cap is capped as well.
    expect(acceptedEventTimeRange({ ...rule, horizonDays: 10_000 }, 'tenant', NOW).from).toBeGreaterThan(NOW - RAW_EVENTS_RETENTION_DAYS * 86_400_000);
  });

  it('RAW_EVENTS_RETENTION_DAYS is the events_raw TTL of the ClickHouse migration', () => {
    const sql = readFileSync(new URL('../../analytics/migrations/0001_events_raw.sql', import.meta.url), 'utf8');
    expect(sql).toMatch(new RegExp(`TTL toDateTime\\(event_time\\) \\+ INTERVAL ${RAW_EVENTS_RETENTION_DAYS} DAY`));
  });
});
