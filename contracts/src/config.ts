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

export const StreamEnv = KafkaEnv.extend(ClickHouseEnv.shape).extend({
  REDIS_URL: url.default('redis://127.0.0.1:6379'),
  INGEST_PORT: port.default(8788),
  INGEST_TOKEN: secret,
  METRICS_PORT: port.default(9464),
  LOG_LEVEL: z.enum(['debug', 'info', 'warn', 'error']).default('info'),
});
export type StreamEnv = z.infer<typeof StreamEnv>;

export const MediaNodeEnv = KafkaEnv.extend({
  MEDIA_PORT: port.default(8790),
  MEDIA_UPLOAD_DIR: z.string().min(1).default('.run/uploads'),
  MEDIA_OUTPUT_DIR: z.string().min(1).default('.run/media'),
  MEDIA_MAX_UPLOAD_BYTES: z.coerce.number().int().positive().default(4 * 1024 ** 3),
  EDGE_URL: url,
  EDGE_INTERNAL_TOKEN: secret,
  PLAYBACK_SIGNING_KEYS: z.string().min(2).describe('JSON object {kid: secret}'),
});
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
  /** JSON {kid: secret}; the first key signs playback tokens, every listed key verifies (rotation). */
  PLAYBACK_SIGNING_KEYS: z.string().min(2).describe('JSON object {kid: secret}'),
  /** Base URL of the HLS origin that play-auth hands out (media-node locally, R2 Worker route in production). */
  MEDIA_ORIGIN_URL: url.default('http://127.0.0.1:8790'),
  /** Shared secret of the media-node for /v1/internal/* (optional: tenant super/admin keys work too). */
  EDGE_INTERNAL_TOKEN: secret.optional(),
  PLAYBACK_TOKEN_TTL_SECONDS: z.coerce.number().int().min(30).max(86_400).default(900),
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
