/** Raw-events consumer: behaviour-events → ClickHouse events_raw (effectively once). */
import { createServer } from 'node:http';
import { clickHouseFromEnv, migrate } from '@vidplat/analytics';
import { deadLetterTopic, parseEnv, StreamEnv, Topics } from '@vidplat/contracts';
import { createConsumer, createKafka, createProducer, ensureTopics, kafkaSettingsFromEnv } from '../kafka/client.js';
import { RawEventSink } from './raw-event-sink.js';
import { RAW_EVENTS_GROUP, RawEventsJob } from './raw-events-job.js';
import { log } from '../ops/log.js';

const env = parseEnv(StreamEnv, process.env);
await migrate({ url: env.CLICKHOUSE_URL, database: env.CLICKHOUSE_DATABASE, username: env.CLICKHOUSE_USER, password: env.CLICKHOUSE_PASSWORD });
const settings = kafkaSettingsFromEnv(process.env);
const kafka = createKafka(settings);
await ensureTopics(kafka, settings, [...Object.values(Topics), deadLetterTopic(RAW_EVENTS_GROUP)]);
const ch = clickHouseFromEnv(process.env);
const consumer = createConsumer(kafka, { groupId: RAW_EVENTS_GROUP });
const dlq = createProducer(kafka);
await Promise.all([consumer.connect(), dlq.connect()]);
const job = new RawEventsJob(consumer, dlq, new RawEventSink(ch));
await job.start();
log.info('raw-events consumer running', { group: RAW_EVENTS_GROUP });

const health = createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ ok: true, ...job.stats }));
}).listen(env.METRICS_PORT, '127.0.0.1');

const shutdown = async () => {
  log.info('raw-events consumer shutting down', { ...job.stats });
  health.close();
  await consumer.disconnect();
  await dlq.disconnect();
  await ch.close();
  process.exit(0);
};
process.on('SIGTERM', () => void shutdown());
process.on('SIGINT', () => void shutdown());
