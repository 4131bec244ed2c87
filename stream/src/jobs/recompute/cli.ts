/**
 * Recomputes a tenant's window rows over a time range from events_raw — the offline path for
 * history that entered through POST /v1/events/backfill (the real-time jobs skip it).
 *
 *   npm run recompute:windows -- --tenant acme --from 2026-10-01T00:00:00Z --to 2026-10-08T00:00:00Z
 *
 * Environment as the window jobs (CLICKHOUSE_*, KAFKA_BROKERS, REDIS_URL, WINDOW_*).
 */
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { clickHouseFromEnv, migrate } from '@vidplat/analytics';
import { parseEnv, WindowJobEnv } from '@vidplat/contracts';
import { createKafka, createProducer, kafkaSettingsFromEnv } from '../../kafka/client.js';
import { itemHeatJob, realtimeMetricsJob, userProfilesJob } from '../definitions.js';
import { recomputeWindows } from './recompute-windows.js';

const { values } = parseArgs({ options: { tenant: { type: 'string' }, from: { type: 'string' }, to: { type: 'string' } } });
const fromMs = Date.parse(values.from ?? '');
const toMs = Date.parse(values.to ?? '');
if (!values.tenant || !Number.isFinite(fromMs) || !Number.isFinite(toMs) || toMs <= fromMs) {
  console.error('usage: recompute-windows --tenant <id> --from <ISO time> --to <ISO time> (from < to)');
  process.exit(2);
}
const env = parseEnv(WindowJobEnv, process.env);
await migrate({ url: env.CLICKHOUSE_URL, database: env.CLICKHOUSE_DATABASE, username: env.CLICKHOUSE_USER, password: env.CLICKHOUSE_PASSWORD });
const ch = clickHouseFromEnv(process.env);
const producer = createProducer(createKafka(kafkaSettingsFromEnv(process.env)));
await producer.connect();
const redis = new Redis(env.REDIS_URL, { maxRetriesPerRequest: 3, connectTimeout: 5000, commandTimeout: 5000 });
try {
  const ctx = { env, ch, producer, redis, group: 'recompute-windows' };
  const lanes = [itemHeatJob, userProfilesJob, realtimeMetricsJob].map((d) => ({ ...d.build(ctx), job: d.job }));
  const report = await recomputeWindows(ch, lanes, { tenantId: values.tenant, fromMs, toMs });
  console.log(JSON.stringify(report));
} finally {
  await producer.disconnect().catch(() => undefined);
  redis.disconnect();
  await ch.close();
}
