import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createClickHouse } from '@vidplat/analytics';
import { lateEventIds } from '@vidplat/analytics/stream/window-queries';
import { behaviourEventKey, uuidv7, type BehaviourEvent } from '@vidplat/contracts';
import type {} from '@vidplat/devstack/vitest-global-setup';
import { createKafka, createProducer, ensureTopics, kafkaSettingsFromEnv } from '../src/kafka/client.js';
import { WINDOW_JOBS } from '../src/jobs/definitions.js';
import { ITEM_HEAT_JOB } from '../src/jobs/item-heat/item-heat-window.js';
import { INLINE_CHECKPOINT_BYTES } from '../src/windows/checkpoint-spill.js';
import { eventually, freePort, sleep, startJob, waitHealthy, type JobProcess } from './helpers.js';

/**
 * Watermarks are kept per tenant, and each commit's metadata carries every tenant's. Kafka bounds
 * commit metadata (4096 bytes by default; the local mock broker does not enforce it), so with
 * hundreds of tenants on one partition the checkpoint body goes to ClickHouse and the commit refers
 * to it. This drives 300 tenants through one partition, kills the process, and checks the
 * restarted one restores every tenant's own watermark from the stored body.
 */
const { env } = inject('stack');
const run = `${Date.now().toString(36)}`;
const topic = `behaviour-events.test-mt-${run}`;
const groupPrefix = `test-mt-${run}-`;
const group = `${groupPrefix}${WINDOW_JOBS}`;
const ch = createClickHouse({ url: env.CLICKHOUSE_URL!, database: env.CLICKHOUSE_DATABASE! });
const settings = kafkaSettingsFromEnv(env);
const kafka = createKafka(settings);
const producer = createProducer(kafka);
const jobs: JobProcess[] = [];
const START = Date.UTC(2026, 10, 21, 6, 0, 0);
const TENANTS = Array.from({ length: 300 }, (_, i) => `mt-${run}-${String(i).padStart(3, '0')}`);
const FAST = TENANTS[0]!; // its clock runs two hours ahead of everyone else's

beforeAll(async () => {
  await producer.connect();
});

afterAll(async () => {
  for (const j of jobs) if (j.child.exitCode === null) j.child.kill('SIGKILL');
  await producer.disconnect().catch(() => undefined);
  await ch.close();
});

const event = (tenantId: string, t: number, i = 0): BehaviourEvent => ({
  schemaVersion: 1,
  eventId: uuidv7(t),
  tenantId,
  userId: `u${i % 7}`,
  sessionId: 's1',
  type: 'click',
  itemId: `v${i % 5}`,
  scenario: 'feed',
  eventTime: new Date(t).toISOString(),
});

async function send(events: BehaviourEvent[]): Promise<void> {
  const messages = events.map((e) => ({ key: behaviourEventKey(e.tenantId, e.userId), value: JSON.stringify(e), partition: 0 }));
  for (let i = 0; i < messages.length; i += 250) await producer.send({ topic, messages: messages.slice(i, i + 250) });
}

interface Health {
  ok: boolean;
  committed: Record<string, string>;
  read: number;
  lanes: Record<string, { accepted: number; late: number }>;
}

async function startWindowJobs(): Promise<JobProcess & { health: () => Promise<Health> }> {
  const port = await freePort();
  const job = startJob('stream/src/jobs/window-jobs/main.ts', {
    ...env,
    STREAM_INPUT_TOPIC: topic,
    STREAM_GROUP_PREFIX: groupPrefix,
    STREAM_SESSION_TIMEOUT_MS: '6000',
    STREAM_FLUSH_INTERVAL_MS: '200',
    // No idle advance during the test: every tenant's watermark moves only with its own events.
    WINDOW_IDLE_TIMEOUT_MS: '3600000',
    WINDOW_OUT_OF_ORDERNESS_MS: '5000',
    WINDOW_ALLOWED_LATENESS_MS: '60000',
    WINDOW_JOBS_PORT: String(port),
    ITEM_HEAT_EARLY_MS: '0',
  });
  jobs.push(job);
  await waitHealthy(port, job);
  return { ...job, health: async () => (await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as Health };
}

describe('window checkpoints of a partition shared by 300 tenants', () => {
  it('commit a reference to the body stored in ClickHouse, and a restart restores each tenant its own watermark', async () => {
    await ensureTopics(kafka, settings, [topic]);
    const first = await startWindowJobs();
    const history = TENANTS.flatMap((t, i) => [event(t, t === FAST ? START + 2 * 3_600_000 : START + i, i), event(t, t === FAST ? START + 2 * 3_600_000 + 1 : START + i + 1, i + 1)]);
    await send(history);
    await eventually(first.health, (h) => h.read >= history.length && h.committed['0'] !== undefined, 60_000, 200);

    // The stored body: every tenant's watermark, far beyond what fits in the commit metadata.
    const stored = await eventually(
      async () => (await (await ch.query({ query: 'SELECT ref, body FROM window_checkpoints FINAL WHERE job_group = {g:String} AND partition = 0', query_params: { g: group }, format: 'JSONEachRow' })).json<{ ref: string; body: string }>()),
      (rows) => rows.some((r) => Object.keys((JSON.parse(r.body) as { j: Record<string, { t?: object }> }).j['item-heat']?.t ?? {}).length === TENANTS.length),
      30_000,
    );
    const full = stored.find((r) => Object.keys((JSON.parse(r.body) as { j: Record<string, { t?: object }> }).j['item-heat']?.t ?? {}).length === TENANTS.length)!;
    expect(Buffer.byteLength(full.body)).toBeGreaterThan(INLINE_CHECKPOINT_BYTES);
    first.child.kill('SIGKILL');
    await first.exited;

    // An event of tenant 1, 30 s after its own last event and two hours behind FAST's clock: on
    // time for tenant 1 only if its own watermark was restored (the partition's, FAST's, would make
    // it late). Tenant 2's event two hours before its own events is late either way (the control).
    const probe = event(TENANTS[1]!, START + 1 + 30_000, 3);
    const stale = event(TENANTS[2]!, START - 2 * 3_600_000, 4);
    await send([probe, stale]);
    const second = await startWindowJobs();
    await eventually(() => lateEventIds(ch, ITEM_HEAT_JOB, TENANTS[2]!), (ids) => ids.length > 0, 60_000, 200);
    expect(await lateEventIds(ch, ITEM_HEAT_JOB, TENANTS[2]!)).toEqual([stale.eventId]);
    expect(await lateEventIds(ch, ITEM_HEAT_JOB, TENANTS[1]!)).toEqual([]);
    await sleep(500);
    const opened = second
      .output()
      .split('\n')
      .filter((l) => l.includes('"partition opened"'))
      .map((l) => JSON.parse(l) as { partition: number; replayUntil?: string; checkpoint?: string });
    // It resumed from the committed offset, whose metadata referred to the stored body.
    expect(opened.find((o) => o.partition === 0)).toMatchObject({ checkpoint: 'stored', replayUntil: expect.any(String) });
    const h = await second.health();
    expect(h.lanes['item-heat']).toMatchObject({ late: 1 });
    expect(h.lanes['user-profiles']).toMatchObject({ late: 1 });
  });
});
