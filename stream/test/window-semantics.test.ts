import { afterAll, describe, expect, inject, it } from 'vitest';
import { createClickHouse } from '@vidplat/analytics';
import { lateEventIds, metricsTotals } from '@vidplat/analytics/stream/window-queries';
import { SCHEMA_VERSION, uuidv7, type BehaviourEvent } from '@vidplat/contracts';
import type {} from '@vidplat/devstack/vitest-global-setup';
import { createKafka, createProducer, ensureTopics, kafkaSettingsFromEnv } from '../src/kafka/client.js';
import { REALTIME_METRICS_JOB } from '../src/jobs/realtime-metrics/metrics-window.js';
import { eventually, freePort, startJob, waitHealthy, type JobProcess } from './helpers.js';

/**
 * Window semantics against the real broker and ClickHouse, through the real-time metrics job
 * (1-minute tumbling windows, 5 s out-of-orderness, 10 s allowed lateness): out-of-order events
 * inside the bound count, a duplicate counts once, an event past the lateness goes to late_events,
 * and a partition that falls silent still gets its windows closed (idle handling).
 */
const { env } = inject('stack');
const run = Date.now().toString(36);
const tenant = `sem-${run}`;
const topic = `behaviour-events.sem-${run}`;
const ch = createClickHouse({ url: env.CLICKHOUSE_URL!, database: env.CLICKHOUSE_DATABASE! });
const settings = kafkaSettingsFromEnv(env);
const kafka = createKafka(settings);
const producer = createProducer(kafka);
let job: JobProcess | undefined;

afterAll(async () => {
  if (job && job.child.exitCode === null) {
    job.child.kill('SIGTERM');
    await job.exited;
  }
  await producer.disconnect().catch(() => undefined);
  await ch.close();
});

const T = Date.UTC(2026, 10, 21, 10, 0, 0);
const at = (sec: number) => new Date(T + sec * 1000).toISOString();
function event(type: 'impression' | 'click' | 'play_start', sec: number, itemId: string, extra: Partial<BehaviourEvent> = {}): BehaviourEvent {
  const base = { eventId: uuidv7(T + sec * 1000), tenantId: tenant, eventTime: at(sec), schemaVersion: SCHEMA_VERSION, userId: 'u1', itemId, scenario: 'feed' };
  if (type === 'play_start') return { ...base, type, positionSeconds: 0, durationSeconds: 100, ...extra } as BehaviourEvent;
  return { ...base, type, ...extra } as BehaviourEvent;
}

describe('window semantics on the real broker and ClickHouse', () => {
  it('handles out-of-order, duplicate, late events and an idle partition', async () => {
    await producer.connect();
    await ensureTopics(kafka, settings, [topic]);
    const port = await freePort();
    job = startJob('stream/src/jobs/realtime-metrics/main.ts', {
      ...env,
      STREAM_INPUT_TOPIC: topic,
      STREAM_GROUP_PREFIX: `sem-${run}-`,
      STREAM_SESSION_TIMEOUT_MS: '6000',
      STREAM_FLUSH_INTERVAL_MS: '200',
      WINDOW_IDLE_TIMEOUT_MS: '1000',
      WINDOW_OUT_OF_ORDERNESS_MS: '5000',
      WINDOW_ALLOWED_LATENESS_MS: '10000',
      REALTIME_METRICS_PORT: String(port),
    });
    await waitHealthy(port, job);

    const imp = event('impression', 10, 'v1', { experiment: { id: 'exp1', variant: 'b' } });
    const late = event('click', 40, 'v1', { experiment: { id: 'exp1', variant: 'b' } });
    const p0: BehaviourEvent[] = [
      imp,
      event('click', 50, 'v1', { experiment: { id: 'exp1', variant: 'b' } }),
      imp, // duplicate (client retry)
      event('play_start', 30, 'v1', { experiment: { id: 'exp1', variant: 'b' } }), // 20 s out of order, window still open
      event('impression', 62, 'v2'), // watermark 10:00:57
      event('impression', 68, 'v2'), // watermark 10:01:03 ≥ end 10:01:00: the 10:00 window fires
      event('impression', 80, 'v2'), // watermark 10:01:15 ≥ end + lateness: final
      late, // 10:00:40 after the window is final → late_events
      event('impression', 200, 'v3'), // 10:03:20
    ];
    // Partition 1 gets one event and then falls silent: without idle handling its window never closes.
    const p1: BehaviourEvent[] = [event('impression', 20, 'v9')];
    await producer.send({ topic, messages: p0.map((e) => ({ key: `${tenant}:u1`, value: JSON.stringify(e), partition: 0 })) });
    await producer.send({ topic, messages: p1.map((e) => ({ key: `${tenant}:u9`, value: JSON.stringify(e), partition: 1 })) });

    const expected = [
      { windowStart: '2026-11-21 10:00:00.000', scenario: 'feed', itemId: 'v1', experimentId: 'exp1', variant: 'b', impressions: 1, clicks: 1, plays: 1 },
      { windowStart: '2026-11-21 10:00:00.000', scenario: 'feed', itemId: 'v9', experimentId: '', variant: '', impressions: 1, clicks: 0, plays: 0 },
      { windowStart: '2026-11-21 10:01:00.000', scenario: 'feed', itemId: 'v2', experimentId: '', variant: '', impressions: 3, clicks: 0, plays: 0 },
    ];
    const pick = (rows: Awaited<ReturnType<typeof metricsTotals>>) =>
      rows.map(({ windowStart, scenario, itemId, experimentId, variant, impressions, clicks, plays }) => ({ windowStart, scenario, itemId, experimentId, variant, impressions, clicks, plays }));
    const rows = await eventually(async () => pick(await metricsTotals(ch, tenant)), (r) => r.length >= 3, 60_000);
    // 10:03 (v3) stays open: nothing moved any watermark past it, so it is not in the table.
    expect(rows).toEqual(expected);
    const v1 = (await metricsTotals(ch, tenant)).find((r) => r.itemId === 'v1')!;
    expect(v1.ctr).toBe(1);
    expect(await eventually(() => lateEventIds(ch, REALTIME_METRICS_JOB, tenant), (ids) => ids.length > 0, 20_000)).toEqual([late.eventId]);

    const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    const sample = (name: string, labels: Record<string, string>) =>
      metrics
        .split('\n')
        .filter((l) => l.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => l.includes(`${k}="${v}"`)))
        .map((l) => Number(l.split(' ').pop()));
    expect(sample('stream_events_total', { verdict: 'duplicate' })).toEqual([1]);
    expect(sample('stream_events_total', { verdict: 'late' })).toEqual([1]);
    expect(sample('stream_consumer_lag', { partition: '0' })).toEqual([0]);
    expect(sample('stream_window_close_latency_seconds_count', { job: REALTIME_METRICS_JOB })[0]).toBeGreaterThanOrEqual(2);
  });
});
