import type { NotificationWebhookBody, RetryPolicy } from '@vidplat/contracts';
import { notifierDeliveries } from '../../admin/counters.js';
import { MessagingApi, type SendResult } from '../campaigns/messaging-api.js';
import { schedulingConfig } from '../shared/config.js';
import { signPayload } from '../broadcaster/signature.js';
import { readSettings, type DeliveryRow, type NotificationRow, type NotifierStore } from './store.js';

/**
 * The delivery loop the alarm runs. Each attempt is leased before its request goes out: the
 * attempt count, an 'interrupted' log row and a next_attempt_at past the request timeout are
 * committed first. If the notifier dies with the request in flight, the lease expires, the alarm
 * fires again and the delivery is re-sent with the same idempotency key; the receiver (honouring
 * the key, as LINE does with X-Line-Retry-Key) answers it as a duplicate and the delivery is
 * recorded as delivered. So every notification takes effect at a receiver exactly once.
 */

/** Deliveries sent per alarm run, concurrently; the rest re-arm the alarm for right after. */
const BATCH = 50;
/** Lease beyond the request timeout before an unanswered attempt is tried again. */
const LEASE_MARGIN_MS = 2_000;

type Policy = RetryPolicy & { timeoutMs: number };

export async function deliverDue(st: NotifierStore, now: number): Promise<number> {
  const due = st.sql
    .exec<DeliveryRow>("SELECT * FROM deliveries WHERE state = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?", now, BATCH)
    .toArray();
  if (!due.length) return 0;
  const leased = st.storage.transactionSync(() =>
    due.map((d) => {
      const policy = JSON.parse(d.policy) as Policy;
      st.sql.exec('UPDATE deliveries SET attempts = attempts + 1, next_attempt_at = ? WHERE idempotency_key = ?', now + policy.timeoutMs + LEASE_MARGIN_MS, d.idempotency_key);
      const attemptId = st.sql
        .exec<{ id: number }>("INSERT INTO attempts (idempotency_key, at, status, outcome, error, duration_ms) VALUES (?, ?, NULL, 'interrupted', 'no answer seen (notifier stopped mid-request)', 0) RETURNING id", d.idempotency_key, now)
        .one().id;
      return { d: { ...d, attempts: d.attempts + 1 }, policy, attemptId };
    }),
  );
  // Committed before any request: a crash from here on leaves a lease, never a lost attempt.
  await st.storage.sync();
  const results = await Promise.all(leased.map(async (l) => ({ ...l, ...(await sendOne(st, l.d, l.policy)) })));
  const done = Date.now();
  st.storage.transactionSync(() => {
    for (const r of results) {
      const { d, policy, result, status, ms } = r;
      const outcome =
        result.kind === 'accepted' ? 'delivered' : result.kind === 'duplicate' ? 'duplicate' : result.kind === 'transient' && d.attempts < policy.attempts ? 'retry' : 'failed';
      const error = result.kind === 'rejected' || result.kind === 'transient' ? result.error.slice(0, 500) : null;
      st.sql.exec('UPDATE attempts SET status = ?, outcome = ?, error = ?, duration_ms = ? WHERE id = ?', status, outcome, error, ms, r.attemptId);
      notifierDeliveries.inc([d.channel, outcome]);
      if (outcome === 'delivered' || outcome === 'duplicate') {
        st.sql.exec("UPDATE deliveries SET state = 'delivered', delivered_at = ?, next_attempt_at = NULL, last_error = NULL WHERE idempotency_key = ?", done, d.idempotency_key);
      } else if (outcome === 'retry') {
        st.sql.exec('UPDATE deliveries SET next_attempt_at = ?, last_error = ? WHERE idempotency_key = ?', done + backoff(policy, d.attempts), error, d.idempotency_key);
      } else {
        st.sql.exec("UPDATE deliveries SET state = 'failed', next_attempt_at = NULL, last_error = ? WHERE idempotency_key = ?", error, d.idempotency_key);
      }
    }
  });
  return due.length;
}

/** Delay before attempt `attempt + 1`, from the policy stored with the delivery. */
export function backoff(p: RetryPolicy, attempt: number): number {
  const d = p.backoff.type === 'fixed' ? p.backoff.delayMs : p.backoff.delayMs * 2 ** Math.max(0, attempt - 1);
  return Math.min(p.backoff.maxDelayMs, d);
}

