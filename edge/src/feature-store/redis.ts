import { Redis } from '@upstash/redis/cloudflare';
import type { EdgeEnv } from '@vidplat/contracts';

const clients = new Map<string, Redis>();

/** One @upstash/redis client per isolate and URL: REST over fetch, with bounded retries. */
export function featureStore(cfg: EdgeEnv): Redis {
  const key = cfg.UPSTASH_REDIS_REST_URL;
  let r = clients.get(key);
  if (!r) {
    r = new Redis({
      url: cfg.UPSTASH_REDIS_REST_URL,
      token: cfg.UPSTASH_REDIS_REST_TOKEN,
      retry: { retries: 2, backoff: (n) => 20 * 2 ** n },
      enableTelemetry: false,
      // A fresh deadline per request: the recommend path must not hang on the feature store.
      signal: () => AbortSignal.timeout(cfg.FEATURE_STORE_TIMEOUT_MS),
    });
    clients.set(key, r);
  }
  return r;
}
