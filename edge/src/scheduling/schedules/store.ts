import { normaliseStrategyKind, ScheduleSettings, type ScheduleView } from '@vidplat/contracts';
import type { z } from 'zod';
import type { Bindings } from '../../env.js';
import { fail, iso, isoOrNull, ok, type Actor, type Outcome } from '../shared/result.js';
import type { NewSchedule } from './validate.js';

/**
 * The Scheduler's SQLite tables and the row-level reads and writes every other scheduling module
 * shares. Nothing here decides anything: the state machine, planning and the runner do.
 */

export type Strategy = NewSchedule['strategy'];
export type ActionKind = 'publish' | 'unpublish' | 'remind' | 'step';

export type ScheduleRow = {
  id: string;
  tenant_id: string;
  content_kind: string;
  content_id: string;
  action: 'publish' | 'unpublish';
  scheduled_at: number;
  end_at: number | null;
  status: string;
  priority: number;
  title: string;
  description: string;
  created_by: string;
  recurrence: string | null;
  strategy: string;
  remind_minutes: number | null;
  max_retries: number;
  conditions: string;
  notify: number;
  occurrences_done: number;
  last_error: string | null;
  created_at: number;
  updated_at: number;
};

export type ActionRow = {
  schedule_id: string;
  occurrence: number;
  kind: ActionKind;
  step: number;
  due_at: number;
  attempts: number;
  state: string;
  /** 1: run a held progressive step without re-checking its gates (operator resume). */
  forced?: number;
};

/** What every scheduling module works with: the object's SQL, its storage (transactions, alarm) and env. */
export interface SchedulerStore {
  sql: SqlStorage;
  storage: DurableObjectStorage;
  env: Bindings;
  /** Actions in flight in this isolate: an execute-now racing the alarm runs each only once. */
  running: Set<string>;
}

