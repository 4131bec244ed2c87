/** Ingest producer service: POST /ingest/events → Kafka behaviour-events. */
import { serve } from '@hono/node-server';
import { parseEnv, StreamEnv, Topics } from '@vidplat/contracts';
import { createKafka, createProducer, ensureTopics, kafkaSettingsFromEnv } from '../kafka/client.js';
import { BehaviourEventProducer } from './event-producer.js';
import { ingestApp } from './app.js';
import { log } from '../ops/log.js';
import { ingestMetrics } from '../ops/service-metrics.js';

const env = parseEnv(StreamEnv, process.env);
const settings = kafkaSettingsFromEnv(process.env);
const kafka = createKafka(settings);
await ensureTopics(kafka, settings, Object.values(Topics));
const producer = createProducer(kafka);
await producer.connect();

const app = ingestApp({
  token: env.INGEST_TOKEN,
  producer: new BehaviourEventProducer(producer),
  rule: { maxFutureSkewMs: env.EVENT_MAX_FUTURE_SKEW_MS, horizonDays: env.EVENT_HORIZON_DAYS },
  // The edge refuses the same events first; one reaching here means a caller that skipped it (or clocks apart).
  metrics: ingestMetrics(),
  onRejected: (code, n) => log.warn('ingest refused events at the door', { code, count: n }),
});
const server = serve({ fetch: app.fetch, port: env.INGEST_PORT, hostname: '127.0.0.1' });
log.info('ingest listening', { port: env.INGEST_PORT, brokers: settings.brokers.length });

const shutdown = async () => {
  log.info('ingest shutting down');
  server.close();
  await producer.flush({ timeout: 5000 }).catch(() => undefined);
  await producer.disconnect();
  process.exit(0);
};
process.on('SIGTERM', () => void shutdown());
process.on('SIGINT', () => void shutdown());
