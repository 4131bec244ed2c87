import { describe, expect, inject, it } from 'vitest';
import { SCHEMA_VERSION, uuidv7 } from '@vidplat/contracts';
import type {} from '@vidplat/devstack/vitest-global-setup';

/**
 * /metrics of the Node deployables on the running stack (Prometheus text, as the compose
 * Prometheus scrapes it): the ingest producer counts what Kafka acknowledged, the raw-events
 * copier what it wrote.
 */
const { env } = inject('stack');
const sample = (text: string, series: string): number => {
  const line = text.split('\n').find((l) => l.startsWith(series + ' ') || l.startsWith(series.replace(/\}$/, ',')));
  return line ? Number(line.split(' ').pop()) : NaN;
};

describe('metrics endpoints', () => {
  it('ingest: accepted batches and events acknowledged by Kafka; raw-events copier: rows written', async () => {
    const before = await (await fetch(`${env.INGEST_URL}/metrics`)).text();
    const events = Array.from({ length: 3 }, () => ({ eventId: uuidv7(), tenantId: `metrics-${Date.now()}`, eventTime: new Date().toISOString(), schemaVersion: SCHEMA_VERSION, type: 'click', userId: 'u1', itemId: 'i1' }));
    const res = await fetch(`${env.INGEST_URL}/ingest/events`, { method: 'POST', headers: { authorization: `Bearer ${env.INGEST_TOKEN}`, 'content-type': 'application/json' }, body: JSON.stringify({ events }) });
    expect(res.status).toBe(200);
    const bad = await fetch(`${env.INGEST_URL}/ingest/events`, { method: 'POST', headers: { authorization: `Bearer ${env.INGEST_TOKEN}`, 'content-type': 'application/json' }, body: '{"events":[{"type":1}]}' });
    expect(bad.status).toBe(400);
    const after = await (await fetch(`${env.INGEST_URL}/metrics`)).text();
    const acked = (t: string) => sample(t, 'ingest_events_total{service="stream-ingest"}') || 0;
    expect(acked(after) - acked(before)).toBe(3);
    expect(sample(after, 'ingest_batches_total{result="invalid"')).toBeGreaterThanOrEqual(1);
    expect(after).toMatch(/^ingest_produce_seconds_count\{service="stream-ingest"\} [1-9]/m);

    // The copier writes them to ClickHouse within its flush interval.
    let written = 0;
    const until = Date.now() + 60_000;
    while (Date.now() < until) {
      const t = await (await fetch(`http://127.0.0.1:${env.METRICS_PORT}/metrics`)).text();
      written = sample(t, 'stream_copier_rows_written{table="events_raw"');
      if (written >= 3) break;
      await new Promise((r) => setTimeout(r, 500));
    }
    expect(written).toBeGreaterThanOrEqual(3);
  });
});