const SCHEMA = `
CREATE TABLE IF NOT EXISTS schedules (
  id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, content_kind TEXT NOT NULL, content_id TEXT NOT NULL,
  action TEXT NOT NULL, scheduled_at INTEGER NOT NULL, end_at INTEGER, status TEXT NOT NULL,
  priority INTEGER NOT NULL, title TEXT NOT NULL, description TEXT NOT NULL, created_by TEXT NOT NULL,
  recurrence TEXT, strategy TEXT NOT NULL, remind_minutes INTEGER, max_retries INTEGER NOT NULL,
  conditions TEXT NOT NULL, notify INTEGER NOT NULL, occurrences_done INTEGER NOT NULL DEFAULT 0,
  last_error TEXT, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS schedules_content ON schedules(content_id, action);
CREATE INDEX IF NOT EXISTS schedules_time ON schedules(scheduled_at, id);
-- Every planned action of every occurrence; 'due' rows drive the alarm, the rest are the record.
CREATE TABLE IF NOT EXISTS actions (
  schedule_id TEXT NOT NULL, occurrence INTEGER NOT NULL, kind TEXT NOT NULL, step INTEGER NOT NULL DEFAULT 0,
  due_at INTEGER NOT NULL, planned_at INTEGER NOT NULL, priority INTEGER NOT NULL, state TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT, done_at INTEGER,
  PRIMARY KEY (schedule_id, occurrence, kind, step));
CREATE INDEX IF NOT EXISTS actions_due ON actions(state, due_at);
CREATE TABLE IF NOT EXISTS history (
  id INTEGER PRIMARY KEY AUTOINCREMENT, schedule_id TEXT NOT NULL, occurrence INTEGER, action TEXT NOT NULL,
  actor TEXT NOT NULL, at INTEGER NOT NULL, result TEXT NOT NULL, duration_ms INTEGER NOT NULL, detail TEXT);
CREATE INDEX IF NOT EXISTS history_schedule ON history(schedule_id, id);
-- Schedule events waiting for the event path; deleted only once ingest accepted them.
CREATE TABLE IF NOT EXISTS outbox (
  event_id TEXT PRIMARY KEY, body TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL, last_error TEXT, created_at INTEGER NOT NULL);
-- Notifications for the tenant's Notifier (reminders, subscriber notifications, gate failures),
-- written in the same transaction as the action and deleted once the Notifier took them in.
CREATE TABLE IF NOT EXISTS notify_outbox (
  event_id TEXT PRIMARY KEY, body TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL, last_error TEXT, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS templates (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, scope TEXT NOT NULL, defaults TEXT NOT NULL,
  usage_count INTEGER NOT NULL DEFAULT 0, created_by TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

/** Creates the tables and applies the column additions of later versions. */
export function migrate(sql: SqlStorage): void {
  sql.exec(SCHEMA);
  const cols = sql.exec<{ name: string }>('PRAGMA table_info(actions)').toArray();
  if (!cols.some((c) => c.name === 'forced')) sql.exec('ALTER TABLE actions ADD COLUMN forced INTEGER NOT NULL DEFAULT 0');
}

export function readSettings(sql: SqlStorage): z.infer<typeof ScheduleSettings> {
  const rows = sql.exec<{ key: string; value: string }>('SELECT key, value FROM settings').toArray();
  return ScheduleSettings.parse(Object.fromEntries(rows.map((r) => [r.key, JSON.parse(r.value)])));
}

export function writeSettings(sql: SqlStorage, values: Partial<z.infer<typeof ScheduleSettings>>): void {
  for (const [k, v] of Object.entries(values)) {
    if (v !== undefined) sql.exec('INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)', k, JSON.stringify(v));
  }
}

export function scheduleRow(sql: SqlStorage, id: string): ScheduleRow | null {
  return sql.exec<ScheduleRow>('SELECT * FROM schedules WHERE id = ?', id).toArray()[0] ?? null;
}

export function insertSchedule(sql: SqlStorage, s: ScheduleRow): void {
  sql.exec(
    `INSERT INTO schedules (id, tenant_id, content_kind, content_id, action, scheduled_at, end_at, status, priority, title, description,
       created_by, recurrence, strategy, remind_minutes, max_retries, conditions, notify, occurrences_done, last_error, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    s.id, s.tenant_id, s.content_kind, s.content_id, s.action, s.scheduled_at, s.end_at, s.status, s.priority, s.title, s.description,
    s.created_by, s.recurrence, s.strategy, s.remind_minutes, s.max_retries, s.conditions, s.notify, s.occurrences_done, s.last_error,
    s.created_at, s.updated_at,
  );
}

export function canSee(actor: Actor, s: ScheduleRow): boolean {
  return actor.role === 'senior' || actor.role === 'super' || s.created_by === actor.id;
}

export function visibleSchedule(sql: SqlStorage, actor: Actor, id: string): Outcome<ScheduleRow> {
  const s = scheduleRow(sql, id);
  // Someone else's schedule is reported as absent to an admin: ids are not an oracle.
  if (!s || !canSee(actor, s)) return fail(404, 'not_found', `no schedule ${id}`);
  return ok(s);
}

