import { SCHEDULER_USER_ID, SCHEMA_VERSION, uuidv7, type ScheduleEventBody } from '@vidplat/contracts';
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
): void {
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

export const outboxPending = (sql: SqlStorage) => sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM outbox').one().n;
