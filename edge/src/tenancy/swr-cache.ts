import { cacheLookups } from '../admin/counters.js';

/** Registers work that must outlive the response (ExecutionContext.waitUntil). */
export type WaitUntil = (p: Promise<unknown>) => void;

/** The request's waitUntil, or undefined where there is no ExecutionContext (Hono throws then). */
export function waitUntilOf(c: { executionCtx: { waitUntil(p: Promise<unknown>): void } }): WaitUntil | undefined {
  try {
    const ctx = c.executionCtx;
    return (p) => ctx.waitUntil(p);
  } catch {
    return undefined;
  }
}

/**
 * Bench diagnostic, set only by the bench Worker (edge/bench/worker.ts, BENCH_FREEZE_REFRESH=1 from
 * `npm run bench:edge` with BENCH_FREEZE=1; the production Worker never sets it): once an isolate
 * cache holds a value it is never refreshed (D1 caches here, the model and embedding KV pointer
 * checks), so a latency run can tell whether background refreshes cause the tail.
 */
export const refreshHold = { frozen: false };

/**
 * Per-isolate read-through cache with refresh-ahead (stale-while-revalidate) and single-flight,
 * for small D1 lookups on the hot path (API keys, scenarios, experiments).
 *
 * - age < refreshMs: served from memory.
 * - refreshMs ≤ age < maxAgeMs: served from memory; one background reload per key is started and
 *   kept alive with waitUntil, so no request waits for D1 in steady state.
 * - age ≥ maxAgeMs or never loaded: the request waits, but concurrent requests share one reload.
 *
 * The age counts from when the reload *started*, so nothing older than maxAgeMs is ever served:
 * a change made through another isolate (revoked key, unpublished scenario) takes effect within
 * maxAgeMs, as before refresh-ahead existed.
 */
export class SwrCache<V> {
  private readonly entries = new Map<string, { v: V; at: number }>();
  private readonly inflight = new Map<string, { p: Promise<V>; at: number }>();

  constructor(
    private readonly refreshMs: number,
    private readonly maxAgeMs: number,
    /** A reload older than this is presumed lost (its request was cancelled) and started again. */
    private readonly reloadTimeoutMs = 5_000,
    /** Name in the edge_cache_lookups_total metric. */
    metricName = 'swr',
  ) {
    this.hits = cacheLookups.series([metricName, 'hit']);
    this.stales = cacheLookups.series([metricName, 'stale']);
    this.misses = cacheLookups.series([metricName, 'miss']);
  }
  private readonly hits: { n: number };
  private readonly stales: { n: number };
  private readonly misses: { n: number };

  /** The value when it needs no reload yet (age < refreshMs), else undefined: then call get. */
  peek(key: string, now = Date.now()): V | undefined {
    const hit = this.entries.get(key);
    if (hit && (now - hit.at < this.refreshMs || refreshHold.frozen)) {
      this.hits.n++;
      return hit.v;
    }
    return undefined;
  }

  async get(key: string, load: () => Promise<V>, waitUntil?: WaitUntil, now = Date.now()): Promise<V> {
    const hit = this.entries.get(key);
    if (hit) {
      const age = now - hit.at;
      if (age < this.refreshMs || refreshHold.frozen) {
        this.hits.n++;
        return hit.v;
      }
      if (age < this.maxAgeMs) {
        this.stales.n++;
        // A failed background reload keeps the current value; the next request tries again.
        this.reload(key, load, waitUntil, now)?.catch(() => undefined);
        return hit.v;
      }
    }
    this.misses.n++;
    return this.reload(key, load, waitUntil, now) ?? this.inflight.get(key)!.p;
  }

  /** Starts a reload unless one is in flight; returns the new promise, or undefined if shared. */
  private reload(key: string, load: () => Promise<V>, waitUntil: WaitUntil | undefined, now: number): Promise<V> | undefined {
    const cur = this.inflight.get(key);
    if (cur && now - cur.at < this.reloadTimeoutMs) return undefined;
    const mine: { p: Promise<V>; at: number } = { p: undefined as unknown as Promise<V>, at: now };
    // Stored only while still the current reload: a local write (delete) in between wins.
    const p = load().then((v) => {
      if (this.inflight.get(key) === mine) this.entries.set(key, { v, at: now });
      return v;
    });
    mine.p = p;
    this.inflight.set(key, mine);
    const done = p
      .finally(() => {
        if (this.inflight.get(key) === mine) this.inflight.delete(key);
      })
      .catch(() => undefined); // the callers of p see the error; this branch must not be unhandled
    // Keeps the reload alive past this request's response, so requests sharing it never hang.
    waitUntil?.(done);
    return p;
  }

  /** Drops a key (and any reload in flight, whose result is then ignored) after a local write. */
  delete(key: string): void {
    this.entries.delete(key);
    this.inflight.delete(key);
  }

  /** Drops every entry whose value matches, e.g. all cached hashes of one revoked key id. */
  deleteWhere(pred: (v: V) => boolean): void {
    for (const [k, e] of this.entries) if (pred(e.v)) this.entries.delete(k);
    this.inflight.clear(); // a reload that read before the write must not store its result
  }
}
