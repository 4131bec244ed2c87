import { z } from 'zod';

/**
 * Environment of every deployable, validated at start-up. docker-compose.yml and the local scripts
 * set the same variables; a test checks the compose file against these schemas.
 */
const port = z.coerce.number().int().min(1).max(65535);
const url = z.string().url();
const brokers = z
  .string()
  .min(1)
  .refine((s) => s.split(',').every((b) => /^[^\s:,]+:\d{1,5}$/.test(b.trim())), 'must be host:port[,host:port...]');
const secret = z.string().min(16, 'must be at least 16 characters');

export const ClickHouseEnv = z.object({
  CLICKHOUSE_URL: url.default('http://127.0.0.1:8123'),
  CLICKHOUSE_DATABASE: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/).default('vidplat'),
  CLICKHOUSE_USER: z.string().default('default'),
  CLICKHOUSE_PASSWORD: z.string().default(''),
});

export const KafkaEnv = z.object({
  KAFKA_BROKERS: brokers,
  KAFKA_CLIENT_ID: z.string().min(1).default('vidplat'),
  /** Replication factor for topics the platform creates; 3 in production, 1..3 locally. */
  KAFKA_REPLICATION_FACTOR: z.coerce.number().int().min(1).max(5).default(3),
  KAFKA_PARTITIONS: z.coerce.number().int().min(1).max(256).default(4),
});

/** The event-time door rule (contracts/event-admission): the same defaults at the edge and in the stream tier. */
export const EventTimeEnv = z.object({
  EVENT_MAX_FUTURE_SKEW_MS: z.coerce.number().int().min(0).max(3_600_000).default(120_000),
  /** Live horizon of tenants without their own (tenant configuration, PUT /v1/admin/event-policy). */
  EVENT_HORIZON_DAYS: z.coerce.number().int().min(1).max(90).default(7),
});
export type EventTimeEnv = z.infer<typeof EventTimeEnv>;

export const StreamEnv = KafkaEnv.extend(ClickHouseEnv.shape).extend(EventTimeEnv.shape).extend({
  REDIS_URL: url.default('redis://127.0.0.1:6379'),
  INGEST_PORT: port.default(8788),
  INGEST_TOKEN: secret,
  METRICS_PORT: port.default(9464),
  TRANSCODE_PROGRESS_PORT: port.default(9468),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
});
export type StreamEnv = z.infer<typeof StreamEnv>;

/** Window jobs (item heat, user profiles, real-time metrics): StreamEnv plus their own knobs. */
export const WindowJobEnv = StreamEnv.extend({
  /** Health + /metrics port of each job process. */
  ITEM_HEAT_PORT: port.default(9471),
  USER_PROFILES_PORT: port.default(9472),
  REALTIME_METRICS_PORT: port.default(9473),
  /** Health + /metrics port of the combined process running all three jobs on one consumer group. */
  WINDOW_JOBS_PORT: port.default(9474),
  /** Input topic and consumer-group prefix; tests and benchmarks use their own to stay isolated. */
  STREAM_INPUT_TOPIC: z.string().min(1).default('behaviour-events'),
  STREAM_GROUP_PREFIX: z.string().regex(/^[A-Za-z0-9._-]*$/).default(''),
  WINDOW_OUT_OF_ORDERNESS_MS: z.coerce.number().int().min(0).max(3_600_000).default(5000),
  WINDOW_ALLOWED_LATENESS_MS: z.coerce.number().int().min(0).max(86_400_000).default(60_000),
  WINDOW_IDLE_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(10_000),
  /** Window checkpoints above this many bytes go to ClickHouse, referenced from the Kafka commit (whose metadata is bounded, 4096 by default). */
  WINDOW_CHECKPOINT_INLINE_BYTES: z.coerce.number().int().min(0).max(4000).default(3072),
  STREAM_FLUSH_INTERVAL_MS: z.coerce.number().int().min(20).max(60_000).default(1000),
  STREAM_SESSION_TIMEOUT_MS: z.coerce.number().int().min(3000).max(300_000).default(10_000),
  HOT_LIST_SIZE: z.coerce.number().int().min(1).max(10_000).default(200),
  /** Item heat publishes early hot lists from the open 15-minute pane this often (ms of processing time; 0 = only at window close). */
  ITEM_HEAT_EARLY_MS: z.coerce.number().int().min(0).max(3_600_000).default(20_000),
});
export type WindowJobEnv = z.infer<typeof WindowJobEnv>;

