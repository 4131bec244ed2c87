import { NotifierSettings } from '@vidplat/contracts';
import type { Bindings } from '../../env.js';

/**
 * The Notifier's SQLite tables. A notification is one schedule event worth telling; each of its
 * deliveries (one per webhook, one per push batch of ≤ 500 recipients) carries its own
 * idempotency key, retry policy and state, so delivery is a job state machine kept as data:
 * pending → (attempt leased) → delivered | pending with a later next_attempt_at | failed.
 */

export interface NotifierStore {
  sql: SqlStorage;
  storage: DurableObjectStorage;
  env: Bindings;
  tenantId: () => string | null;
}

export type NotificationRow = {
  id: string;
  kind: string;
  schedule_id: string;
  occurrence: number;
  title: string;
  content_kind: string;
  content_id: string;
  at: number;
  reason: string | null;
  subscribers: number;
  skipped: number;
  created_at: number;
};

export type DeliveryRow = {
  idempotency_key: string;
  notification_id: string;
  channel: 'webhook' | 'push';
  target: string;
  recipients: string;
  recipient_count: number;
  state: 'pending' | 'delivered' | 'failed';
  attempts: number;
  policy: string;
  next_attempt_at: number | null;
  delivered_at: number | null;
  last_error: string | null;
  created_at: number;
};

export type AttemptRow = { id: number; idempotency_key: string; at: number; status: number | null; outcome: string; error: string | null; duration_ms: number };

const SCHEMA = `
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS notifications (
  id TEXT PRIMARY KEY, kind TEXT NOT NULL, schedule_id TEXT NOT NULL, occurrence INTEGER NOT NULL,
  title TEXT NOT NULL, content_kind TEXT NOT NULL, content_id TEXT NOT NULL, at INTEGER NOT NULL,
  reason TEXT, subscribers INTEGER NOT NULL, skipped INTEGER NOT NULL, created_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS notifications_time ON notifications(created_at);
CREATE TABLE IF NOT EXISTS deliveries (
  idempotency_key TEXT PRIMARY KEY, notification_id TEXT NOT NULL, channel TEXT NOT NULL, target TEXT NOT NULL,
  recipients TEXT NOT NULL, recipient_count INTEGER NOT NULL, state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
  policy TEXT NOT NULL, next_attempt_at INTEGER, delivered_at INTEGER, last_error TEXT, created_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries(state, next_attempt_at);
CREATE INDEX IF NOT EXISTS deliveries_notification ON deliveries(notification_id);
-- Every attempt, written before the request goes out ('interrupted' until its answer is known):
-- the delivery log, and after a crash the record of an attempt whose outcome was never seen.
CREATE TABLE IF NOT EXISTS attempts (
  id INTEGER PRIMARY KEY AUTOINCREMENT, idempotency_key TEXT NOT NULL, at INTEGER NOT NULL, status INTEGER,
  outcome TEXT NOT NULL, error TEXT, duration_ms INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS attempts_key ON attempts(idempotency_key);
`;

export function migrate(sql: SqlStorage): void {
  sql.exec(SCHEMA);
}

export function readSettings(sql: SqlStorage): NotifierSettings {
  const row = sql.exec<{ value: string }>("SELECT value FROM meta WHERE key = 'settings'").toArray()[0];
  return NotifierSettings.parse(row ? JSON.parse(row.value) : {});
}

export function writeSettings(sql: SqlStorage, s: NotifierSettings): void {
  sql.exec("INSERT INTO meta (key, value) VALUES ('settings', ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value", JSON.stringify(s));
}

export function readMeta(sql: SqlStorage, key: string): string | null {
  return sql.exec<{ value: string }>('SELECT value FROM meta WHERE key = ?', key).toArray()[0]?.value ?? null;
}

export function writeMeta(sql: SqlStorage, key: string, value: string): void {
  sql.exec('INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value', key, value);
}

/** Earliest pending delivery (or a leased one whose lease ends), for the alarm. */
export function nextWakeAt(sql: SqlStorage): number | null {
  return sql.exec<{ t: number | null }>("SELECT MIN(next_attempt_at) AS t FROM deliveries WHERE state = 'pending'").one().t;
}
