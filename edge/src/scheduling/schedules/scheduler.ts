import { DurableObject } from 'cloudflare:workers';
import {
  ApplyTemplateRequest,
  CalendarQuery,
  CreateTemplateRequest,
  LegacyScheduleRow,
  ScheduleBatchRequest,
  ResumeScheduleRequest,
  ScheduleListQuery,
  ScheduleSettings,
  SCHEDULER_USER_ID,
  SCHEMA_VERSION,
  apiErrorFromZod,
  uuidv7,
  type ApiError,
  type CalendarResponse,
  type ScheduleBatchResponse,
  type ScheduleCondition,
  type ScheduleEventBody,
  type ScheduleHistoryRow,
  type ScheduleTemplate,
  type ScheduleView,
  type SchedulingStats,
} from '@vidplat/contracts';
import type { z } from 'zod';
import { edgeConfig, type Bindings } from '../../env.js';
import { forwardToIngest } from '../../events/ingest-client.js';
import { backoffMs, fail, iso, isoOrNull, ok, type Actor, type Outcome } from '../shared/result.js';
import { conditionFailure, contentExists, writePublishState, writePublishStates, type PublishState } from './content.js';
import { occurrenceAt, occurrencesBetween, type RecurrenceRule } from './recurrence.js';
import { checkScheduleRules, parseCreate, parseUpdate, type NewSchedule } from './validate.js';
import { GateFailure, gateFailure } from './gates.js';
import { schedulingConfig } from '../shared/config.js';
import { addLocalDays, addLocalMonths, isValidTimeZone, localDateKey, wallTimeAt, zonedToEpoch } from './zoned-time.js';
import { armAlarmAt } from '../alarm.js';

type Strategy = NewSchedule['strategy'];
type ActionKind = 'publish' | 'unpublish' | 'remind' | 'step';