async function sendOne(st: NotifierStore, d: DeliveryRow, policy: Policy): Promise<{ result: SendResult; status: number | null; ms: number }> {
  const t0 = Date.now();
  const n = st.sql.exec<NotificationRow>('SELECT * FROM notifications WHERE id = ?', d.notification_id).toArray()[0];
  if (!n) return { result: { kind: 'rejected', error: 'notification missing' }, status: null, ms: 0 };
  if (d.channel === 'push') {
    const cfg = schedulingConfig(st.env);
    if (!cfg.MESSAGING_API_URL) return { result: { kind: 'rejected', error: 'MESSAGING_API_URL is not configured' }, status: null, ms: 0 };
    const api = new MessagingApi(cfg.MESSAGING_API_URL, cfg.MESSAGING_API_TOKEN ?? '', policy.timeoutMs);
    const result = await api.multicast(JSON.parse(d.recipients) as string[], pushText(n), await lineRetryKey(d.idempotency_key));
    return { result, status: null, ms: Date.now() - t0 };
  }
  return postWebhook(st, d, n, policy, t0);
}

/**
 * LINE's X-Line-Retry-Key must be a UUID: a name-based one (SHA-256 of the delivery's key, with
 * the version 5 and variant bits set), so every attempt of the delivery carries the same one.
 */
export async function lineRetryKey(key: string): Promise<string> {
  const b = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(key))).slice(0, 16);
  b[6] = (b[6]! & 0x0f) | 0x50;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

function pushText(n: NotificationRow): string {
  const at = new Date(n.at).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
  return n.kind === 'reminder' ? `Coming up: "${n.title}" at ${at}` : n.kind === 'published' ? `Now available: "${n.title}"` : `"${n.title}": ${n.reason ?? 'rollout paused'}`;
}

async function postWebhook(st: NotifierStore, d: DeliveryRow, n: NotificationRow, policy: Policy, t0: number): Promise<{ result: SendResult; status: number | null; ms: number }> {
  const hook = readSettings(st.sql).webhooks.find((w) => w.id === d.target);
  if (!hook) return { result: { kind: 'rejected', error: `webhook ${d.target} is no longer configured` }, status: null, ms: 0 };
  const secret = schedulingConfig(st.env).secrets[hook.secretRef];
  if (!secret) return { result: { kind: 'rejected', error: `no secret configured for secretRef ${hook.secretRef}` }, status: null, ms: 0 };
  const payload: NotificationWebhookBody = {
    idempotencyKey: d.idempotency_key,
    notificationId: n.id,
    tenantId: st.tenantId() ?? '',
    kind: n.kind as NotificationWebhookBody['kind'],
    scheduleId: n.schedule_id,
    occurrence: n.occurrence,
    title: n.title,
    contentKind: n.content_kind,
    contentId: n.content_id,
    at: new Date(n.at).toISOString(),
    ...(n.reason ? { reason: n.reason } : {}),
    subscribers: n.subscribers,
  };
  const body = JSON.stringify(payload);
  const ts = String(Math.floor(Date.now() / 1000));
  try {
    const res = await fetch(hook.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'idempotency-key': d.idempotency_key,
        'x-timestamp': ts,
        'x-signature': `sha256=${await signPayload(secret, ts, body)}`,
        'x-notification-kind': n.kind,
      },
      body,
      signal: AbortSignal.timeout(policy.timeoutMs),
    });
    const text = (await res.text()).slice(0, 300);
    const ms = Date.now() - t0;
    if (res.ok) return { result: { kind: 'accepted' }, status: res.status, ms };
    // The receiver already processed this key: an earlier attempt got through.
    if (res.status === 409) return { result: { kind: 'duplicate' }, status: res.status, ms };
    if (res.status === 408 || res.status === 429 || res.status >= 500) return { result: { kind: 'transient', error: `webhook ${res.status}: ${text}` }, status: res.status, ms };
    return { result: { kind: 'rejected', error: `webhook ${res.status}: ${text}` }, status: res.status, ms };
  } catch (e) {
    return { result: { kind: 'transient', error: e instanceof Error ? `${e.name}: ${e.message}` : String(e) }, status: null, ms: Date.now() - t0 };
  }
}
