import { CAMPAIGN_MAX_BATCH, type NotificationEvent, type NotifierSettings } from '@vidplat/contracts';
import { resolveLineAudience } from '../shared/line-links.js';
import { subscribersOf } from './audience.js';
import { readSettings, type NotifierStore } from './store.js';

/**
 * Taking in notification events from the Scheduler's notify outbox. The hand-off is at-least-once
 * (the Scheduler retries until this call returns), so intake is keyed by the event id: a repeat
 * finds its notification and changes nothing. Each notification fans out into deliveries with
 * their own idempotency keys, derived from the event id and the target, so the same key is sent
 * on every attempt of the same delivery, across retries and crashes.
 */
export async function takeIn(st: NotifierStore, tenantId: string, events: NotificationEvent[]): Promise<{ accepted: number; duplicates: number }> {
  const settings = readSettings(st.sql);
  let accepted = 0;
  let duplicates = 0;
  for (const e of events) {
    const id = `ntf_${e.eventId}`;
    if (st.sql.exec('SELECT 1 FROM notifications WHERE id = ?', id).toArray().length) {
      duplicates++;
      continue;
    }
    const subscribers = e.kind === 'gate_failed' ? [] : await subscribersOf(st.env.CATALOGUE, tenantId, e.contentKind, e.contentId);
    const push = pushWanted(settings, e.kind) ? await resolveLineAudience(st.env.CATALOGUE, tenantId, subscribers) : { to: [], skipped: subscribers };
    const now = Date.now();
    st.storage.transactionSync(() => {
      if (st.sql.exec('SELECT 1 FROM notifications WHERE id = ?', id).toArray().length) return;
      st.sql.exec(
        'INSERT INTO notifications (id, kind, schedule_id, occurrence, title, content_kind, content_id, at, reason, subscribers, skipped, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)',
        id,
        e.kind,
        e.scheduleId,
        e.occurrence,
        e.title,
        e.contentKind,
        e.contentId,
        Date.parse(e.at),
        e.reason ?? null,
        subscribers.length,
        pushWanted(settings, e.kind) ? push.skipped.length : 0,
        now,
      );
      const policy = JSON.stringify({ ...settings.retry, timeoutMs: settings.timeoutMs });
      const add = (key: string, channel: 'webhook' | 'push', target: string, recipients: string[]) =>
        st.sql.exec(
          "INSERT INTO deliveries (idempotency_key, notification_id, channel, target, recipients, recipient_count, state, policy, next_attempt_at, created_at) VALUES (?, ?, ?, ?, ?, ?, 'pending', ?, ?, ?)",
          key,
          id,
          channel,
          target,
          JSON.stringify(recipients),
          recipients.length,
          policy,
          now,
          now,
        );
      for (const w of settings.webhooks) if (w.active && w.kinds.includes(e.kind)) add(`${id}:webhook:${w.id}`, 'webhook', w.id, []);
      for (let i = 0, n = 0; i < push.to.length; i += CAMPAIGN_MAX_BATCH, n++) add(`${id}:push:${n}`, 'push', String(n), push.to.slice(i, i + CAMPAIGN_MAX_BATCH));
    });
    accepted++;
  }
  return { accepted, duplicates };
}

const pushWanted = (s: NotifierSettings, kind: NotificationEvent['kind']) => s.push.enabled && s.push.kinds.includes(kind);
