/** Upload server process: tus uploads on MEDIA_PORT, plus the HLS origin (/hls/*) when PLAYBACK_SIGNING_KEYS is set; /healthz on the same port. */
import { MediaUploadEnv, parseEnv, parseSigningKeys, Topics } from '@vidplat/contracts';
import { createKafka, createProducer, ensureTopics, kafkaSettingsFromEnv } from '@vidplat/node-runtime/kafka';
import { HttpVideoRegistry } from '../catalogue/video-registry.js';
import { log } from '../ops/log.js';
import { hlsOriginHandler } from '../origin/hls-origin.js';
import { outputStoreFromEnv, s3FromEnv, uploadStorageFromEnv } from '../storage/from-env.js';
import { createUploadServer } from './upload-server.js';

const env = parseEnv(MediaUploadEnv, process.env);
const s3 = s3FromEnv(env);
const settings = kafkaSettingsFromEnv(process.env);
const kafka = createKafka(settings);
await ensureTopics(kafka, settings, [env.MEDIA_JOBS_TOPIC, Topics.transcodeProgress]);
const producer = createProducer(kafka);
await producer.connect();

const { server } = createUploadServer({
  uploadDir: env.MEDIA_UPLOAD_DIR,
  storage: uploadStorageFromEnv(env, s3),
  expiryMs: env.MEDIA_UPLOAD_EXPIRY_S * 1000,
  cleanupIntervalMs: env.MEDIA_UPLOAD_CLEANUP_INTERVAL_S * 1000,
  maxBytes: env.MEDIA_MAX_UPLOAD_BYTES,
  registry: new HttpVideoRegistry(env.EDGE_URL, { timeoutMs: env.EDGE_TIMEOUT_MS }),
  producer,
  jobsTopic: env.MEDIA_JOBS_TOPIC,
  // With signing keys, this process is also the local HLS origin (the edge's MEDIA_ORIGIN_URL).
  origin: env.PLAYBACK_SIGNING_KEYS ? hlsOriginHandler({ store: outputStoreFromEnv(env, s3), keys: parseSigningKeys(env.PLAYBACK_SIGNING_KEYS).keys }) : undefined,
});
server.listen(env.MEDIA_PORT, '127.0.0.1', () => log.info('upload server listening', { port: env.MEDIA_PORT, maxBytes: env.MEDIA_MAX_UPLOAD_BYTES, uploadStore: env.MEDIA_UPLOAD_STORE, outputStore: env.MEDIA_OUTPUT_STORE, expiryS: env.MEDIA_UPLOAD_EXPIRY_S }));

const shutdown = async () => {
  server.close();
  await producer.flush({ timeout: 5000 }).catch(() => undefined);
  await producer.disconnect().catch(() => undefined);
  process.exit(0);
};
process.on('SIGTERM', () => void shutdown());
process.on('SIGINT', () => void shutdown());
