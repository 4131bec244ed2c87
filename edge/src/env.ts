import type { Principal } from './tenancy/api-keys.js';
import type { BroadcasterRpc, CampaignRpc, NotifierRpc, SchedulerRpc } from './scheduling/rpc.js';
import type { RateLimiterRpc } from './guardrails/rate-limiter-rpc.js';
import { EdgeEnv, parseEnv } from '@vidplat/contracts';

/** Worker bindings as wrangler.toml declares them; string vars are validated by EdgeEnv. */
export interface Bindings {
  INGEST_URL: string;
  INGEST_TOKEN: string;
  UPSTASH_REDIS_REST_URL: string;
  UPSTASH_REDIS_REST_TOKEN: string;
  INGEST_TIMEOUT_MS?: string;
  /** Platform operator key (a secret): provisions tenants. */
  ADMIN_API_KEY?: string;
  /** "1" under wrangler dev only: the X-Region header decides the viewer's region (cf is a fixed mock there). */
  REGION_FROM_HEADER?: string;
  /** JSON {kid: secret}: signs playback tokens (first key) and verifies them (all keys). */
  PLAYBACK_SIGNING_KEYS: string;
  /** Base URL of the HLS origin in play responses (default http://127.0.0.1:8790). */
  MEDIA_ORIGIN_URL?: string;
  /** Shared secret of the media-node for /v1/internal/videos (optional). */
  EDGE_INTERNAL_TOKEN?: string;
  PLAYBACK_TOKEN_TTL_SECONDS?: string;
  /** HLS files in R2 (production media origin route /hls/*); optional locally. */
  MEDIA?: R2Bucket;
  /** Analytics admin API (ClickHouse HTTP); defaults in EdgeEnv. */
  CLICKHOUSE_URL?: string;
  CLICKHOUSE_DATABASE?: string;
  CLICKHOUSE_USER?: string;
  CLICKHOUSE_PASSWORD?: string;
  ANALYTICS_MAX_RANGE_DAYS?: string;
  ANALYTICS_QUERY_TIMEOUT_MS?: string;
  CATALOGUE: D1Database;
  MODELS: KVNamespace;
  /** Scheduling (issue 5): one Scheduler and one Broadcaster per tenant, one Campaign per campaign. */
  SCHEDULER: DurableObjectNamespace<SchedulerRpc>;
  BROADCASTER: DurableObjectNamespace<BroadcasterRpc>;
  CAMPAIGN: DurableObjectNamespace<CampaignRpc>;
  /** One Notifier per tenant: reminders, subscriber notifications and gate failures delivered. */
  NOTIFIER: DurableObjectNamespace<NotifierRpc>;
  /** Guardrails: one RateLimiter per tenant, the shared count of its request rates (optional: per-isolate limits without it). */
  RATE_LIMITER?: DurableObjectNamespace<RateLimiterRpc>;
  /** Messaging API base URL (multicast) and its token (a secret). */
  MESSAGING_API_URL?: string;
  MESSAGING_API_TOKEN?: string;
  /** JSON {secretRef: secret} for broadcaster webhook signatures (a secret). */
  BROADCAST_WEBHOOK_SECRETS?: string;
  /** Broadcaster live statistics fetchers: API keys / tokens (secrets) and base URLs (vars). */
  YOUTUBE_API_KEY?: string;
  YOUTUBE_API_URL?: string;
  TIKTOK_ACCESS_TOKEN?: string;
  TIKTOK_API_URL?: string;
  DOUYIN_ACCESS_TOKEN?: string;
  DOUYIN_OPEN_ID?: string;
  DOUYIN_API_URL?: string;
  STATS_FETCH_TIMEOUT_MS?: string;
  STATS_FETCH_RETRIES?: string;
  STATS_FETCH_RETRY_BASE_MS?: string;
}

export type AppEnv = { Bindings: Bindings; Variables: { principal: Principal } };

const cache = new WeakMap<object, EdgeEnv>();

/** Validated string config, parsed once per isolate per env object. */
export function edgeConfig(b: Bindings): EdgeEnv {
  let c = cache.get(b);
  if (!c) {
    c = parseEnv(EdgeEnv, b as unknown as Record<string, string | undefined>);
    cache.set(b, c);
  }
  return c;
}
