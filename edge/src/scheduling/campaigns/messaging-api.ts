import { breaker } from '../../guardrails/breaker.js';

/** Outcome of one multicast request, as the campaign's checkpointing needs it. */
export type SendResult =
  | { kind: 'accepted' }
  /** The API already accepted this idempotency key: an earlier attempt got through. */
  | { kind: 'duplicate' }
  /** 4xx other than 409/429: the request itself is wrong; retrying will not help. */
  | { kind: 'rejected'; error: string }
  /** Network error, timeout, 429 or 5xx: retry with the same key. */
  | { kind: 'transient'; error: string };

/**
 * A LINE-style messaging API: POST /v2/bot/message/multicast (≤ 500 recipients) with a retry key,
 * GET /v2/bot/message/quota and /quota/consumption. Base URL and token are configuration.
 */
export class MessagingApi {
  constructor(
    private readonly baseUrl: string,
    private readonly token: string,
    private readonly timeoutMs: number,
  ) {}

  /**
   * Behind the isolate's `messaging-api` breaker: after consecutive transient failures a send is
   * refused without a request (transient: the batch keeps its key and retries with backoff).
   */
  async multicast(to: string[], text: string, idempotencyKey: string): Promise<SendResult> {
    const b = breaker('messaging-api');
    try {
      b.admit();
    } catch (e) {
      return { kind: 'transient', error: e instanceof Error ? e.message : String(e) };
    }
    const r = await this.send(to, text, idempotencyKey);
    if (r.kind === 'transient') b.failed(new Error(r.error));
    else b.succeeded();
    return r;
  }

  private async send(to: string[], text: string, idempotencyKey: string): Promise<SendResult> {
    try {
      const res = await fetch(`${this.baseUrl}/v2/bot/message/multicast`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${this.token}`,
          'x-line-retry-key': idempotencyKey,
          'idempotency-key': idempotencyKey,
        },
        body: JSON.stringify({ to, messages: [{ type: 'text', text }] }),
        signal: AbortSignal.timeout(this.timeoutMs),
      });
      const detail = (await res.text()).slice(0, 300);
      if (res.ok) return { kind: 'accepted' };
      if (res.status === 409) return { kind: 'duplicate' };
      if (res.status === 429 || res.status >= 500) return { kind: 'transient', error: `messaging API ${res.status}: ${detail}` };
      return { kind: 'rejected', error: `messaging API ${res.status}: ${detail}` };
    } catch (e) {
      return { kind: 'transient', error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) };
    }
  }

  /** Messages left this month, or null when unlimited or not answerable right now. */
  async remainingQuota(): Promise<number | null> {
    try {
      const get = async (path: string) => {
        const res = await fetch(`${this.baseUrl}${path}`, { headers: { authorization: `Bearer ${this.token}` }, signal: AbortSignal.timeout(this.timeoutMs) });
        if (!res.ok) throw new Error(`${path} answered ${res.status}`);
        return (await res.json()) as Record<string, unknown>;
      };
      const q = await get('/v2/bot/message/quota');
      if (q.type !== 'limited' || typeof q.value !== 'number') return null;
      const used = await get('/v2/bot/message/quota/consumption');
      return q.value - Number(used.totalUsage ?? 0);
    } catch (e) {
      console.warn('messaging quota check failed', e instanceof Error ? e.message : String(e));
      return null;
    }
  }
}
