import type { EdgeEnv } from '@vidplat/contracts';
import { breaker } from '../guardrails/breaker.js';

/** One Redis command as the Upstash REST API takes it. */
export type StoreCommand = (string | number)[];

/** What the recommend path needs from the feature store: one pipelined round trip at a time. */
export interface FeatureStore {
  /** Results in command order; throws when the store is unreachable or any command failed. */
  pipeline(commands: StoreCommand[]): Promise<unknown[]>;
}

/**
 * The Upstash REST `/pipeline` endpoint called with fetch. The @upstash/redis client builds a
 * Pipeline object with a named closure for each of its ~200 commands on every call, which cost
 * more CPU than ranking; this path only ever needs GET, ZRANGE and HMGET. Replies are plain JSON
 * (no base64 encoding requested): ids stay strings, values are checked against their contracts
 * by the callers. A timeout per attempt; a network failure is retried once after 10 ms.
 */
export class UpstashPipeline implements FeatureStore {
  private readonly endpoint: string;
  private readonly headers: Record<string, string>;
  constructor(url: string, token: string, private readonly timeoutMs: number) {
    this.endpoint = `${url.replace(/\/$/, '')}/pipeline`;
    this.headers = { authorization: `Bearer ${token}`, 'content-type': 'application/json' };
  }

  async pipeline(commands: StoreCommand[]): Promise<unknown[]> {
    if (!commands.length) return [];
    const body = JSON.stringify(commands);
    let res: Response | null = null;
    for (let attempt = 0; !res; attempt++) {
      try {
        res = await fetch(this.endpoint, { method: 'POST', headers: this.headers, body, signal: AbortSignal.timeout(this.timeoutMs) });
      } catch (e) {
        // A timeout already waited the whole budget: no second attempt.
        if (attempt >= 1 || (e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError'))) throw e;
        await new Promise((r) => setTimeout(r, 10));
      }
    }
    if (!res.ok) throw new Error(`feature store answered HTTP ${res.status}: ${(await res.text()).slice(0, 200)}`);
    const replies = (await res.json()) as { result?: unknown; error?: string }[];
    if (!Array.isArray(replies) || replies.length !== commands.length) throw new Error('feature store: malformed pipeline reply');
    return replies.map((r, i) => {
      if (r?.error !== undefined) throw new StoreCommandError(`feature store: ${r.error} (${String(commands[i]![0])})`);
      return r.result ?? null;
    });
  }
}

/** One command of a pipeline failed (wrong type, bad argument): the store itself answered. */
export class StoreCommandError extends Error {
  override name = 'StoreCommandError';
}

const notCommandError = (e: unknown) => !(e instanceof StoreCommandError);

/**
 * A feature store behind the isolate's `feature-store` circuit breaker: unreachable, timed out or
 * 5xx counts against it; a command error does not (the store is up). While open, calls throw
 * BreakerOpen at once instead of waiting out the timeout.
 */
export class GuardedStore implements FeatureStore {
  private readonly b;
  constructor(private readonly inner: FeatureStore, cfg: EdgeEnv) {
    this.b = breaker('feature-store', { failures: cfg.BREAKER_FAILURES, openMs: cfg.BREAKER_OPEN_MS });
  }
  pipeline(commands: StoreCommand[]): Promise<unknown[]> {
    return this.b.run(() => this.inner.pipeline(commands), notCommandError);
  }
}

const clients = new Map<string, FeatureStore>();

/** The recommend path's feature-store client (one per isolate per URL, behind the breaker); featureStore() in redis.ts serves the rest. */
export function recommendStore(cfg: EdgeEnv): FeatureStore {
  let r = clients.get(cfg.UPSTASH_REDIS_REST_URL);
  if (!r) {
    r = new GuardedStore(new UpstashPipeline(cfg.UPSTASH_REDIS_REST_URL, cfg.UPSTASH_REDIS_REST_TOKEN, cfg.FEATURE_STORE_TIMEOUT_MS), cfg);
    clients.set(cfg.UPSTASH_REDIS_REST_URL, r);
  }
  return r;
}