type ScheduleRow = {
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

type ActionRow = {
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
CREATE TABLE IF NOT EXISTS templates (
  id TEXT PRIMARY KEY, name TEXT NOT NULL, scope TEXT NOT NULL, defaults TEXT NOT NULL,
  usage_count INTEGER NOT NULL DEFAULT 0, created_by TEXT NOT NULL, created_at INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);
`;

/** Actions handled per alarm invocation; the rest re-arm the alarm for immediately after. */
const ALARM_BUDGET = 500;
const OUTBOX_BATCH = 100;

const SYSTEM_TEMPLATES: { name: string; defaults: ScheduleTemplate['defaults'] }[] = [
  { name: 'Daily announcement 24h', defaults: { contentKind: 'announcement', recurrence: { frequency: 'daily', timeZone: 'UTC' }, durationMinutes: 24 * 60 } },
  { name: 'Weekly series episode', defaults: { contentKind: 'series', recurrence: { frequency: 'weekly', timeZone: 'UTC' }, remindMinutesBefore: 60, notifySubscribers: true } },
  { name: 'Weekend banner', defaults: { contentKind: 'banner', durationMinutes: 48 * 60, priority: 70 } },
];

/**
 * One per tenant. Holds the tenant's schedules, their planned actions, history, templates and an
 * outbox of schedule events. The alarm is always set to the earliest due action or outbox retry;
 * each action's effect is idempotent and its completion is committed in one SQLite transaction,
 * so a re-fired alarm (at-least-once) repeats the effect harmlessly and never the bookkeeping.
 */
export class Scheduler extends DurableObject<Bindings> {
  private sql: SqlStorage;
  /** Actions in flight in this isolate: an execute-now racing the alarm runs each only once. */
  private running = new Set<string>();

  constructor(ctx: DurableObjectState, env: Bindings) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    ctx.blockConcurrencyWhile(async () => {
      this.sql.exec(SCHEMA);
      const cols = this.sql.exec<{ name: string }>('PRAGMA table_info(actions)').toArray();
      if (!cols.some((c) => c.name === 'forced')) this.sql.exec('ALTER TABLE actions ADD COLUMN forced INTEGER NOT NULL DEFAULT 0');
    });
  }

  // ---------------------------------------------------------------- settings & helpers

  settings(): z.infer<typeof ScheduleSettings> {
    const rows = this.sql.exec<{ key: string; value: string }>('SELECT key, value FROM settings').toArray();
    return ScheduleSettings.parse(Object.fromEntries(rows.map((r) => [r.key, JSON.parse(r.value)])));
  }

  async putSettings(actor: Actor, body: unknown): Promise<Outcome<z.infer<typeof ScheduleSettings>>> {
    if (actor.role !== 'super') return fail(403, 'forbidden', 'settings need the super role');
    const p = ScheduleSettings.partial().safeParse(body);
    if (!p.success) return { ok: false, status: 400, error: apiErrorFromZod(p.error) };
    if (p.data.defaultTimeZone && !isValidTimeZone(p.data.defaultTimeZone)) {
      return fail(400, 'invalid_field', `unknown IANA time zone ${p.data.defaultTimeZone}`, 'defaultTimeZone');
    }
    for (const [k, v] of Object.entries(p.data)) {
      if (v !== undefined) this.sql.exec('INSERT OR REPLACE INTO settings (key, value) VALUES (?, ?)', k, JSON.stringify(v));
    }
    return ok(this.settings());
  }

  private canSee(actor: Actor, s: ScheduleRow): boolean {
    return actor.role === 'senior' || actor.role === 'super' || s.created_by === actor.id;
  }

  private row(id: string): ScheduleRow | null {
    return this.sql.exec<ScheduleRow>('SELECT * FROM schedules WHERE id = ?', id).toArray()[0] ?? null;
  }

  private visible(actor: Actor, id: string): Outcome<ScheduleRow> {
    const s = this.row(id);
    // Someone else's schedule is reported as absent to an admin: ids are not an oracle.
    if (!s || !this.canSee(actor, s)) return fail(404, 'not_found', `no schedule ${id}`);
    return ok(s);
  }

  private view(s: ScheduleRow): ScheduleView {
    const next = this.sql
      .exec<{ due: number | null; attempts: number | null }>(
        "SELECT MIN(due_at) AS due, MAX(attempts) AS attempts FROM actions WHERE schedule_id = ? AND state = 'due'",
        s.id,
      )
      .one();
    const attempts = this.sql.exec<{ a: number | null }>('SELECT MAX(attempts) AS a FROM actions WHERE schedule_id = ?', s.id).one().a ?? 0;
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
      strategy: JSON.parse(s.strategy),
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

  private history(scheduleId: string, occurrence: number | null, action: string, actor: string, result: 'ok' | 'error' | 'skipped', durationMs: number, detail: string | null) {
    this.sql.exec(
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

  /** The alarm always points at the earliest due action or outbox retry (or is cleared). */
  private async rearm(): Promise<void> {
    const next = this.sql
      .exec<{ t: number | null }>(
        "SELECT MIN(t) AS t FROM (SELECT MIN(due_at) AS t FROM actions WHERE state = 'due' UNION ALL SELECT MIN(next_attempt_at) AS t FROM outbox)",
      )
      .one().t;
    await armAlarmAt(this.ctx.storage, next);
  }

  async nextAlarm(): Promise<number | null> {
    return this.ctx.storage.getAlarm();
  }

  // ---------------------------------------------------------------- planning

  private insertAction(s: Pick<ScheduleRow, 'id' | 'priority'>, occurrence: number, kind: ActionKind, step: number, dueAt: number) {
    // OR IGNORE: planning the same action twice (a re-fired commit) keeps the first.
    this.sql.exec(
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

  /** Plans occurrence n: its main action (per region for a regional strategy) and reminder. */
  private planOccurrence(s: ScheduleRow, n: number, now: number): boolean {
    const rule: RecurrenceRule | null = s.recurrence ? JSON.parse(s.recurrence) : null;
    const at = occurrenceAt(s.scheduled_at, rule, n);
    if (at === null) return false;
    const strategy = JSON.parse(s.strategy) as Strategy;
    if (strategy.kind === 'regional' && s.action === 'publish') {
      strategy.regions.forEach((r, i) => this.insertAction(s, n, 'publish', i, regionalTime(at, r.localTime, r.timeZone)));
    } else {
      this.insertAction(s, n, s.action, 0, at);
    }
    if (s.remind_minutes !== null) {
      const remindAt = at - s.remind_minutes * 60_000;
      if (remindAt > now) this.insertAction(s, n, 'remind', 0, remindAt);
    }
    return true;
  }

  // ---------------------------------------------------------------- CRUD

  async create(actor: Actor, body: unknown, prefix?: string): Promise<Outcome<ScheduleView>> {
    const r = await this.createOne(actor, body, prefix);
    if (r.ok) await this.rearm();
    return r;
  }

  private async createOne(actor: Actor, body: unknown, prefix?: string): Promise<Outcome<ScheduleView>> {
    if (!['admin', 'senior', 'super'].includes(actor.role)) return fail(403, 'forbidden', 'scheduling needs admin, senior or super');
    const now = Date.now();
    let input = body;
    const templateId = typeof body === 'object' && body && 'templateId' in body ? (body as { templateId: unknown }).templateId : undefined;
    if (typeof templateId === 'string') {
      const t = this.sql.exec<{ defaults: string }>('SELECT defaults FROM templates WHERE id = ?', templateId).toArray()[0];
      if (!t) return fail(400, 'invalid_field', `no template ${templateId}`, prefix ? `${prefix}.templateId` : 'templateId');
      input = mergeTemplate(JSON.parse(t.defaults), body as Record<string, unknown>);
    }
    const p = parseCreate(input, now, prefix);
    if (!p.ok) return p;
    const d = p.value;
    const field = (f: string) => (prefix ? `${prefix}.${f}` : f);
    if (!(await contentExists(this.env.CATALOGUE, actor.tenantId, d.contentKind, d.contentId))) {
      return fail(400, 'invalid_field', `unknown ${d.contentKind} ${d.contentId}`, field('contentId'));
    }
    const dup = this.activeDuplicate(d.contentId, d.action, null);
    if (dup) return fail(409, 'conflict', `schedule ${dup} already ${d.action}es ${d.contentId}`, field('contentId'));
    const id = uuidv7(now);
    const s: ScheduleRow = {
      id,
      tenant_id: actor.tenantId,
      content_kind: d.contentKind,
      content_id: d.contentId,
      action: d.action,
      scheduled_at: Date.parse(d.scheduledAt),
      end_at: d.endAt === null ? null : Date.parse(d.endAt),
      status: 'pending',
      priority: d.priority,
      title: d.title,
      description: d.description,
      created_by: actor.id,
      recurrence: d.recurrence ? JSON.stringify(d.recurrence) : null,
      strategy: JSON.stringify(d.strategy),
      remind_minutes: d.remindMinutesBefore,
      max_retries: d.maxRetries,
      conditions: JSON.stringify(d.conditions),
      notify: d.notifySubscribers ? 1 : 0,
      occurrences_done: 0,
      last_error: null,
      created_at: now,
      updated_at: now,
    };
    this.ctx.storage.transactionSync(() => {
      this.sql.exec(
        `INSERT INTO schedules (id, tenant_id, content_kind, content_id, action, scheduled_at, end_at, status, priority, title, description,
           created_by, recurrence, strategy, remind_minutes, max_retries, conditions, notify, occurrences_done, last_error, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        ...Object.values(s),
      );
      this.planOccurrence(s, 0, now);
      if (typeof templateId === 'string') this.sql.exec('UPDATE templates SET usage_count = usage_count + 1 WHERE id = ?', templateId);
      this.history(id, null, 'create', actor.id, 'ok', Date.now() - now, typeof templateId === 'string' ? `template ${templateId}` : null);
    });
    return ok(this.view(s));
  }

  /** An active schedule for the same content and action (pending, or with actions still due). */
  private activeDuplicate(contentId: string, action: string, exceptId: string | null): string | null {
    const r = this.sql
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

  async get(actor: Actor, id: string): Promise<Outcome<ScheduleView>> {
    const s = this.visible(actor, id);
    return s.ok ? ok(this.view(s.value)) : s;
  }

  async list(actor: Actor, query: unknown): Promise<Outcome<{ items: ScheduleView[]; nextCursor: string | null }>> {
    const p = ScheduleListQuery.safeParse(query);
    if (!p.success) return { ok: false, status: 400, error: apiErrorFromZod(p.error, 'invalid_query') };
    const q = p.data;
    const where: string[] = [];
    const args: (string | number)[] = [];
    const add = (sql: string, ...v: (string | number)[]) => {
      where.push(sql);
      args.push(...v);
    };
    if (actor.role === 'admin') add('created_by = ?', actor.id);
    if (q.status) add('status = ?', q.status);
    if (q.contentKind) add('content_kind = ?', q.contentKind);
    if (q.contentId) add('content_id = ?', q.contentId);
    if (q.createdBy) add('created_by = ?', q.createdBy);
    if (q.from) add('scheduled_at >= ?', Date.parse(q.from));
    if (q.to) add('scheduled_at < ?', Date.parse(q.to));
    if (q.cursor) {
      const m = /^(\d+)~(.+)$/.exec(q.cursor);
      if (!m) return fail(400, 'invalid_query', 'malformed cursor', 'cursor');
      add('(scheduled_at > ? OR (scheduled_at = ? AND id > ?))', Number(m[1]), Number(m[1]), m[2]!);
    }
    const rows = this.sql
      .exec<ScheduleRow>(
        `SELECT * FROM schedules ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY scheduled_at, id LIMIT ?`,
        ...args,
        q.limit + 1,
      )
      .toArray();
    const page = rows.slice(0, q.limit);
    const last = page.at(-1);
    return ok({ items: page.map((s) => this.view(s)), nextCursor: rows.length > q.limit && last ? `${last.scheduled_at}~${last.id}` : null });
  }

  async update(actor: Actor, id: string, body: unknown, prefix?: string): Promise<Outcome<ScheduleView>> {
    const r = this.updateOne(actor, id, body, prefix);
    if (r.ok) await this.rearm();
    return r;
  }

  private updateOne(actor: Actor, id: string, body: unknown, prefix?: string): Outcome<ScheduleView> {
    const found = this.visible(actor, id);
    if (!found.ok) return found;
    const s = found.value;
    if (s.status !== 'pending' || s.occurrences_done > 0) return fail(409, 'conflict', `schedule ${id} is ${s.status}; only a pending schedule can change`);
    const p = parseUpdate(body, prefix);
    if (!p.ok) return p;
    const u = p.value;
    const now = Date.now();
    const next: ScheduleRow = {
      ...s,
      scheduled_at: u.scheduledAt !== undefined ? Date.parse(u.scheduledAt) : s.scheduled_at,
      end_at: u.endAt !== undefined ? (u.endAt === null ? null : Date.parse(u.endAt)) : s.end_at,
      priority: u.priority ?? s.priority,
      title: u.title ?? s.title,
      description: u.description ?? s.description,
      recurrence: u.recurrence !== undefined ? (u.recurrence ? JSON.stringify(u.recurrence) : null) : s.recurrence,
      remind_minutes: u.remindMinutesBefore !== undefined ? u.remindMinutesBefore : s.remind_minutes,
      max_retries: u.maxRetries ?? s.max_retries,
      updated_at: now,
    };
    const rules = checkScheduleRules(
      { scheduledAt: iso(next.scheduled_at), endAt: isoOrNull(next.end_at), recurrence: next.recurrence ? JSON.parse(next.recurrence) : null },
      now,
      prefix ? `${prefix}.` : '',
    );
    if (!rules.ok) return rules;
    this.ctx.storage.transactionSync(() => {
      this.sql.exec(
        `UPDATE schedules SET scheduled_at = ?, end_at = ?, priority = ?, title = ?, description = ?, recurrence = ?, remind_minutes = ?,
           max_retries = ?, updated_at = ? WHERE id = ?`,
        next.scheduled_at,
        next.end_at,
        next.priority,
        next.title,
        next.description,
        next.recurrence,
        next.remind_minutes,
        next.max_retries,
        now,
        id,
      );
      // Nothing has fired yet: re-plan from the first occurrence.
      this.sql.exec("DELETE FROM actions WHERE schedule_id = ? AND state = 'due'", id);
      this.planOccurrence(next, 0, now);
      this.history(id, null, 'update', actor.id, 'ok', Date.now() - now, Object.keys(u).join(','));
    });
    return ok(this.view(next));
  }

  async cancel(actor: Actor, id: string): Promise<Outcome<ScheduleView>> {
    const r = this.cancelOne(actor, id);
    if (r.ok) await this.rearm();
    return r;
  }

  private cancelOne(actor: Actor, id: string): Outcome<ScheduleView> {
    const found = this.visible(actor, id);
    if (!found.ok) return found;
    const s = found.value;
    if (s.status === 'cancelled') return ok(this.view(s));
    const now = Date.now();
    this.ctx.storage.transactionSync(() => {
      this.sql.exec("UPDATE actions SET state = 'cancelled', done_at = ? WHERE schedule_id = ? AND state = 'due'", now, id);
      this.sql.exec("UPDATE schedules SET status = 'cancelled', updated_at = ? WHERE id = ?", now, id);
      this.history(id, null, 'cancel', actor.id, 'ok', 0, `was ${s.status}`);
    });
    return ok(this.view(this.row(id)!));
  }

  async batch(actor: Actor, body: unknown): Promise<Outcome<ScheduleBatchResponse>> {
    const p = ScheduleBatchRequest.safeParse(body);
    if (!p.success) return { ok: false, status: 400, error: apiErrorFromZod(p.error, 'invalid_body') };
    const out: ScheduleBatchResponse = { create: [], update: [], cancel: [] };
    const wrap = (index: number, r: Outcome<ScheduleView>) =>
      r.ok ? { index, ok: true, schedule: r.value } : { index, ok: false, error: r.error };
    for (const [i, c] of p.data.create.entries()) out.create.push(wrap(i, await this.createOne(actor, c, `create.${i}`)));
    for (const [i, u] of p.data.update.entries()) out.update.push(wrap(i, this.updateOne(actor, u.id, u.patch, `update.${i}.patch`)));
    for (const [i, id] of p.data.cancel.entries()) out.cancel.push(wrap(i, this.cancelOne(actor, id)));
    await this.rearm();
    return ok(out);
  }

  async historyOf(actor: Actor, id: string | null, limit = 200): Promise<Outcome<ScheduleHistoryRow[]>> {
    if (id) {
      const found = this.visible(actor, id);
      if (!found.ok) return found;
    }
    const own = actor.role === 'admin';
    const rows = this.sql
      .exec<{ id: number; schedule_id: string; occurrence: number | null; action: string; actor: string; at: number; result: string; duration_ms: number; detail: string | null }>(
        `SELECT h.* FROM history h ${own && !id ? 'JOIN schedules s ON s.id = h.schedule_id AND s.created_by = ?' : ''}
         ${id ? 'WHERE h.schedule_id = ?' : ''} ORDER BY h.id DESC LIMIT ?`,
        ...(id ? [id] : own ? [actor.id] : []),
        Math.min(Math.max(1, limit), 1000),
      )
      .toArray();
    return ok(
      rows.map((r) => ({
        id: r.id,
        scheduleId: r.schedule_id,
        occurrence: r.occurrence,
        action: r.action as ScheduleHistoryRow['action'],
        actor: r.actor,
        at: iso(r.at),
        result: r.result as ScheduleHistoryRow['result'],
        durationMs: r.duration_ms,
        detail: r.detail,
      })),
    );
  }

  // ---------------------------------------------------------------- firing

  override async alarm(): Promise<void> {
    await this.runDue(Date.now(), 'alarm');
    await this.flushOutbox();
    await this.rearm();
  }

  /** Runs due actions in time order (then priority); returns how many ran. */
  private async runDue(now: number, actor: string, scheduleId?: string): Promise<number> {
    const due = this.sql
      .exec<ActionRow>(
        `SELECT a.schedule_id, a.occurrence, a.kind, a.step, a.due_at, a.attempts, a.state, a.forced FROM actions a
         WHERE a.state = 'due' AND a.due_at <= ? ${scheduleId ? 'AND a.schedule_id = ?' : ''}
         ORDER BY a.due_at, a.priority DESC, a.schedule_id LIMIT ?`,
        now,
        ...(scheduleId ? [scheduleId] : []),
        ALARM_BUDGET,
      )
      .toArray();
    await this.runBatch(due, actor);
    return due.length;
  }

  /**
   * Runs a batch of due actions: checks (conditions, gates) concurrently, all publish-state writes
   * in one D1 batch, then every action's bookkeeping in one SQLite transaction, in due order.
   * Effects are idempotent; the commit skips actions that are no longer due (already committed
   * by a racing run, or cancelled meanwhile), so a repeat never duplicates history or events.
   */
  private async runBatch(actions: ActionRow[], actor: string): Promise<void> {
    const keyOf = (a: ActionRow) => `${a.schedule_id}/${a.occurrence}/${a.kind}/${a.step}`;
    const mine = actions.filter((a) => !this.running.has(keyOf(a)));
    if (!mine.length) return;
    for (const a of mine) this.running.add(keyOf(a));
    try {
      const t0 = Date.now();
      const prepared = await Promise.all(
        mine.map(async (a) => {
          const s = this.row(a.schedule_id);
          const out = { a, s, percent: undefined as number | undefined, state: null as PublishState | null, error: null as string | null, held: false };
          if (!s) return out;
          try {
            const p = await this.prepare(s, a);
            out.percent = p.percent;
            out.state = p.state;
          } catch (e) {
            out.error = e instanceof Error ? e.message : String(e);
            out.held = e instanceof GateFailure;
          }
          return out;
        }),
      );
      const writes = prepared.filter((p) => p.error === null && p.state !== null);
      const errors = await writePublishStates(this.env, writes.map((w) => w.state!), new Date().toISOString());
      writes.forEach((w, i) => (w.error = errors[i] ?? null));
      const now = Date.now();
      const duration = now - t0;
      this.ctx.storage.transactionSync(() => {
        for (const p of prepared) {
          const { a, s } = p;
          if (!s) continue;
          const current = this.sql
            .exec<{ state: string }>('SELECT state FROM actions WHERE schedule_id = ? AND occurrence = ? AND kind = ? AND step = ?', a.schedule_id, a.occurrence, a.kind, a.step)
            .toArray()[0];
          if (current?.state !== 'due') continue;
          // Re-read: an earlier action of this batch may have changed the schedule.
          const fresh = this.row(a.schedule_id)!;
          if (p.error === null) this.commitSuccess(fresh, a, actor, duration, now, p.percent);
          else if (p.held) this.commitHeld(fresh, a, actor, duration, now, p.error);
          else this.commitFailure(fresh, a, actor, duration, now, p.error);
        }
      });
    } finally {
      for (const a of mine) this.running.delete(keyOf(a));
    }
  }

  /** Checks an action may run and what it writes; throws (GateFailure for a gate) when it may not. */
  private async prepare(s: ScheduleRow, a: ActionRow): Promise<{ percent: number | undefined; state: PublishState | null }> {
    if (a.kind === 'remind') return { percent: undefined, state: null };
    const strategy = JSON.parse(s.strategy) as Strategy;
    if (a.kind === 'publish') {
      for (const c of JSON.parse(s.conditions) as ScheduleCondition[]) {
        const why = await conditionFailure(this.env, s.tenant_id, s.content_id, c);
        if (why) throw new Error(why);
      }
    }
    if (a.kind === 'step' && strategy.kind === 'progressive' && !a.forced) {
      const why = await gateFailure(schedulingConfig(this.env), s.tenant_id, s.content_id, occurrenceAtOf(s, a.occurrence), strategy.gates);
      if (why) throw new GateFailure(why);
    }
    const published = a.kind !== 'unpublish';
    const percent = !published ? 0 : strategy.kind === 'progressive' ? strategy.steps[a.kind === 'step' ? a.step : 0]!.percent : 100;
    const variants =
      strategy.kind === 'ab'
        ? strategy.variants
        : strategy.kind === 'regional' && published
          ? { regions: regionsLiveAt(strategy.regions, plannedOf(this.sql, a), occurrenceAtOf(s, a.occurrence)), allRegions: strategy.regions.map((r) => r.region), unknownRegion: strategy.unknownRegion }
          : null;
    const state: PublishState = {
      tenantId: s.tenant_id,
      contentKind: s.content_kind,
      contentId: s.content_id,
      published,
      percent,
      variants,
      scheduleId: s.id,
      occurrence: a.occurrence,
      occurrenceAt: occurrenceAtOf(s, a.occurrence),
    };
    return { percent, state };
  }

  /** One action's effect on the world (what a batch does for it). Returns the percent written. */
  async effect(s: ScheduleRow, a: ActionRow): Promise<number | undefined> {
    const p = await this.prepare(s, a);
    if (p.state) await writePublishState(this.env, p.state, new Date().toISOString());
    return p.percent;
  }

  private markDone(a: ActionRow, now: number, error: string | null, state: 'done' | 'failed') {
    this.sql.exec(
      'UPDATE actions SET state = ?, done_at = ?, attempts = attempts + 1, last_error = ? WHERE schedule_id = ? AND occurrence = ? AND kind = ? AND step = ?',
      state,
      now,
      error,
      a.schedule_id,
      a.occurrence,
      a.kind,
      a.step,
    );
  }

  private commitSuccess(s: ScheduleRow, a: ActionRow, actor: string, duration: number, now: number, percent: number | undefined) {
    this.markDone(a, now, null, 'done');
    const detail = percent !== undefined && percent < 100 && a.kind !== 'unpublish' ? `${percent}%` : null;
    this.history(s.id, a.occurrence, a.kind, actor, 'ok', duration, detail);
    this.enqueueEvent(s, a, actor, percent);
    const strategy = JSON.parse(s.strategy) as Strategy;
    const occurrenceAtMs = occurrenceAt(s.scheduled_at, s.recurrence ? JSON.parse(s.recurrence) : null, a.occurrence) ?? a.due_at;
    if (a.kind === s.action) this.sql.exec("UPDATE schedules SET status = 'published', last_error = NULL, updated_at = ? WHERE id = ?", now, s.id);
    // An occurrence is complete once its last main action ran (one per region for regional).
    const mainLeft =
      a.kind === s.action
        ? this.sql
            .exec<{ n: number }>("SELECT COUNT(*) AS n FROM actions WHERE schedule_id = ? AND occurrence = ? AND kind = ? AND state = 'due'", s.id, a.occurrence, s.action)
            .one().n
        : -1;
    if (mainLeft === 0) {
      this.sql.exec('UPDATE schedules SET occurrences_done = occurrences_done + 1, updated_at = ? WHERE id = ?', now, s.id);
      if (s.action === 'publish') {
        if (strategy.kind === 'progressive') {
          strategy.steps.forEach((st, i) => i > 0 && this.insertAction(s, a.occurrence, 'step', i, occurrenceAtMs + st.afterMinutes * 60_000));
        }
        if (s.end_at !== null) this.insertAction(s, a.occurrence, 'unpublish', 0, occurrenceAtMs + (s.end_at - s.scheduled_at));
      }
      this.planOccurrence(s, a.occurrence + 1, now);
    }
    this.settleStatus(s.id, now);
  }

  /** A schedule with nothing left to do has expired (its end passed) or stays published. */
  private settleStatus(id: string, now: number) {
    const left = this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM actions WHERE schedule_id = ? AND state = 'due'", id).one().n;
    if (left > 0) return;
    const s = this.row(id)!;
    const ended = this.sql
      .exec<{ n: number }>("SELECT COUNT(*) AS n FROM actions WHERE schedule_id = ? AND kind = 'unpublish' AND state = 'done'", id)
      .one().n;
    if (s.status === 'published' && s.action === 'publish' && ended > 0) {
      this.sql.exec("UPDATE schedules SET status = 'expired', updated_at = ? WHERE id = ?", now, id);
    }
  }

  /** A gate failed: the step is held, the schedule paused, and an event tells whoever watches. */
  private commitHeld(s: ScheduleRow, a: ActionRow, actor: string, duration: number, now: number, reason: string) {
    this.sql.exec(
      "UPDATE actions SET state = 'held', last_error = ? WHERE schedule_id = ? AND occurrence = ? AND kind = ? AND step = ?",
      reason,
      a.schedule_id,
      a.occurrence,
      a.kind,
      a.step,
    );
    this.sql.exec("UPDATE schedules SET status = 'paused', last_error = ?, updated_at = ? WHERE id = ?", `gate failed: ${reason}`, now, s.id);
    this.history(s.id, a.occurrence, a.kind, actor, 'error', duration, `gate failed, rollout paused: ${reason}`);
    this.enqueueEvent(s, a, actor, undefined, 'gate_failed');
  }

  /** Resume a paused rollout (senior/super): the held step runs now. */
  async resume(actor: Actor, id: string, body: unknown): Promise<Outcome<ScheduleView>> {
    if (actor.role !== 'senior' && actor.role !== 'super') return fail(403, 'forbidden', 'resuming needs senior or super');
    const found = this.visible(actor, id);
    if (!found.ok) return found;
    if (found.value.status !== 'paused') return fail(409, 'conflict', `schedule ${id} is ${found.value.status}, not paused`);
    const p = ResumeScheduleRequest.safeParse(body ?? {});
    if (!p.success) return { ok: false, status: 400, error: apiErrorFromZod(p.error) };
    const now = Date.now();
    this.ctx.storage.transactionSync(() => {
      this.sql.exec("UPDATE actions SET state = 'due', due_at = ?, forced = ? WHERE schedule_id = ? AND state = 'held'", now, p.data.skipGates ? 1 : 0, id);
      this.sql.exec("UPDATE schedules SET status = 'published', last_error = NULL, updated_at = ? WHERE id = ?", now, id);
      this.history(id, null, 'resume', actor.id, 'ok', 0, p.data.skipGates ? 'gates skipped' : null);
    });
    await this.runDue(now, actor.id, id);
    await this.flushOutbox();
    await this.rearm();
    return ok(this.view(this.row(id)!));
  }

  private commitFailure(s: ScheduleRow, a: ActionRow, actor: string, duration: number, now: number, error: string) {
    const attempt = a.attempts + 1;
    this.history(s.id, a.occurrence, a.kind, actor, 'error', duration, `attempt ${attempt}: ${error}`);
    if (attempt > s.max_retries) {
      this.markDone(a, now, error, 'failed');
      // Later occurrences stay planned only if this was not the main action.
      if (a.kind === s.action || a.kind === 'step') {
        this.sql.exec("UPDATE actions SET state = 'cancelled', done_at = ? WHERE schedule_id = ? AND state = 'due'", now, s.id);
      }
      this.sql.exec("UPDATE schedules SET status = 'failed', last_error = ?, updated_at = ? WHERE id = ?", error, now, s.id);
      return;
    }
    const retryAt = now + backoffMs(this.settings().retryBaseMs, attempt);
    this.sql.exec(
      'UPDATE actions SET attempts = ?, last_error = ?, due_at = ? WHERE schedule_id = ? AND occurrence = ? AND kind = ? AND step = ?',
      attempt,
      error,
      retryAt,
      a.schedule_id,
      a.occurrence,
      a.kind,
      a.step,
    );
    this.sql.exec('UPDATE schedules SET last_error = ?, updated_at = ? WHERE id = ?', error, now, s.id);
  }

  private enqueueEvent(s: ScheduleRow, a: ActionRow, actor: string, percent: number | undefined, action: ScheduleEventBody['action'] = a.kind) {
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
    this.sql.exec('INSERT INTO outbox (event_id, body, next_attempt_at, created_at) VALUES (?, ?, ?, ?)', event.eventId, JSON.stringify(event), now, now);
  }

  /** Sends due outbox events to ingest; on failure they stay, retried with backoff. */
  private async flushOutbox(): Promise<void> {
    const now = Date.now();
    const rows = this.sql
      .exec<{ event_id: string; body: string; attempts: number }>('SELECT event_id, body, attempts FROM outbox WHERE next_attempt_at <= ? ORDER BY created_at LIMIT ?', now, OUTBOX_BATCH)
      .toArray();
    if (!rows.length) return;
    try {
      // The schedule event is shaped like a behaviour event (envelope + user/item); see contracts.
      await forwardToIngest(edgeConfig(this.env), rows.map((r) => JSON.parse(r.body)), 1);
      for (const r of rows) this.sql.exec('DELETE FROM outbox WHERE event_id = ?', r.event_id);
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      for (const r of rows) {
        this.sql.exec(
          'UPDATE outbox SET attempts = attempts + 1, last_error = ?, next_attempt_at = ? WHERE event_id = ?',
          msg.slice(0, 500),
          Date.now() + backoffMs(5_000, r.attempts + 1, 600_000),
          r.event_id,
        );
      }
    }
  }

  /** Execute now: the schedule's next due action (its retry included) runs immediately. */
  async executeNow(actor: Actor, id: string): Promise<Outcome<ScheduleView>> {
    if (actor.role !== 'senior' && actor.role !== 'super') return fail(403, 'forbidden', 'executing needs senior or super');
    const found = this.visible(actor, id);
    if (!found.ok) return found;
    const next = this.sql
      .exec<ActionRow>("SELECT * FROM actions WHERE schedule_id = ? AND state = 'due' ORDER BY due_at LIMIT 1", id)
      .toArray()[0];
    if (!next) return fail(409, 'conflict', `schedule ${id} has nothing left to execute`);
    await this.runBatch([next], actor.id);
    await this.flushOutbox();
    await this.rearm();
    return ok(this.view(this.row(id)!));
  }

  /** Runs every action due by now (what the alarm does), e.g. after an outage. */
  async executeDue(actor: Actor): Promise<Outcome<{ ran: number }>> {
    if (actor.role !== 'senior' && actor.role !== 'super') return fail(403, 'forbidden', 'executing needs senior or super');
    const ran = await this.runDue(Date.now(), actor.id);
    await this.flushOutbox();
    await this.rearm();
    return ok({ ran });
  }

  /** Rollback of a publish: the content goes back to unpublished and nothing further fires. */
  async rollback(actor: Actor, id: string): Promise<Outcome<ScheduleView>> {
    if (actor.role !== 'senior' && actor.role !== 'super') return fail(403, 'forbidden', 'rollback needs senior or super');
    const found = this.visible(actor, id);
    if (!found.ok) return found;
    const s = found.value;
    if (s.action !== 'publish' || s.occurrences_done === 0) return fail(409, 'conflict', `schedule ${id} has not published anything`);
    const t0 = Date.now();
    const occurrence = s.occurrences_done - 1;
    try {
      await writePublishState(
        this.env,
        { tenantId: s.tenant_id, contentKind: s.content_kind, contentId: s.content_id, published: false, percent: 0, variants: null, scheduleId: s.id, occurrence, occurrenceAt: t0 },
        new Date().toISOString(),
      );
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      this.history(id, occurrence, 'rollback', actor.id, 'error', Date.now() - t0, msg);
      return fail(503, 'upstream_unavailable', `rollback did not complete, retry: ${msg}`);
    }
    const now = Date.now();
    this.ctx.storage.transactionSync(() => {
      this.sql.exec("UPDATE actions SET state = 'cancelled', done_at = ? WHERE schedule_id = ? AND state = 'due'", now, id);
      this.sql.exec("UPDATE schedules SET status = 'cancelled', updated_at = ? WHERE id = ?", now, id);
      this.history(id, occurrence, 'rollback', actor.id, 'ok', now - t0, null);
      this.enqueueEvent(s, { schedule_id: id, occurrence, kind: 'unpublish', step: 0, due_at: now, attempts: 0, state: 'done' }, actor.id, 0, 'rollback');
    });
    await this.flushOutbox();
    await this.rearm();
    return ok(this.view(this.row(id)!));
  }

  // ---------------------------------------------------------------- templates

  private ensureSystemTemplates() {
    const n = this.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM templates WHERE scope = 'system'").one().n;
    if (n > 0) return;
    for (const t of SYSTEM_TEMPLATES) {
      this.sql.exec("INSERT INTO templates (id, name, scope, defaults, created_by, created_at) VALUES (?, ?, 'system', ?, 'system', ?)", uuidv7(), t.name, JSON.stringify(t.defaults), Date.now());
    }
  }

  async templates(): Promise<Outcome<ScheduleTemplate[]>> {
    this.ensureSystemTemplates();
    const rows = this.sql
      .exec<{ id: string; name: string; scope: string; defaults: string; usage_count: number; created_by: string; created_at: number }>(
        'SELECT * FROM templates ORDER BY scope, name',
      )
      .toArray();
    return ok(
      rows.map((r) => ({
        id: r.id,
        name: r.name,
        scope: r.scope as 'system' | 'user',
        defaults: JSON.parse(r.defaults),
        usageCount: r.usage_count,
        createdBy: r.created_by,
        createdAt: iso(r.created_at),
      })),
    );
  }

  async createTemplate(actor: Actor, body: unknown): Promise<Outcome<ScheduleTemplate>> {
    if (actor.role !== 'super') return fail(403, 'forbidden', 'templates need the super role');
    const p = CreateTemplateRequest.safeParse(body);
    if (!p.success) return { ok: false, status: 400, error: apiErrorFromZod(p.error) };
    const tz = p.data.defaults.recurrence?.timeZone;
    if (tz && !isValidTimeZone(tz)) return fail(400, 'invalid_field', `unknown IANA time zone ${tz}`, 'defaults.recurrence.timeZone');
    const t: ScheduleTemplate = { id: uuidv7(), name: p.data.name, scope: p.data.scope, defaults: p.data.defaults, usageCount: 0, createdBy: actor.id, createdAt: iso(Date.now()) };
    this.sql.exec('INSERT INTO templates (id, name, scope, defaults, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)', t.id, t.name, t.scope, JSON.stringify(t.defaults), t.createdBy, Date.parse(t.createdAt));
    return ok(t);
  }

  async deleteTemplate(actor: Actor, id: string): Promise<Outcome<true>> {
    if (actor.role !== 'super') return fail(403, 'forbidden', 'templates need the super role');
    const r = this.sql.exec('DELETE FROM templates WHERE id = ?', id);
    return r.rowsWritten ? ok(true) : fail(404, 'not_found', `no template ${id}`);
  }

  async applyTemplate(actor: Actor, id: string, body: unknown): Promise<Outcome<ScheduleView>> {
    const p = ApplyTemplateRequest.safeParse(body);
    if (!p.success) return { ok: false, status: 400, error: apiErrorFromZod(p.error) };
    return this.create(actor, { ...p.data, templateId: id });
  }

  // ---------------------------------------------------------------- reporting

  async stats(actor: Actor): Promise<Outcome<SchedulingStats>> {
    const own = actor.role === 'admin';
    const scope = own ? 'WHERE created_by = ?' : '';
    const args = own ? [actor.id] : [];
    const byStatus = Object.fromEntries(
      this.sql.exec<{ status: string; n: number }>(`SELECT status, COUNT(*) AS n FROM schedules ${scope} GROUP BY status`, ...args).toArray().map((r) => [r.status, r.n]),
    );
    const now = Date.now();
    const dueNext24h = this.sql
      .exec<{ n: number }>(
        `SELECT COUNT(*) AS n FROM actions a JOIN schedules s ON s.id = a.schedule_id WHERE a.state = 'due' AND a.due_at < ? ${own ? 'AND s.created_by = ?' : ''}`,
        now + 86_400_000,
        ...args,
      )
      .one().n;
    const h = this.sql
      .exec<{ ok: number; err: number; avg: number | null }>(
        `SELECT SUM(h.result = 'ok') AS ok, SUM(h.result = 'error') AS err, AVG(h.duration_ms) AS avg FROM history h
         JOIN schedules s ON s.id = h.schedule_id WHERE h.action IN ('publish', 'unpublish', 'remind', 'step') ${own ? 'AND s.created_by = ?' : ''}`,
        ...args,
      )
      .one();
    return ok({
      byStatus,
      dueNext24h,
      actions: { ok: h.ok ?? 0, error: h.err ?? 0, avgDurationMs: Math.round((h.avg ?? 0) * 10) / 10 },
      nextAlarmAt: isoOrNull(await this.ctx.storage.getAlarm()),
      outboxPending: this.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM outbox').one().n,
      lateness: this.lateness(),
    });
  }

  /** Percentiles of (completed − planned) over fired publish/unpublish actions. */
  private lateness(): SchedulingStats['lateness'] {
    const where = "FROM actions WHERE state = 'done' AND kind IN ('publish', 'unpublish')";
    const fired = this.sql.exec<{ n: number }>(`SELECT COUNT(*) AS n ${where}`).one().n;
    const at = (q: number) =>
      fired === 0 ? 0 : this.sql.exec<{ l: number }>(`SELECT done_at - planned_at AS l ${where} ORDER BY l LIMIT 1 OFFSET ?`, Math.min(fired - 1, Math.floor(q * fired))).one().l;
    return { fired, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: at(1) };
  }

  /** Occurrences in a local month / week / day, bucketed by local date (or hour for a day). */
  async calendar(actor: Actor, query: unknown): Promise<Outcome<CalendarResponse>> {
    const p = CalendarQuery.safeParse(query);
    if (!p.success) return { ok: false, status: 400, error: apiErrorFromZod(p.error, 'invalid_query') };
    const { view, date, timeZone } = p.data;
    if (!isValidTimeZone(timeZone)) return fail(400, 'invalid_query', `unknown IANA time zone ${timeZone}`, 'timeZone');
    const [y, m, d] = date.split('-').map(Number) as [number, number, number];
    const day = { year: y, month: m, day: d, hour: 0, minute: 0, second: 0, ms: 0 };
    let start = day;
    let end = addLocalDays(day, 1);
    if (view === 'month') {
      start = { ...day, day: 1 };
      end = addLocalMonths(start, 1, 1);
    } else if (view === 'week') {
      const dow = (new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7; // Monday first
      start = addLocalDays(day, -dow);
      end = addLocalDays(start, 7);
    }
    const from = zonedToEpoch(start, timeZone);
    const to = zonedToEpoch(end, timeZone);
    const rows = this.sql
      .exec<ScheduleRow>(
        `SELECT * FROM schedules WHERE scheduled_at < ? ${actor.role === 'admin' ? 'AND created_by = ?' : ''}`,
        to,
        ...(actor.role === 'admin' ? [actor.id] : []),
      )
      .toArray();
    const buckets = new Map<string, CalendarResponse['buckets'][number]>();
    for (const s of rows) {
      for (const o of occurrencesBetween(s.scheduled_at, s.recurrence ? JSON.parse(s.recurrence) : null, from, to)) {
        const w = wallTimeAt(o.at, timeZone);
        const key = view === 'day' ? `${localDateKey(w)}T${String(w.hour).padStart(2, '0')}` : localDateKey(w);
        const b = buckets.get(key) ?? { key, count: 0, entries: [] };
        b.count++;
        b.entries.push({
          scheduleId: s.id,
          occurrence: o.n,
          at: iso(o.at),
          title: s.title,
          contentKind: s.content_kind as ScheduleView['contentKind'],
          contentId: s.content_id,
          action: s.action,
          status: s.status as ScheduleView['status'],
          priority: s.priority,
        });
        buckets.set(key, b);
      }
    }
    const sorted = [...buckets.values()].sort((a, b) => a.key.localeCompare(b.key));
    for (const b of sorted) b.entries.sort((a, b2) => a.at.localeCompare(b2.at) || b2.priority - a.priority);
    return ok({ view, timeZone, from: iso(from), to: iso(to), buckets: sorted });
  }

  /** Legacy `video_id, scheduled_publish_at` rows become one-off publish schedules. */
  async importLegacy(actor: Actor, rows: unknown[]): Promise<Outcome<{ created: number; results: { index: number; ok: boolean; id?: string; error?: ApiError }[] }>> {
    const results: { index: number; ok: boolean; id?: string; error?: ApiError }[] = [];
    for (const [i, raw] of rows.entries()) {
      const p = LegacyScheduleRow.safeParse(raw);
      if (!p.success) {
        results.push({ index: i, ok: false, error: apiErrorFromZod(p.error, 'invalid_field', `rows.${i}`) });
        continue;
      }
      const at = Date.parse(p.data.scheduled_publish_at.includes('T') || /[zZ]|[+-]\d\d:?\d\d$/.test(p.data.scheduled_publish_at) ? p.data.scheduled_publish_at : `${p.data.scheduled_publish_at.replace(' ', 'T')}Z`);
      if (Number.isNaN(at)) {
        results.push({ index: i, ok: false, error: { code: 'invalid_field', message: 'unreadable time', field: `rows.${i}.scheduled_publish_at` } });
        continue;
      }
      const r = await this.createOne(
        actor,
        { contentKind: 'video', contentId: p.data.video_id, action: 'publish', scheduledAt: iso(at), title: `Imported publish of ${p.data.video_id}` },
        `rows.${i}`,
      );
      results.push(r.ok ? { index: i, ok: true, id: r.value.id } : { index: i, ok: false, error: r.error });
    }
    await this.rearm();
    return ok({ created: results.filter((r) => r.ok).length, results });
  }
}

/** The instant of `localTime` (HH:MM) in `timeZone` on the local date the occurrence falls on there. */
/** The first `localTime` (HH:MM) in `timeZone` at or after the occurrence: a region's own morning. */
export function regionalTime(occurrenceAt: number, localTime: string, timeZone: string): number {
  const w = wallTimeAt(occurrenceAt, timeZone);
  const [hh, mm] = localTime.split(':').map(Number) as [number, number];
  const same = zonedToEpoch({ ...w, hour: hh, minute: mm, second: 0, ms: 0 }, timeZone);
  return same >= occurrenceAt ? same : zonedToEpoch({ ...addLocalDays(w, 1), hour: hh, minute: mm, second: 0, ms: 0 }, timeZone);
}

/** Regions whose publish time (for this occurrence) is not after `at`: the regions live then. */
function regionsLiveAt(regions: { region: string; localTime: string; timeZone: string }[], at: number, occurrence: number): string[] {
  return regions.filter((r) => regionalTime(occurrence, r.localTime, r.timeZone) <= at).map((r) => r.region);
}

function plannedOf(sql: SqlStorage, a: ActionRow): number {
  return sql
    .exec<{ p: number }>('SELECT planned_at AS p FROM actions WHERE schedule_id = ? AND occurrence = ? AND kind = ? AND step = ?', a.schedule_id, a.occurrence, a.kind, a.step)
    .one().p;
}

function occurrenceAtOf(s: { scheduled_at: number; recurrence: string | null }, n: number): number {
  return occurrenceAt(s.scheduled_at, s.recurrence ? JSON.parse(s.recurrence) : null, n) ?? s.scheduled_at;
}

/** Template defaults under the request's own fields; durationMinutes becomes an end time. */
function mergeTemplate(defaults: ScheduleTemplate['defaults'], body: Record<string, unknown>): Record<string, unknown> {
  const { durationMinutes, ...rest } = defaults;
  const merged: Record<string, unknown> = { ...rest, ...body };
  delete merged.templateId;
  if (durationMinutes && merged.endAt === undefined && typeof merged.scheduledAt === 'string') {
    const at = Date.parse(merged.scheduledAt);
    if (!Number.isNaN(at)) merged.endAt = iso(at + durationMinutes * 60_000);
  }
  return merged;
}
