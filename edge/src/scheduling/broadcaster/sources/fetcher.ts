/**
 * Live video statistics from a third-party platform, behind one interface. A fetcher knows one
 * platform's request and response shapes and classifies its errors; `fetchStats` adds what every
 * platform needs: batches of the platform's maximum size, a timeout per request, bounded retries
 * with exponential backoff for transient failures only (never for a bad key or an exhausted quota,
 * which a retry cannot fix), and a per-batch outcome so one failing batch never hides the others.
 */
export interface VideoStats {
  /** Absent when the platform did not report it (e.g. likes hidden by the owner). */
  views?: number;
  likes?: number;
}

export type FetchErrorKind = 'not_configured' | 'bad_key' | 'quota_exceeded' | 'rate_limited' | 'bad_request' | 'unavailable' | 'bad_response';

export class StatsFetchError extends Error {
  constructor(
    readonly platform: string,
    readonly kind: FetchErrorKind,
    message: string,
    /** Worth another attempt within this run (network, timeout, 5xx, rate limit). */
    readonly retryable: boolean,
  ) {
    super(`${platform}: ${kind}: ${message}`);
    this.name = 'StatsFetchError';
  }
}

export interface StatsFetcher {
  readonly platform: string;
  /** Most ids the platform accepts in one request. */
  readonly maxBatch: number;
  /** One request. Ids the platform does not know (deleted, private, not the account's) are absent. */
  fetchBatch(ids: string[], signal: AbortSignal): Promise<Map<string, VideoStats>>;
}

export interface FetchPolicy {
  timeoutMs: number;
  retries: number;
  retryBaseMs: number;
}

export interface FetchResult {
  /** Ids the platform answered for. */
  stats: Map<string, VideoStats>;
  /** Ids the platform answered without (not found / not visible): no data, not an error. */
  notFound: string[];
  /** Ids whose request failed after its retries, with why. */
  failed: Map<string, StatsFetchError>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Any thrown value as a StatsFetchError: an abort is a timeout, a TypeError a network failure. */
export function asFetchError(platform: string, e: unknown): StatsFetchError {
  if (e instanceof StatsFetchError) return e;
  const name = e instanceof Error ? e.name : '';
  if (name === 'TimeoutError' || name === 'AbortError') return new StatsFetchError(platform, 'unavailable', 'timed out', true);
  return new StatsFetchError(platform, 'unavailable', e instanceof Error ? e.message : String(e), true);
}

/** Reads a JSON body; a body that is not JSON is the platform's fault, reported with its status. */
export async function jsonBody(platform: string, res: Response): Promise<unknown> {
  const text = await res.text();
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new StatsFetchError(platform, res.status >= 500 ? 'unavailable' : 'bad_response', `HTTP ${res.status}, not JSON`, res.status >= 500);
  }
}

/** A non-negative integer from a number or a decimal string (YouTube sends counts as strings). */
export function count(v: unknown): number | undefined {
  const n = typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : typeof v === 'number' ? v : NaN;
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

async function batchWithRetries(f: StatsFetcher, ids: string[], p: FetchPolicy): Promise<Map<string, VideoStats>> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await f.fetchBatch(ids, AbortSignal.timeout(p.timeoutMs));
    } catch (e) {
      const err = asFetchError(f.platform, e);
      if (!err.retryable || attempt >= p.retries) throw err;
      // Full jitter: concurrent tasks hitting the same platform do not retry in lockstep.
      await sleep(Math.round(p.retryBaseMs * 2 ** attempt * (0.5 + Math.random() / 2)));
    }
  }
}

export async function fetchStats(f: StatsFetcher, ids: string[], p: FetchPolicy): Promise<FetchResult> {
  const unique = [...new Set(ids)];
  const batches: string[][] = [];
  for (let i = 0; i < unique.length; i += f.maxBatch) batches.push(unique.slice(i, i + f.maxBatch));
  const out: FetchResult = { stats: new Map(), notFound: [], failed: new Map() };
  const settled = await Promise.allSettled(batches.map((b) => batchWithRetries(f, b, p)));
  settled.forEach((r, i) => {
    for (const id of batches[i]!) {
      if (r.status === 'rejected') out.failed.set(id, asFetchError(f.platform, r.reason));
      else if (r.value.has(id)) out.stats.set(id, r.value.get(id)!);
      else out.notFound.push(id);
    }
  });
  return out;
}

/** A platform with no credentials configured: every id fails, without a request. */
export function unconfigured(platform: string, what: string): StatsFetcher {
  return {
    platform,
    maxBatch: 1_000,
    fetchBatch: async () => {
      throw new StatsFetchError(platform, 'not_configured', `${what} is not set`, false);
    },
  };
}