/** Offline item-CF job (CLI and schedule): reads ClickHouse, writes ClickHouse and the feature store. */
export const SimilarityEnv = ClickHouseEnv.extend({
  REDIS_URL: url.default('redis://127.0.0.1:6379'),
  /** Neighbours published per item: the edge reads up to 100 per seed (itemCfListDepth), so fewer starves item-CF recall. */
  SIMILARITY_TOP_K: z.coerce.number().int().min(1).max(500).default(100),
  SIMILARITY_LOOKBACK_DAYS: z.coerce.number().int().min(1).max(365).default(30),
  /** Items per user kept for co-occurrence (most recent first); bounds the pair count per user. */
  SIMILARITY_MAX_ITEMS_PER_USER: z.coerce.number().int().min(2).max(5000).default(200),
});
export type SimilarityEnv = z.infer<typeof SimilarityEnv>;

/** Unset and empty are the same (compose passes `${VAR:-}` through as ''). */
const optional = <T extends z.ZodType>(s: T) => z.preprocess((v) => (v === '' ? undefined : v), s.optional());
const bucketName = z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name (3-63 lowercase letters, digits, dots, hyphens)');

/**
 * S3-compatible object storage for uploads and HLS output: R2 in production
 * (https://<account>.r2.cloudflarestorage.com, region auto), OpenStack Swift's S3 API in the dev stack.
 * Endpoint and credentials are required only when a store is `s3` (checked at start-up).
 */
export const MediaS3Env = z.object({
  MEDIA_S3_ENDPOINT: optional(url),
  MEDIA_S3_REGION: z.string().min(1).default('auto'),
  MEDIA_S3_ACCESS_KEY_ID: optional(z.string().min(1)),
  MEDIA_S3_SECRET_ACCESS_KEY: optional(z.string().min(1)),
  MEDIA_S3_UPLOAD_BUCKET: bucketName.default('vidplat-uploads'),
  MEDIA_S3_OUTPUT_BUCKET: bucketName.default('vidplat-media'),
  /** Path-style URLs (endpoint/bucket/key); R2 and most non-AWS servers want them. */
  MEDIA_S3_FORCE_PATH_STYLE: z.stringbool().default(true),
  /** Per-request socket timeout and total attempts (SDK standard retry mode, exponential backoff). */
  MEDIA_S3_TIMEOUT_MS: z.coerce.number().int().min(100).max(600_000).default(30_000),
  MEDIA_S3_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(10).default(4),
});
export type MediaS3Env = z.infer<typeof MediaS3Env>;

const MediaCommonEnv = MediaS3Env.extend({
  MEDIA_UPLOAD_DIR: z.string().min(1).default('.run/uploads'),
  MEDIA_OUTPUT_DIR: z.string().min(1).default('.run/media'),
  /** Where tus uploads live: local folder (MEDIA_UPLOAD_DIR) or MEDIA_S3_UPLOAD_BUCKET. */
  MEDIA_UPLOAD_STORE: z.enum(['file', 's3']).default('file'),
  /** Where finished HLS folders are published and the origin reads: MEDIA_OUTPUT_DIR or MEDIA_S3_OUTPUT_BUCKET. */
  MEDIA_OUTPUT_STORE: z.enum(['file', 's3']).default('file'),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
  /** Jobs topic and consumer group; tests and benchmarks use their own to stay isolated. */
  MEDIA_JOBS_TOPIC: z.string().regex(/^[A-Za-z0-9._-]+$/).default('transcode-jobs'),
  MEDIA_CONSUMER_GROUP: z.string().regex(/^[A-Za-z0-9._-]+$/).default('media-transcode'),
});

