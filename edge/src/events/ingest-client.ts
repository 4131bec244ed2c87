import type { BehaviourEvent, EdgeEnv } from '@vidplat/contracts';

export class IngestUnavailable extends Error {
  override name = 'IngestUnavailable';
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Hands a validated batch to the stream tier's ingest producer. Bounded: up to three attempts
 * inside the configured time budget, then IngestUnavailable (the route answers 503 and the client
 * retries with the same eventIds, which the sinks dedupe).
 */
export async function forwardToIngest(cfg: EdgeEnv, events: BehaviourEvent[], attempts = 3): Promise<void> {
  const deadline = Date.now() + cfg.INGEST_TIMEOUT_MS;
  let last = 'no attempt made';
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const remaining = deadline - Date.now();
    if (remaining <= 0) break;
    try {
      const res = await fetch(`${cfg.INGEST_URL}/ingest/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${cfg.INGEST_TOKEN}` },
        body: JSON.stringify({ events }),
        signal: AbortSignal.timeout(remaining),
      });
      if (res.ok) return;
      last = `ingest answered ${res.status}`;
      // 4xx means the batch itself is wrong: retrying would not help.
      if (res.status >= 400 && res.status < 500) throw new Error(`${last}: ${await res.text()}`);
    } catch (e) {
      if (e instanceof Error && e.message.startsWith('ingest answered 4')) throw e;
      last = e instanceof Error ? e.message : String(e);
    }
    if (attempt < attempts) await sleep(Math.min(400, 50 * 2 ** attempt));
  }
  throw new IngestUnavailable(last);
}
