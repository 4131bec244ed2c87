/** One transcode worker process: joins the media-transcode consumer group and encodes jobs. */
import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { deadLetterTopic, MediaTopics, MediaWorkerEnv, parseEnv, Topics } from '@vidplat/contracts';
import { createKafka, createProducer, ensureTopics, kafkaSettingsFromEnv } from '@vidplat/node-runtime/kafka';
import { HttpVideoRegistry } from '../catalogue/video-registry.js';
import { startHealthServer } from '../ops/health.js';
import { log } from '../ops/log.js';
import { MediaMetrics, serveMetrics } from '../ops/metrics.js';
import { outputStoreFromEnv, s3FromEnv } from '../storage/from-env.js';
import { sweepStaging } from './hls-output.js';
import { TranscodeWorker } from './worker.js';
import { queueDepthOf } from './queue-depth.js';

const env = parseEnv(MediaWorkerEnv, process.env);
// S3 settings are needed when either store is s3 (s3:// sources come from the upload store).
const s3 = s3FromEnv(env);
const settings = kafkaSettingsFromEnv(process.env);
const kafka = createKafka(settings);
await ensureTopics(kafka, settings, [env.MEDIA_JOBS_TOPIC, Topics.transcodeProgress, MediaTopics.transcodeControl, deadLetterTopic(env.MEDIA_CONSUMER_GROUP)]);
const producer = createProducer(kafka);
await producer.connect();

const outputRoot = resolve(env.MEDIA_OUTPUT_DIR);
const workerId = env.MEDIA_WORKER_ID ?? `${hostname()}-${process.pid}`;
await sweepStaging(outputRoot, env.MEDIA_JOB_TIMEOUT_S * 1000 + 60_000);
const metrics = new MediaMetrics('media-transcode-worker');
const worker = new TranscodeWorker(kafka, producer, new HttpVideoRegistry(env.EDGE_URL, { timeoutMs: env.EDGE_TIMEOUT_MS }), {
  workerId,
  outputRoot,
  preset: env.MEDIA_X264_PRESET,
  segmentSeconds: env.MEDIA_SEGMENT_SECONDS,
  retryBaseMs: env.MEDIA_RETRY_BASE_MS,
  jobTimeoutMs: env.MEDIA_JOB_TIMEOUT_S * 1000,
  sessionTimeoutMs: env.MEDIA_SESSION_TIMEOUT_MS,
  progressIntervalMs: env.MEDIA_PROGRESS_INTERVAL_MS,
  catalogueCredential: env.EDGE_INTERNAL_TOKEN,
  consumerGroup: env.MEDIA_CONSUMER_GROUP,
  jobsTopic: env.MEDIA_JOBS_TOPIC,
  output: outputStoreFromEnv(env, s3),
  s3: s3?.client,
  metrics,
});
await worker.start();
// media_transcode_queue_depth: jobs the group has not committed, read from the broker per scrape.
const queue = await queueDepthOf(settings, kafka, env.MEDIA_CONSUMER_GROUP, env.MEDIA_JOBS_TOPIC);
metrics.watchQueue(() => queue.depth.read());
const health = await startHealthServer(env.MEDIA_WORKER_PORT, () => worker.status, () => worker.status.state !== 'stopping');
// GET /metrics on the health port.
serveMetrics(health, metrics);
log.info('transcode worker ready', { workerId, preset: env.MEDIA_X264_PRESET, port: env.MEDIA_WORKER_PORT, outputStore: env.MEDIA_OUTPUT_STORE });

const shutdown = async () => {
  log.info('transcode worker stopping', { workerId });
  health.close();
  await worker.stop();
  await queue.close().catch(() => undefined);
  await producer.disconnect().catch(() => undefined);
  process.exit(0);
};
process.on('SIGTERM', () => void shutdown());
process.on('SIGINT', () => void shutdown());