/** Local HLS origin: serves MEDIA_OUTPUT_DIR/hls behind playback tokens. */
export const MediaOriginEnv = MediaCommonEnv.extend({
  /** A standalone origin; the upload server serves the same routes on MEDIA_PORT. */
  MEDIA_ORIGIN_PORT: port.default(8791),
  PLAYBACK_SIGNING_KEYS: z.string().min(2).describe('JSON object {kid: secret}'),
});
export type MediaOriginEnv = z.infer<typeof MediaOriginEnv>;

/** tus upload server: authenticates tenant keys and creates video records through the edge. */
export const MediaUploadEnv = KafkaEnv.extend(MediaCommonEnv.shape).extend({
  /** tus uploads, and /hls/* when PLAYBACK_SIGNING_KEYS is set (the edge's MEDIA_ORIGIN_URL default). */
  MEDIA_PORT: port.default(8790),
  MEDIA_MAX_UPLOAD_BYTES: z.coerce.number().int().positive().default(4 * 1024 ** 3),
  EDGE_URL: url,
  PLAYBACK_SIGNING_KEYS: z.string().min(2).optional().describe('JSON object {kid: secret}; enables the HLS origin routes'),
  EDGE_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5000),
  /** Unfinished uploads older than this are removed (tus expiration; 0 = never). */
  MEDIA_UPLOAD_EXPIRY_S: z.coerce.number().int().min(0).max(30 * 86_400).default(86_400),
  /** How often the upload server looks for expired uploads. */
  MEDIA_UPLOAD_CLEANUP_INTERVAL_S: z.coerce.number().int().min(1).max(86_400).default(3600),
});
export type MediaUploadEnv = z.infer<typeof MediaUploadEnv>;

/** One transcode worker process (the fleet supervisor starts N of them). */
export const MediaWorkerEnv = KafkaEnv.extend(MediaCommonEnv.shape).extend({
  MEDIA_WORKER_PORT: port.default(8792),
  MEDIA_WORKER_ID: z.string().min(1).max(100).optional(),
  EDGE_URL: url,
  EDGE_INTERNAL_TOKEN: secret,
  EDGE_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(5000),
  /** x264 preset of the rungs below 1080p (1080p+ use the ladder's FAST_TOP_RUNG); see media-node's bench. */
  MEDIA_X264_PRESET: z.enum(['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium']).default('superfast'),
  MEDIA_SEGMENT_SECONDS: z.coerce.number().int().min(1).max(10).default(4),
  MEDIA_RETRY_BASE_MS: z.coerce.number().int().min(0).max(600_000).default(5000),
  MEDIA_JOB_TIMEOUT_S: z.coerce.number().int().min(10).max(86_400).default(6 * 3600),
  MEDIA_SESSION_TIMEOUT_MS: z.coerce.number().int().min(3000).max(300_000).default(30_000),
  MEDIA_PROGRESS_INTERVAL_MS: z.coerce.number().int().min(200).max(60_000).default(2000),
});
export type MediaWorkerEnv = z.infer<typeof MediaWorkerEnv>;

/** Supervisor that runs MEDIA_TRANSCODE_WORKERS worker processes in one consumer group. */
export const MediaFleetEnv = z.object({
  MEDIA_FLEET_PORT: port.default(8793),
  MEDIA_TRANSCODE_WORKERS: z.coerce.number().int().min(1).max(64).default(2),
});
export type MediaFleetEnv = z.infer<typeof MediaFleetEnv>;

/** Every media-node variable (docker-compose sets them all; each process parses its own part). */
export const MediaNodeEnv = MediaUploadEnv.extend(MediaWorkerEnv.shape).extend(MediaOriginEnv.shape).extend(MediaFleetEnv.shape);
export type MediaNodeEnv = z.infer<typeof MediaNodeEnv>;

