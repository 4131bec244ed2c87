import { Redis } from 'ioredis';
import { clickHouseFromEnv, migrate, type ClickHouseClient } from '@vidplat/analytics';
import { deadLetterTopic, parseEnv, Topics, WindowJobEnv } from '@vidplat/contracts';
import { createKafka, createProducer, ensureTopics, kafkaSettingsFromEnv, type Producer } from '../../kafka/client.js';
import { JobMetrics, serveOps } from '../../ops/job-metrics.js';
import { log } from '../../ops/log.js';
import type { WindowLaneConfig } from '../../windows/windowed-job.js';
import { WindowedJob } from '../../windows/windowed-job.js';

export interface JobContext {
  env: WindowJobEnv;
  ch: ClickHouseClient;
  producer: Producer;
  redis: Redis;
  group: string;
}

type PortVar = 'ITEM_HEAT_PORT' | 'USER_PROFILES_PORT' | 'REALTIME_METRICS_PORT' | 'WINDOW_JOBS_PORT';

export interface WindowJobDefinition<A> {
  job: string;
  /** Env variable holding the /healthz + /metrics port when the job runs on its own. */
  portVar: PortVar;
  outputTopic: string;
  build(ctx: JobContext): Omit<WindowLaneConfig<A>, 'job'>;
}

/** One job in its own process and consumer group (`<prefix><job>`). */
export function runWindowJob<A>(def: WindowJobDefinition<A>, environment: Record<string, string | undefined> = process.env): Promise<void> {
  return runWindowJobs(def.job, def.portVar, [def], environment);
}

/**
 * Process entry point of the window jobs: config, schema, topics, consumer, ops, shutdown. With
 * several definitions they share one consumer group (`<prefix><name>`): every event is read and
 * parsed once and folded into each job (see WindowedJob).
 */
export async function runWindowJobs(
  name: string,
  portVar: PortVar,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- each job has its own accumulator type
  defs: WindowJobDefinition<any>[],
  environment: Record<string, string | undefined> = process.env,
): Promise<void> {
  const env = parseEnv(WindowJobEnv, environment);
  const group = `${env.STREAM_GROUP_PREFIX}${name}`;
  const def = { job: name, portVar };
  // Bind the ops port before the slow start-up (schema, topics, group join): the port was handed
  // out free, and holding it early keeps another process from taking it meanwhile. 503 until ready.
  const metrics = new JobMetrics(def.job);
  let job: WindowedJob | undefined;
  const port = env[def.portVar];
  const ops = serveOps(port, metrics, () =>
    job ? { ok: true, job: def.job, group, jobs: defs.map((d) => d.job), partitions: job.partitions(), ...job.stats, lanes: job.laneStats() } : { ok: false, job: def.job, starting: true },
  );
  ops.on('error', (e) => {
    log.error('ops port unavailable', { job: def.job, port, error: e.message });
    process.exit(1);
  });
  await migrate({ url: env.CLICKHOUSE_URL, database: env.CLICKHOUSE_DATABASE, username: env.CLICKHOUSE_USER, password: env.CLICKHOUSE_PASSWORD });
  const settings = kafkaSettingsFromEnv(environment);
  const kafka = createKafka(settings);
  await ensureTopics(kafka, settings, [...new Set([env.STREAM_INPUT_TOPIC, ...defs.map((d) => d.outputTopic), deadLetterTopic(group), ...Object.values(Topics)])]);
  const ch = clickHouseFromEnv(environment);
  const producer = createProducer(kafka);
  await producer.connect();
  const redis = new Redis(env.REDIS_URL, { maxRetriesPerRequest: 3, connectTimeout: 5000, commandTimeout: 5000, lazyConnect: false });
  let redisDown = 0;
  redis.on('error', (e: Error) => {
    // ioredis reconnects by itself; log at most every 10 s instead of once per attempt.
    if (Date.now() - redisDown > 10_000) log.warn('redis unavailable', { job: def.job, error: e.message });
    redisDown = Date.now();
  });
  const ctx: JobContext = { env, ch, producer, redis, group };
  job = new WindowedJob(
    {
      name,
      lanes: defs.map((d) => ({ ...d.build(ctx), job: d.job })),
      group,
      topic: env.STREAM_INPUT_TOPIC,
      flushIntervalMs: env.STREAM_FLUSH_INTERVAL_MS,
      idleTimeoutMs: env.WINDOW_IDLE_TIMEOUT_MS,
      maxFutureSkewMs: env.EVENT_MAX_FUTURE_SKEW_MS,
      checkpointInlineBytes: env.WINDOW_CHECKPOINT_INLINE_BYTES,
      sessionTimeoutMs: env.STREAM_SESSION_TIMEOUT_MS,
    },
    kafka,
    producer,
    ch,
    metrics,
  );
  await job.start();
  log.info('window job running', { job: def.job, group, topic: env.STREAM_INPUT_TOPIC, port });

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info('window job shutting down', { job: def.job, signal, ...job?.stats });
    const force = setTimeout(() => process.exit(1), 20_000);
    force.unref();
    await job?.stop();
    ops.close();
    await producer.flush({ timeout: 5000 }).catch(() => undefined);
    await producer.disconnect().catch(() => undefined);
    redis.disconnect();
    await ch.close();
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}
