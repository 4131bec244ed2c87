import { createServer } from 'node:http';
import { clickHouseFromEnv, migrate } from '@vidplat/analytics';
import { deadLetterTopic, parseEnv, StreamEnv, Topics } from '@vidplat/contracts';
import type { z } from 'zod';
import { createConsumer, createKafka, createProducer, ensureTopics, kafkaSettingsFromEnv } from '../kafka/client.js';
import { log } from '../ops/log.js';
import { copierMetrics, ServiceMetrics } from '../ops/service-metrics.js';
import { TableSink } from './table-sink.js';
import { TopicTableJob, type TopicTableSpec } from './topic-table-job.js';

/**
 * Runs one topic → table copier as a process: migrations, topics, consumer + DLQ producer, a
 * health endpoint on the port in `healthPortVar`, and a graceful SIGTERM (commit, disconnect).
 */
export async function runTopicTableService<S extends z.ZodType, Row extends object>(
  spec: TopicTableSpec<S, Row> & { table: string; healthPortVar: string },
): Promise<void> {
  const env = parseEnv(StreamEnv, process.env);
  const port = Number(process.env[spec.healthPortVar] ?? env.METRICS_PORT);
  await migrate({ url: env.CLICKHOUSE_URL, database: env.CLICKHOUSE_DATABASE, username: env.CLICKHOUSE_USER, password: env.CLICKHOUSE_PASSWORD });
  const settings = kafkaSettingsFromEnv(process.env);
  const kafka = createKafka(settings);
  await ensureTopics(kafka, settings, [...new Set([...Object.values(Topics), spec.topic, deadLetterTopic(spec.group)])]);
  const ch = clickHouseFromEnv(process.env);
  const consumer = createConsumer(kafka, { groupId: spec.group });
  const dlq = createProducer(kafka);
  await Promise.all([consumer.connect(), dlq.connect()]);
  const job = new TopicTableJob(spec, consumer, dlq, new TableSink<Row>(ch, spec.table));
  await job.start();
  log.info('topic → table copier running', { group: spec.group, topic: spec.topic, table: spec.table });

  // /metrics: rows written and dead-lettered (Prometheus text); anything else: health JSON.
  const metrics = copierMetrics(new ServiceMetrics(`stream-${spec.group}`), spec.group, spec.table, job.stats);
  const health = createServer((req, res) => {
    if ((req.url ?? '/').split('?')[0] === '/metrics') {
      metrics
        .text()
        .then((t) => res.writeHead(200, { 'content-type': t.contentType }).end(t.body))
        .catch((e: Error) => res.writeHead(500).end(e.message));
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ok: true, ...job.stats }));
  }).listen(port, '127.0.0.1');

  const shutdown = async () => {
    log.info('copier shutting down', { group: spec.group, ...job.stats });
    health.close();
    await consumer.disconnect();
    await dlq.disconnect();
    await ch.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown());
  process.on('SIGINT', () => void shutdown());
}
