import { afterAll, describe, expect, inject, it } from 'vitest';
import { Redis } from 'ioredis';
import { createClickHouse } from '@vidplat/analytics';
import { behaviourEventKey, FeatureKeys, SCHEMA_VERSION, SnapshotMeta, uuidv7, type BehaviourEvent } from '@vidplat/contracts';
import type {} from '@vidplat/devstack/vitest-global-setup';
import { createKafka, createProducer, ensureTopics, kafkaSettingsFromEnv } from '../src/kafka/client.js';
import { ITEM_HEAT_JOB } from '../src/jobs/item-heat/item-heat-window.js';
import { eventually, freePort, startJob, waitHealthy, type JobProcess } from './helpers.js';

/**
 * Hot list within a minute: a spike of events on one item in the current 15-minute pane reaches
 * the edge's hot list from the item-heat job's early results, while the window is still open (its
 * final firing is minutes away), against the real broker, ClickHouse and Redis.
 */
const { env } = inject('stack');
const run = Date.now().toString(36);
const tenant = `early-${run}`;
const topic = `behaviour-events.early-${run}`;
const ch = createClickHouse({ url: env.CLICKHOUSE_URL!, database: env.CLICKHOUSE_DATABASE! });
const redis = new Redis(env.REDIS_URL!);
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
  redis.disconnect();
});

const event = (itemId: string, userId: string, t: number): BehaviourEvent =>
  ({ eventId: uuidv7(t), tenantId: tenant, eventTime: new Date(t).toISOString(), schemaVersion: SCHEMA_VERSION, userId, itemId, scenario: 'feed', type: 'click' }) as BehaviourEvent;

describe('item heat early results', () => {
  it('a spike in the open pane tops the hot list within 60 s, before its window closes', async () => {
    await producer.connect();
    await ensureTopics(kafka, settings, [topic]);
    const port = await freePort();
    job = startJob('stream/src/jobs/item-heat/main.ts', {
      ...env,
      STREAM_INPUT_TOPIC: topic,
      STREAM_GROUP_PREFIX: `early-${run}-`,
      STREAM_SESSION_TIMEOUT_MS: '6000',
      STREAM_FLUSH_INTERVAL_MS: '200',
      WINDOW_IDLE_TIMEOUT_MS: '2000',
      ITEM_HEAT_PORT: String(port),
      HOT_LIST_SIZE: '10',
      ITEM_HEAT_EARLY_MS: '5000',
    });
    await waitHealthy(port, job);

    // Background: 20 items with a few clicks each, then a spike of 300 clicks on one item, all now.
    const now = Date.now();
    const calm = Array.from({ length: 100 }, (_, i) => event(`calm-${i % 20}`, `u${i}`, now - 1000 + i));
    await producer.send({ topic, messages: calm.map((e) => ({ key: behaviourEventKey(e.tenantId, e.userId), value: JSON.stringify(e) })) });
    const spikeAt = Date.now();
    const spike = Array.from({ length: 300 }, (_, i) => event('spike', `s${i}`, spikeAt + (i % 50)));
    await producer.send({ topic, messages: spike.map((e) => ({ key: behaviourEventKey(e.tenantId, e.userId), value: JSON.stringify(e) })) });

    const top = await eventually(
      async () => (await redis.zrange(FeatureKeys.hotList(tenant, 'feed'), 0, 0, 'REV'))[0],
      (id) => id === 'spike',
      60_000,
      250,
    );
    const visibleS = (Date.now() - spikeAt) / 1000;
    console.log(`spike visible in the hot list after ${visibleS.toFixed(1)} s`);
    expect(top).toBe('spike');
    expect(visibleS).toBeLessThanOrEqual(60);
    const meta = SnapshotMeta.parse(JSON.parse((await redis.get(FeatureKeys.hotListMeta(tenant, 'feed')))!));
    expect(meta.source).toBe(ITEM_HEAT_JOB);
    // The window holding the spike is still open unless a 15-minute boundary passed meanwhile:
    // then no final pane row of it exists yet, and the list came from the early results.
    const paneEnd = Math.floor(spikeAt / 900_000) * 900_000 + 900_000;
    if (Date.now() < paneEnd) {
      const r = await ch.query({ query: 'SELECT count() AS n FROM item_heat_panes FINAL WHERE tenant_id = {t:String}', query_params: { t: tenant }, format: 'JSONEachRow' });
      expect(Number((await r.json<{ n: string }>())[0]!.n)).toBe(0);
    }
  });
});
