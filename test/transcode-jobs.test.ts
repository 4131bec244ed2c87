import { afterAll, describe, expect, inject, it } from 'vitest';
import { SCHEMA_VERSION, Topics, uuidv7, type TranscodeProgress } from '@vidplat/contracts';
import { createKafka, createProducer, kafkaSettingsFromEnv } from '@vidplat/node-runtime/kafka';
import type {} from '@vidplat/devstack/vitest-global-setup';

/**
 * Transcode progress reaches the admin page: transcode-progress (Kafka) → the stream tier's copier
 * → ClickHouse transcode_progress → GET /v1/admin/media/jobs on the edge, per tenant.
 */
const { env, urls } = inject('stack');
const kafka = createKafka(kafkaSettingsFromEnv(env));
const producer = createProducer(kafka);
afterAll(() => producer.disconnect());

async function provision(tenantId: string): Promise<string> {
  const res = await fetch(`${urls.edge}/v1/platform/tenants`, {
    method: 'POST',
    headers: { authorization: `Bearer ${env.ADMIN_API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ tenantId, name: tenantId, permissions: ['act_as_user'] }),
  });
  expect(res.status).toBe(201);
  return ((await res.json()) as { apiKey: string }).apiKey;
}

const progress = (tenantId: string, jobId: string, t: number, p: Partial<TranscodeProgress>): TranscodeProgress => ({
  eventId: uuidv7(t),
  tenantId,
  eventTime: new Date(t).toISOString(),
  schemaVersion: SCHEMA_VERSION,
  jobId,
  videoId: `video-${jobId}`,
  state: 'running',
  percent: 0,
  ...p,
});

describe('transcode jobs on the admin API', () => {
  it("lists each job's latest state for the caller's tenant only", async () => {
    const tenant = `tj-${Date.now()}`;
    const other = `tj-other-${Date.now()}`;
    const key = await provision(tenant);
    await provision(other);
    const t0 = Date.now() - 60_000;
    const events = [
      progress(tenant, 'job-a', t0, { state: 'queued' }),
      progress(tenant, 'job-a', t0 + 1000, { percent: 40, fps: 61, speed: 2.1 }),
      progress(tenant, 'job-a', t0 + 2000, { percent: 80 }),
      progress(tenant, 'job-a', t0 + 3000, { state: 'done', percent: 100 }),
      progress(tenant, 'job-b', t0 + 500, { state: 'queued' }),
      progress(tenant, 'job-b', t0 + 4000, { state: 'failed', percent: 12, error: 'truncated or corrupt' }),
      progress(other, 'job-x', t0, { state: 'running', percent: 50 }),
    ];
    await producer.connect();
    await producer.send({ topic: Topics.transcodeProgress, messages: [{ value: '{"not":"progress"}' }, ...events.map((e) => ({ key: `${e.tenantId}:${e.videoId}`, value: JSON.stringify(e) }))] });

    const get = (qs = '') => fetch(`${urls.edge}/v1/admin/media/jobs${qs}`, { headers: { authorization: `Bearer ${key}` } });
    let jobs: { jobId: string; state: string; percent: number; error: string }[] = [];
    for (let i = 0; i < 240 && jobs.length < 2; i++) {
      const res = await get();
      expect(res.status).toBe(200);
      jobs = ((await res.json()) as { jobs: typeof jobs }).jobs;
      if (jobs.length < 2) await new Promise((r) => setTimeout(r, 250));
    }
    expect(jobs.map((j) => [j.jobId, j.state, j.percent])).toEqual([
      ['job-b', 'failed', 12],
      ['job-a', 'done', 100],
    ]);
    expect(jobs[0]!.error).toBe('truncated or corrupt');

    expect((await fetch(`${urls.edge}/v1/admin/media/jobs`)).status).toBe(401);
    const bad = await get('?limit=0');
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { field: string } }).error.field).toBe('limit');
  });
});