export const AnalyticsEnv = ClickHouseEnv;
export type AnalyticsEnv = z.infer<typeof AnalyticsEnv>;

/** Worker bindings that are plain strings (vars and secrets); KV/D1/DO bindings are typed in edge. */
export const EdgeEnv = z.object({
  INGEST_URL: url,
  INGEST_TOKEN: secret,
  UPSTASH_REDIS_REST_URL: url,
  UPSTASH_REDIS_REST_TOKEN: z.string().min(1),
  INGEST_TIMEOUT_MS: z.coerce.number().int().min(50).max(30_000).default(2000),
  FEATURE_STORE_TIMEOUT_MS: z.coerce.number().int().min(10).max(10_000).default(300),
  /** Platform operator key (a secret): tenant provisioning, limits, /v1/platform/metrics. */
  ADMIN_API_KEY: secret.optional(),
  /** Circuit breakers (feature store, ingest, ClickHouse, messaging API): consecutive failures that open one, and how long it stays open before a probe. */
  BREAKER_FAILURES: z.coerce.number().int().min(1).max(1000).default(5),
  BREAKER_OPEN_MS: z.coerce.number().int().min(100).max(600_000).default(5000),
  /** JSON {kid: secret}; the first key signs playback tokens, every listed key verifies (rotation). */
  PLAYBACK_SIGNING_KEYS: z.string().min(2).describe('JSON object {kid: secret}'),
  /** Base URL of the HLS origin that play-auth hands out (media-node locally, R2 Worker route in production). */
  MEDIA_ORIGIN_URL: url.default('http://127.0.0.1:8790'),
  /** Shared secret of the media-node for /v1/internal/* (optional: tenant super/admin keys work too). */
  EDGE_INTERNAL_TOKEN: secret.optional(),
  PLAYBACK_TOKEN_TTL_SECONDS: z.coerce.number().int().min(30).max(86_400).default(900),
  /** Analytics admin API: ClickHouse over HTTP (@clickhouse/client-web) and its query limits. */
  ...ClickHouseEnv.shape,
  ANALYTICS_MAX_RANGE_DAYS: z.coerce.number().int().min(1).max(3660).default(366),
  ANALYTICS_QUERY_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(15_000),
  ...EventTimeEnv.shape,
});
export type EdgeEnv = z.infer<typeof EdgeEnv>;

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    detail: string,
  ) {
    super(`invalid configuration: ${variable}: ${detail}`);
    this.name = 'ConfigError';
  }
}

/** Parses an environment with a schema; the first bad variable is named in the error. */
export function parseEnv<S extends z.ZodType>(schema: S, env: Record<string, string | undefined>): z.infer<S> {
  const r = schema.safeParse(env);
  if (r.success) return r.data;
  const issue = r.error.issues[0]!;
  throw new ConfigError(String(issue.path[0] ?? '?'), issue.message);
}

/**
 * Request body limits of the edge Worker per route class, in bytes: a larger body answers 413
 * `payload_too_large` before any handler reads it (edge/src/http/body-limits.ts says which route is
 * which class; every other route with a body is `jsonWrite`).
 */
export const BODY_LIMITS = {
  /** Ordinary JSON writes (items, courses, schedules, scenarios, keys…). */
  jsonWrite: 256 * 1024,
  /** POST /v1/events: up to 500 events per batch. */
  eventBatch: 1024 * 1024,
  /** JSON bodies that carry lists by design: campaign audiences, schedule batches and legacy imports. */
  bulkJson: 16 * 1024 * 1024,
  /** POST /v1/items/import (NDJSON): MAX_IMPORT_LINES lines of 2 KiB on average. */
  ndjsonImport: 10_000 * 2048,
  /** PUT /v1/models/:id/versions/:v (ONNX bytes). */
  modelUpload: 20 * 1024 * 1024,
  /** PUT /v1/embeddings/:version (ids + base64 float32 vectors). */
  embeddingUpload: 64 * 1024 * 1024,
} as const;
export type BodyLimitClass = keyof typeof BODY_LIMITS;
