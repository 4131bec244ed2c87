import type { Principal } from './tenancy/api-keys.js';
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
  CATALOGUE: D1Database;
  MODELS: KVNamespace;
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
