import { IngestResponse, type BehaviourEvent, type EdgeEnv, type EventOrigin } from '@vidplat/contracts';
import { breaker, BreakerOpen } from '../guardrails/breaker.js';

export class IngestUnavailable extends Error {
  override name = 'IngestUnavailable';
  /** Seconds a client should wait before retrying the batch (the breaker's next probe when open). */
  constructor(message: string, readonly retryAfterSeconds = 1) {
    super(message);
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface IngestSend {
  /** Who hands the events in (the ingest applies the door rule for it). Default: the platform's own components. */
  origin?: EventOrigin;
  /** The tenant's own live horizon, when it has one. */
  horizonDays?: number;
}

/**
 * Hands a validated batch to the stream tier's ingest producer. Bounded: up to three attempts
 * inside the configured time budget, then IngestUnavailable (the route answers 503 and the client
 * retries with the same eventIds, which the sinks dedupe). The ingest applies the door rule again;
 * what it refuses (by index) comes back in `rejected` — everything else is on Kafka.
 */
export async function forwardToIngest(cfg: EdgeEnv, events: BehaviourEvent[], attempts = 3, send: IngestSend = {}): Promise<IngestResponse> {
  // The `ingest` breaker: after consecutive failed batches, refuse at once (503 + Retry-After,
  // nothing accepted) instead of holding every client for the whole time budget.
  const b = breaker('ingest', { failures: cfg.BREAKER_FAILURES, openMs: cfg.BREAKER_OPEN_MS });
  try {
    b.admit();
  } catch (e) {
    if (e instanceof BreakerOpen) throw new IngestUnavailable(e.message, e.retryAfterSeconds);
    throw e;
  }
  try {
    const res = await sendToIngest(cfg, events, attempts, send);
    b.succeeded();
    return res;
  } catch (e) {
    if (e instanceof IngestUnavailable) b.failed(e);
    else b.released();
    throw e;
  }
}

async function sendToIngest(cfg: EdgeEnv, events: BehaviourEvent[], attempts: number, send: IngestSend): Promise<IngestResponse> {
  const deadline = Date.now() + cfg.INGEST_TIMEOUT_MS;
  const origin = send.origin ?? 'platform';
  let last = 'no attempt made';
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) break;
    try {
      const res = await fetch(`${cfg.INGEST_URL}/ingest/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${cfg.INGEST_TOKEN}` },
        body: JSON.stringify({ events, origin, ...(send.horizonDays ? { horizonDays: send.horizonDays } : {}) }),
        signal: AbortSignal.timeout(remaining),
      });
      if (res.ok || res.status === 400) {
        const text = await res.text();
        let parsed: ReturnType<typeof IngestResponse.safeParse> | undefined;
        try {
          parsed = IngestResponse.safeParse(JSON.parse(text));
        } catch {
          parsed = undefined;
        }
        if (parsed?.success) {
          // The platform's own events are never posted by a client: a refusal is logged, not lost silently.
          if (origin === 'platform' && parsed.data.rejected.length) console.warn('ingest refused platform events', JSON.stringify(parsed.data.rejected.slice(0, 5)));
          return parsed.data;
        }
        // 200 = all written, whatever the body says; a 400 without per-event results refused the batch.
        if (res.ok) return { written: events.length, rejected: [] };
        throw new Error(`ingest answered ${res.status}: ${text.slice(0, 300)}`);
      } else {
        last = `ingest answered ${res.status}`;
        // 4xx means the batch itself is wrong: retrying would not help.
        if (res.status >= 400 && res.status < 500) throw new Error(`${last}: ${await res.text()}`);
      }
    } catch (e) {
      if (e instanceof Error && e.message.startsWith('ingest answered 4')) throw e;
      last = e instanceof Error ? e.message : String(e);
    }
    if (attempt < attempts) await sleep(Math.min(400, 50 * 2 ** attempt));
  }
  throw new IngestUnavailable(last);
}
