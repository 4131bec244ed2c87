import type { NotificationView } from '@vidplat/contracts';
import { iso, isoOrNull } from '../shared/result.js';
import type { AttemptRow, DeliveryRow, NotificationRow } from './store.js';

/** The delivery log as the API shows it: notifications, newest first, with deliveries and attempts. */
export function listNotifications(
  sql: SqlStorage,
  q: { limit: number; id?: string; kind?: string; scheduleId?: string; state?: string },
): NotificationView[] {
  const where: string[] = [];
  const args: (string | number)[] = [];
  if (q.id) where.push('n.id = ?'), args.push(q.id);
  if (q.kind) where.push('n.kind = ?'), args.push(q.kind);
  if (q.scheduleId) where.push('n.schedule_id = ?'), args.push(q.scheduleId);
  if (q.state) where.push('EXISTS (SELECT 1 FROM deliveries d WHERE d.notification_id = n.id AND d.state = ?)'), args.push(q.state);
  const rows = sql
    .exec<NotificationRow>(`SELECT n.* FROM notifications n ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY n.created_at DESC, n.id DESC LIMIT ?`, ...args, q.limit)
    .toArray();
  return rows.map((n) => {
    const deliveries = sql.exec<DeliveryRow>('SELECT * FROM deliveries WHERE notification_id = ? ORDER BY channel DESC, target', n.id).toArray();
    return {
      id: n.id,
      kind: n.kind as NotificationView['kind'],
      scheduleId: n.schedule_id,
      occurrence: n.occurrence,
      title: n.title,
      contentKind: n.content_kind,
      contentId: n.content_id,
      at: iso(n.at),
      reason: n.reason,
      subscribers: n.subscribers,
      skipped: n.skipped,
      createdAt: iso(n.created_at),
      deliveries: deliveries.map((d) => ({
        idempotencyKey: d.idempotency_key,
        channel: d.channel,
        target: d.target,
        recipients: d.recipient_count,
        state: d.state,
        attempts: d.attempts,
        nextAttemptAt: d.state === 'pending' ? isoOrNull(d.next_attempt_at) : null,
        deliveredAt: isoOrNull(d.delivered_at),
        lastError: d.last_error,
        log: sql
          .exec<AttemptRow>('SELECT * FROM attempts WHERE idempotency_key = ? ORDER BY id', d.idempotency_key)
          .toArray()
          .map((a) => ({ at: iso(a.at), status: a.status, outcome: a.outcome as NotificationView['deliveries'][number]['log'][number]['outcome'], error: a.error, durationMs: a.duration_ms })),
      })),
    };
  });
}
