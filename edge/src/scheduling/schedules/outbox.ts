import { SCHEDULER_USER_ID, SCHEMA_VERSION, uuidv7, type NotificationEvent, type NotificationKind, type ScheduleEventBody } from '@vidplat/contracts';
import { edgeConfig, type Bindings } from '../../env.js';
import { forwardToIngest } from '../../events/ingest-client.js';
import { backoffMs, iso } from '../shared/result.js';
import type { ActionRow, ScheduleRow } from './store.js';

/**
 * The transactional outbox of schedule events: an event is written in the same SQLite
 * transaction as the action it reports, and deleted only once ingest accepted it.
 */

const OUTBOX_BATCH = 100;

export function enqueueEvent(
  sql: SqlStorage,
  s: ScheduleRow,
  a: Pick<ActionRow, 'occurrence' | 'kind'>,
  actor: string,
  percent: number | undefined,
  action: ScheduleEventBody['action'] = a.kind,
): string {
  const now = Date.now();
  const body: ScheduleEventBody = {
    scheduleId: s.id,
    occurrence: a.occurrence,
    action,
    contentKind: s.content_kind as ScheduleEventBody['contentKind'],
    contentId: s.content_id,
    ...(percent !== undefined ? { percent } : {}),
    // The notifier downstream tells the content's subscribers when this is set.
    ...(action === 'publish' && s.notify === 1 ? { notifySubscribers: true } : {}),
    actor,
  };
  const event = {
    eventId: uuidv7(now),
    tenantId: s.tenant_id,
    eventTime: iso(now),
    schemaVersion: SCHEMA_VERSION,
    type: 'schedule',
    userId: SCHEDULER_USER_ID,
    itemId: s.content_id,
    ...body,
  };
  sql.exec('INSERT INTO outbox (event_id, body, next_attempt_at, created_at) VALUES (?, ?, ?, ?)', event.eventId, JSON.stringify(event), now, now);
  return event.eventId;
}

/**
 * A notification for the tenant's Notifier, in the same transaction as the action it tells of
 * (its id is the schedule event's, so the Notifier recognises a re-sent hand-off).
 */
export function enqueueNotification(sql: SqlStorage, s: ScheduleRow, occurrence: number, kind: NotificationKind, eventId: string, at: number, reason?: string): void {
  const now = Date.now();
  const n: NotificationEvent = {
    eventId,
    kind,
    scheduleId: s.id,
    occurrence,
    title: s.title,
    contentKind: s.content_kind,
    contentId: s.content_id,
    at: iso(at),
    ...(reason ? { reason: reason.slice(0, 500) } : {}),
    createdAt: iso(now),
  };
  sql.exec('INSERT OR IGNORE INTO notify_outbox (event_id, body, next_attempt_at, created_at) VALUES (?, ?, ?, ?)', eventId, JSON.stringify(n), now, now);
}

/** Hands due notifications to the tenant's Notifier; on failure they stay, retried with backoff. */
export async function flushNotifications(sql: SqlStorage, env: Bindings, tenantId: string | null): Promise<void> {
  const now = Date.now();
  const rows = sql
    .exec<{ event_id: string; body: string; attempts: number }>('SELECT event_id, body, attempts FROM notify_outbox WHERE next_attempt_at <= ? ORDER BY created_at LIMIT ?', now, OUTBOX_BATCH)
    .toArray();
  if (!rows.length || !tenantId) return;
  let error: string;
  try {
    const r = await env.NOTIFIER.get(env.NOTIFIER.idFromName(tenantId)).accept(tenantId, rows.map((r) => JSON.parse(r.body)));
    if (r.ok) {
      for (const row of rows) sql.exec('DELETE FROM notify_outbox WHERE event_id = ?', row.event_id);
      return;
    }
    error = `${r.error.code}: ${r.error.message}`;
  } catch (e) {
    error = e instanceof Error ? e.message : String(e);
  }
  for (const r of rows) {
    sql.exec(
      'UPDATE notify_outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE event_id = ?',
      error.slice(0, 500),
      Date.now() + backoffMs(2_000, r.attempts + 1, 300_000),
      r.event_id,
    );
  }
}

/** Sends due outbox events to ingest; on failure they stay, retried with backoff. */
export async function flushOutbox(sql: SqlStorage, env: Bindings): Promise<void> {
  const now = Date.now();
  const rows = sql
    .exec<{ event_id: string; body: string; attempts: number }>('SELECT event_id, body, attempts FROM outbox WHERE next_attempt_at <= ? ORDER BY created_at LIMIT ?', now, OUTBOX_BATCH)
    .toArray();
  if (!rows.length) return;
  try {
    // The schedule event is shaped like a behaviour event (envelope + user/item); see contracts.
    await forwardToIngest(edgeConfig(env), rows.map((r) => JSON.parse(r.body)), 1);
    for (const r of rows) sql.exec('DELETE FROM outbox WHERE event_id = ?', r.event_id);
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    for (const r of rows) {
      sql.exec(
        'UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE event_id = ?',
        msg.slice(0, 500),
        Date.now() + backoffMs(5_000, r.attempts + 1, 600_000),
        r.event_id,
      );
    }
  }
}

export const outboxPending = (sql: SqlStorage) => sql.exec<{ n: number }>('SELECT (SELECT COUNT(*) FROM outbox) + (SELECT COUNT(*) FROM notify_outbox) AS n').one().n;
