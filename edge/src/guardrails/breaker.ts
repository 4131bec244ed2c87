/**
 * Circuit breakers for the edge's dependencies (feature store, ingest producer, ClickHouse,
 * messaging API): one per dependency per isolate, shared by every caller, so a dead upstream
 * costs its callers one timeout per `failures` requests instead of one per request.
 *
 *   closed ──(N consecutive failures or timeouts)──► open ──(openMs elapsed)──► half-open
 *   half-open: one probe call at a time goes through; success closes, failure re-opens.
 *
 * While open (and while a probe is in flight) calls fail fast with BreakerOpen, which carries
 * when the next probe is due; callers answer from their fallback or with 503 + Retry-After.
 * The state is exported in the metrics (edge_breaker_state, edge_breaker_transitions_total).
 */

export type BreakerState = 'closed' | 'open' | 'half_open';

export interface BreakerOptions {
  /** Consecutive failures that open the circuit. */
  failures: number;
  /** How long the circuit stays open before a probe is let through. */
  openMs: number;
}

export const DEFAULT_BREAKER: BreakerOptions = { failures: 5, openMs: 5_000 };

/** The circuit is open: the call was not made. */
export class BreakerOpen extends Error {
  override name = 'BreakerOpen';
  constructor(
    readonly breaker: string,
    /** Milliseconds until the next probe may go through (≥ 0). */
    readonly retryAfterMs: number,
  ) {
    super(`${breaker} circuit open (upstream failing), next probe in ${Math.max(0, Math.ceil(retryAfterMs))} ms`);
  }
  /** Whole seconds for a Retry-After header (at least 1). */
  get retryAfterSeconds(): number {
    return Math.max(1, Math.ceil(this.retryAfterMs / 1000));
  }
}

export class CircuitBreaker {
  private st: BreakerState = 'closed';
  private consecutive = 0;
  private openedAt = 0;
  private probing = false;
  /** Transitions into each state since the isolate started (metrics). */
  readonly transitions: Record<BreakerState, number> = { closed: 0, open: 0, half_open: 0 };
  /** Calls refused while open (metrics). */
  rejected = 0;
  lastError: string | null = null;

  constructor(
    readonly name: string,
    public options: BreakerOptions = DEFAULT_BREAKER,
    private readonly now: () => number = Date.now,
  ) {}

  /** The state now (an open circuit whose time is up reports half-open). */
  get state(): BreakerState {
    if (this.st === 'open' && this.now() - this.openedAt >= this.options.openMs) return 'half_open';
    return this.st;
  }

  /**
   * Runs `fn` through the breaker. `isFailure` decides which errors count against the upstream
   * (default: all); an error that does not count still propagates but resets nothing.
   */
  async run<T>(fn: () => Promise<T>, isFailure: (e: unknown) => boolean = () => true): Promise<T> {
    this.admit();
    try {
      const v = await fn();
      this.succeeded();
      return v;
    } catch (e) {
      if (isFailure(e)) this.failed(e);
      else this.released();
      throw e;
    }
  }

  /** Throws BreakerOpen unless a call may go through now; the caller must then report succeeded/failed/released. */
  admit(): void {
    const s = this.state;
    if (s === 'closed') return;
    if (s === 'half_open' && !this.probing) {
      if (this.st !== 'half_open') this.move('half_open');
      this.probing = true;
      return;
    }
    this.rejected++;
    const wait = this.st === 'open' ? this.openedAt + this.options.openMs - this.now() : this.options.openMs;
    throw new BreakerOpen(this.name, Math.max(0, wait));
  }

  succeeded(): void {
    this.consecutive = 0;
    this.probing = false;
    if (this.st !== 'closed') this.move('closed');
  }

  failed(e?: unknown): void {
    this.lastError = e === undefined ? null : e instanceof Error ? e.message.slice(0, 200) : String(e).slice(0, 200);
    this.probing = false;
    this.consecutive++;
    if (this.st === 'half_open' || (this.st === 'closed' && this.consecutive >= this.options.failures)) {
      this.openedAt = this.now();
      this.move('open');
    }
  }

  /** The admitted call ended in a way that says nothing about the upstream. */
  released(): void {
    this.probing = false;
  }

  private move(to: BreakerState): void {
    this.st = to;
    this.transitions[to]++;
  }
}

const breakers = new Map<string, CircuitBreaker>();

/** The isolate's breaker for a dependency (created on first use; options apply from then on). */
export function breaker(name: string, options?: Partial<BreakerOptions>): CircuitBreaker {
  let b = breakers.get(name);
  if (!b) breakers.set(name, (b = new CircuitBreaker(name, { ...DEFAULT_BREAKER, ...options })));
  else if (options) b.options = { ...b.options, ...options };
  return b;
}

/** Every breaker of this isolate (metrics, health). */
export function allBreakers(): CircuitBreaker[] {
  return [...breakers.values()];
}

/**
 * A fetch through a breaker: network errors, timeouts and 5xx answers count as failures
 * (a 5xx Response is still returned to the caller, which knows what it means for it).
 */
export function guardedFetch(b: CircuitBreaker, f: typeof fetch = fetch): typeof fetch {
  return (async (input: RequestInfo | URL, init?: RequestInit) => {
    b.admit();
    let res: Response;
    try {
      res = await f(input, init);
    } catch (e) {
      b.failed(e);
      throw e;
    }
    if (res.status >= 500) b.failed(new Error(`HTTP ${res.status}`));
    else b.succeeded();
    return res;
  }) as typeof fetch;
}

export const BREAKER_STATE_VALUE: Record<BreakerState, number> = { closed: 0, half_open: 1, open: 2 };