export function scheduleView(sql: SqlStorage, s: ScheduleRow): ScheduleView {
  const next = sql
    .exec<{ due: number | null; attempts: number | null }>(
      "SELECT MIN(due_at) AS due, MAX(attempts) AS attempts FROM actions WHERE schedule_id = ? AND state = 'due'",
      s.id,
    )
    .one();
  const attempts = sql.exec<{ a: number | null }>('SELECT MAX(attempts) AS a FROM actions WHERE schedule_id = ?', s.id).one().a ?? 0;
  return {
    id: s.id,
    tenantId: s.tenant_id,
    contentKind: s.content_kind as ScheduleView['contentKind'],
    contentId: s.content_id,
    action: s.action,
    scheduledAt: iso(s.scheduled_at),
    endAt: isoOrNull(s.end_at),
    status: s.status as ScheduleView['status'],
    priority: s.priority,
    title: s.title,
    description: s.description,
    createdBy: s.created_by,
    recurrence: s.recurrence ? JSON.parse(s.recurrence) : null,
    strategy: normaliseStrategyKind(JSON.parse(s.strategy)) as ScheduleView['strategy'],
    remindMinutesBefore: s.remind_minutes,
    maxRetries: s.max_retries,
    conditions: JSON.parse(s.conditions),
    notifySubscribers: s.notify === 1,
    nextActionAt: isoOrNull(next.due),
    occurrencesDone: s.occurrences_done,
    attempts,
    lastError: s.last_error,
    createdAt: iso(s.created_at),
    updatedAt: iso(s.updated_at),
  };
}

export function recordHistory(
  sql: SqlStorage,
  scheduleId: string,
  occurrence: number | null,
  action: string,
  actor: string,
  result: 'ok' | 'error' | 'skipped',
  durationMs: number,
  detail: string | null,
): void {
  sql.exec(
    'INSERT INTO history (schedule_id, occurrence, action, actor, at, result, duration_ms, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
    scheduleId,
    occurrence,
    action,
    actor,
    Date.now(),
    result,
    Math.max(0, Math.round(durationMs)),
    detail,
  );
}

export function insertAction(sql: SqlStorage, s: Pick<ScheduleRow, 'id' | 'priority'>, occurrence: number, kind: ActionKind, step: number, dueAt: number): void {
  // OR IGNORE: planning the same action twice (a re-fired commit) keeps the first.
  sql.exec(
    "INSERT OR IGNORE INTO actions (schedule_id, occurrence, kind, step, due_at, planned_at, priority, state) VALUES (?, ?, ?, ?, ?, ?, ?, 'due')",
    s.id,
    occurrence,
    kind,
    step,
    dueAt,
    dueAt,
    s.priority,
  );
}

/** Every still-due action of a schedule stops: nothing of it fires any more. */
export function cancelDueActions(sql: SqlStorage, scheduleId: string, now: number): void {
  sql.exec("UPDATE actions SET state = 'cancelled', done_at = ? WHERE schedule_id = ? AND state = 'due'", now, scheduleId);
}

export function setStatus(sql: SqlStorage, id: string, status: string, now: number): void {
  sql.exec('UPDATE schedules SET status = ?, updated_at = ? WHERE id = ?', status, now, id);
}

/**
 * When the alarm must next fire: the earliest due action of a schedule that may fire (a paused
 * one fires nothing until resumed) or the earliest outbox retry; null when there is none.
 */
export function nextWakeAt(sql: SqlStorage): number | null {
  return sql
    .exec<{ t: number | null }>(
      `SELECT MIN(t) AS t FROM (
         SELECT MIN(a.due_at) AS t FROM actions a JOIN schedules s ON s.id = a.schedule_id WHERE a.state = 'due' AND s.status != 'paused'
         UNION ALL SELECT MIN(next_attempt_at) AS t FROM outbox
         UNION ALL SELECT MIN(next_attempt_at) AS t FROM notify_outbox)`,
    )
    .one().t;
}

/** An active schedule for the same content and action (pending, or with actions still due). */
export function activeDuplicate(sql: SqlStorage, contentId: string, action: string, exceptId: string | null): string | null {
  const r = sql
    .exec<{ id: string }>(
      `SELECT s.id FROM schedules s WHERE s.content_id = ? AND s.action = ? AND s.id IS NOT ? AND s.status IN ('pending', 'published', 'paused')
         AND EXISTS (SELECT 1 FROM actions a WHERE a.schedule_id = s.id AND a.state IN ('due', 'held') AND a.kind IN (s.action, 'step')) LIMIT 1`,
      contentId,
      action,
      exceptId,
    )
    .toArray()[0];
  return r?.id ?? null;
}
