import { DurableObject } from 'cloudflare:workers';
import { alarmLateness, broadcasterPosts, broadcasterStreaks } from '../../admin/counters.js';
import {
  apiErrorFromZod,
  CreateBroadcasterTaskRequest,
  type BroadcasterTaskView,
  type BroadcastPayload,
  type CallbackLogRow,
} from '@vidplat/contracts';
import type { Bindings } from '../../env.js';
import type { BroadcasterRpc } from '../rpc.js';
import { backoffMs, fail, iso, isoOrNull, ok, type Actor, type Outcome } from '../shared/result.js';
import { schedulingConfig } from '../shared/config.js';
import { readItemStats, type ItemStats } from './stats.js';
import { signPayload } from './signature.js';
import { armAlarmAt } from '../alarm.js';
import { gatherTaskStats, type LastGood } from './gather.js';
import { receiverPayload } from './payload.js';
import { fetchPolicy, liveFetchers } from './sources/index.js';

type TaskRow = {
  task_id: string;
  tenant_id: string;
  target_url: string;
  secret_ref: string;
  interval_seconds: number;
  active: number;
  site_name: string;
  items: string;
  mapping: string;
  max_retries: number;
  next_run_at: number | null;
  attempts: number;
  last_run_at: number | null;
  last_status: number | null;
  last_error: string | null;
  consecutive_failures: number;
  last_stats: string | null;
  project_id: string;
  receiver_task_id: number;
  duration: number;
  stats_source: string;
  stale: number;
  stats_errors: string | null;
};

type CallbackRow = { id: number; task_id: string; at: number; attempt: number; trigger: string; ok: number; status: number | null; duration_ms: number; error: string | null; stale: number };

const SCHEMA = `
CREATE TABLE IF NOT EXISTS tasks (
  task_id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, target_url TEXT NOT NULL, secret_ref TEXT NOT NULL,
  interval_seconds INTEGER NOT NULL, active INTEGER NOT NULL, site_name TEXT NOT NULL, items TEXT NOT NULL,
  mapping TEXT NOT NULL, max_retries INTEGER NOT NULL, next_run_at INTEGER, attempts INTEGER NOT NULL DEFAULT 0,
  last_run_at INTEGER, last_status INTEGER, last_error TEXT, consecutive_failures INTEGER NOT NULL DEFAULT 0,
  last_stats TEXT);
CREATE TABLE IF NOT EXISTS callbacks (
  id INTEGER PRIMARY KEY AUTOINCREMENT, task_id TEXT NOT NULL, at INTEGER NOT NULL, attempt INTEGER NOT NULL,
  trigger TEXT NOT NULL, ok INTEGER NOT NULL, status INTEGER, duration_ms INTEGER NOT NULL, error TEXT);
CREATE INDEX IF NOT EXISTS callbacks_task ON callbacks(task_id, id);
CREATE TABLE IF NOT EXISTS meta (k TEXT PRIMARY KEY, v TEXT NOT NULL);
`;

/** Columns added after the first release: objects created before get them on their next start. */
const ADDED_COLUMNS: Record<string, [string, string][]> = {
  tasks: [
    ['project_id', "TEXT NOT NULL DEFAULT ''"],
    ['receiver_task_id', 'INTEGER NOT NULL DEFAULT 0'],
    ['duration', 'INTEGER NOT NULL DEFAULT 0'],
    ['stats_source', "TEXT NOT NULL DEFAULT 'platform'"],
    ['stale', 'INTEGER NOT NULL DEFAULT 0'],
    ['stats_errors', 'TEXT'],
  ],
  callbacks: [['stale', 'INTEGER NOT NULL DEFAULT 0']],
};

/** Keep the callback log bounded: the newest rows per object. */
const LOG_KEEP = 5_000;
const RETRY_BASE_MS = 10_000;

/**
 * One per tenant. Every active task posts its stats to its callback URL every intervalSeconds
 * (default 180). The alarm is the earliest next_run_at; all due tasks are delivered concurrently
 * with their own timeout, so a slow or failing target never holds up the others. A failed post is
 * retried with backoff up to maxRetries, then the task waits for its next regular tick.
 */
export class Broadcaster extends DurableObject<Bindings> implements BroadcasterRpc {
  private sql: SqlStorage;
  private inFlight = new Set<string>();

  constructor(ctx: DurableObjectState, env: Bindings) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    ctx.blockConcurrencyWhile(async () => {
      this.sql.exec(SCHEMA);
      for (const [table, cols] of Object.entries(ADDED_COLUMNS)) {
        const have = new Set(this.sql.exec<{ name: string }>(`PRAGMA table_info(${table})`).toArray().map((c) => c.name));
        for (const [name, type] of cols) if (!have.has(name)) this.sql.exec(`ALTER TABLE ${table} ADD COLUMN ${name} ${type}`);
      }
    });
  }

  /** Broadcaster-wide start/stop: while stopped, a task created or updated is stored but not scheduled. */
  private get running(): boolean {
    return (this.sql.exec<{ v: string }>("SELECT v FROM meta WHERE k = 'running'").toArray()[0]?.v ?? '1') === '1';
  }

  private setRunning(on: boolean): void {
    this.sql.exec("INSERT INTO meta (k, v) VALUES ('running', ?) ON CONFLICT (k) DO UPDATE SET v = excluded.v", on ? '1' : '0');
  }

  private task(taskId: string): TaskRow | null {
    return this.sql.exec<TaskRow>('SELECT * FROM tasks WHERE task_id = ?', taskId).toArray()[0] ?? null;
  }

  private view(t: TaskRow): BroadcasterTaskView {
    return {
      taskId: t.task_id,
      tenantId: t.tenant_id,
      targetUrl: t.target_url,
      secretRef: t.secret_ref,
      intervalSeconds: t.interval_seconds,
      active: t.active === 1,
      siteName: t.site_name,
      projectId: t.project_id,
      receiverTaskId: t.receiver_task_id,
      duration: t.duration,
      statsSource: t.stats_source === 'live' ? 'live' : 'platform',
      items: JSON.parse(t.items),
      platformMapping: JSON.parse(t.mapping),
      maxRetries: t.max_retries,
      nextRunAt: isoOrNull(t.next_run_at),
      lastRunAt: isoOrNull(t.last_run_at),
      lastStatus: t.last_status,
      lastError: t.last_error,
      consecutiveFailures: t.consecutive_failures,
      stale: t.stale === 1,
      statsErrors: t.stats_errors ? (JSON.parse(t.stats_errors) as string[]) : [],
    };
  }

  private async rearm(): Promise<void> {
    const next = this.sql.exec<{ t: number | null }>('SELECT MIN(next_run_at) AS t FROM tasks WHERE active = 1').one().t;
    await armAlarmAt(this.ctx.storage, next);
  }

  async nextAlarm(): Promise<number | null> {
    return this.ctx.storage.getAlarm();
  }

  /**
   * Create or replace a task (super). An active task is first due immediately, unless the
   * broadcaster is stopped: then it posts nothing until started (all, or this task by id).
   */
  async putTask(actor: Actor, body: unknown): Promise<Outcome<BroadcasterTaskView>> {
    if (actor.role !== 'super') return fail(403, 'forbidden', 'broadcaster tasks need the super role');
    const p = CreateBroadcasterTaskRequest.safeParse(body);
    if (!p.success) return { ok: false, status: 400, error: apiErrorFromZod(p.error) };
    const d = p.data;
    const secrets = schedulingConfig(this.env).secrets;
    if (!secrets[d.secretRef]) return fail(400, 'invalid_field', `no webhook secret configured under ${d.secretRef}`, 'secretRef');
    const now = Date.now();
    const scheduled = d.active && this.running;
    this.sql.exec(
      `INSERT INTO tasks (task_id, tenant_id, target_url, secret_ref, interval_seconds, active, site_name, items, mapping, max_retries, next_run_at,
         project_id, receiver_task_id, duration, stats_source)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
       ON CONFLICT (task_id) DO UPDATE SET target_url = excluded.target_url, secret_ref = excluded.secret_ref,
         interval_seconds = excluded.interval_seconds, active = excluded.active, site_name = excluded.site_name, items = excluded.items,
         mapping = excluded.mapping, max_retries = excluded.max_retries, next_run_at = excluded.next_run_at, attempts = 0,
         project_id = excluded.project_id, receiver_task_id = excluded.receiver_task_id, duration = excluded.duration, stats_source = excluded.stats_source`,
      d.taskId,
      actor.tenantId,
      d.targetUrl,
      d.secretRef,
      d.intervalSeconds,
      d.active ? 1 : 0,
      d.siteName,
      JSON.stringify(d.items),
      JSON.stringify(d.platformMapping),
      d.maxRetries,
      scheduled ? now : null,
      d.projectId,
      d.receiverTaskId,
      d.duration,
      d.statsSource,
    );
    await this.rearm();
    return ok(this.view(this.task(d.taskId)!));
  }

  async deleteTask(actor: Actor, taskId: string): Promise<Outcome<true>> {
    if (actor.role !== 'super') return fail(403, 'forbidden', 'broadcaster tasks need the super role');
    const r = this.sql.exec('DELETE FROM tasks WHERE task_id = ?', taskId);
    await this.rearm();
    return r.rowsWritten ? ok(true) : fail(404, 'not_found', `no task ${taskId}`);
  }

  /**
   * Start (all tasks, or one by id): active, first post now. Stop: inactive, no alarm for it.
   * Without a task id this also starts/stops the broadcaster itself (tasks created while it is
   * stopped wait for a start); with one, only that task changes.
   */
  async setActive(actor: Actor, active: boolean, taskId?: string): Promise<Outcome<{ tasks: BroadcasterTaskView[] }>> {
    if (actor.role !== 'super' && actor.role !== 'senior') return fail(403, 'forbidden', 'start/stop needs senior or super');
    if (taskId && !this.task(taskId)) return fail(404, 'not_found', `no task ${taskId}`);
    const now = Date.now();
    if (!taskId) this.setRunning(active);
    this.sql.exec(
      `UPDATE tasks SET active = ?, next_run_at = ?, attempts = 0 ${taskId ? 'WHERE task_id = ?' : ''}`,
      active ? 1 : 0,
      active ? now : null,
      ...(taskId ? [taskId] : []),
    );
    await this.rearm();
    return ok({ tasks: this.sql.exec<TaskRow>('SELECT * FROM tasks ORDER BY task_id').toArray().map((t) => this.view(t)) });
  }

  async status(): Promise<Outcome<{ running: boolean; nextAlarmAt: string | null; tasks: BroadcasterTaskView[] }>> {
    const tasks = this.sql.exec<TaskRow>('SELECT * FROM tasks ORDER BY task_id').toArray().map((t) => this.view(t));
    return ok({ running: this.running, nextAlarmAt: isoOrNull(await this.ctx.storage.getAlarm()), tasks });
  }

  async log(taskId: string | null, limit = 100): Promise<Outcome<CallbackLogRow[]>> {
    const rows = this.sql
      .exec<CallbackRow>(
        `SELECT * FROM callbacks ${taskId ? 'WHERE task_id = ?' : ''} ORDER BY id DESC LIMIT ?`,
        ...(taskId ? [taskId] : []),
        Math.min(Math.max(1, limit), 1000),
      )
      .toArray();
    return ok(
      rows.map((r) => ({
        id: r.id,
        taskId: r.task_id,
        at: iso(r.at),
        attempt: r.attempt,
        trigger: r.trigger as 'alarm' | 'manual',
        ok: r.ok === 1,
        status: r.status,
        durationMs: r.duration_ms,
        error: r.error,
        stale: r.stale === 1,
      })),
    );
  }

  /** Trigger now: posts every active task (or one task, active or not) outside its schedule. */
  async trigger(actor: Actor, taskId?: string): Promise<Outcome<CallbackLogRow[]>> {
    if (actor.role !== 'super' && actor.role !== 'senior') return fail(403, 'forbidden', 'trigger needs senior or super');
    const tasks = taskId
      ? this.sql.exec<TaskRow>('SELECT * FROM tasks WHERE task_id = ?', taskId).toArray()
      : this.sql.exec<TaskRow>('SELECT * FROM tasks WHERE active = 1').toArray();
    if (taskId && !tasks.length) return fail(404, 'not_found', `no task ${taskId}`);
    const ids = await this.deliverAll(tasks, 'manual');
    return ok(this.logRows(ids));
  }

  private logRows(ids: number[]): CallbackLogRow[] {
    if (!ids.length) return [];
    const r = this.sql.exec<CallbackRow>(
      `SELECT * FROM callbacks WHERE id IN (${ids.map(() => '?').join(',')}) ORDER BY task_id`,
      ...ids,
    );
    return r.toArray().map((x) => ({
      id: x.id,
      taskId: x.task_id,
      at: iso(x.at),
      attempt: x.attempt,
      trigger: x.trigger as 'alarm' | 'manual',
      ok: x.ok === 1,
      status: x.status,
      durationMs: x.duration_ms,
      error: x.error,
      stale: x.stale === 1,
    }));
  }

  override async alarm(): Promise<void> {
    const startedAt = Date.now();
    const due = this.sql.exec<TaskRow>('SELECT * FROM tasks WHERE active = 1 AND next_run_at <= ?', startedAt).toArray();
    for (const t of due) alarmLateness.observe(['broadcaster'], Math.max(0, startedAt - (t.next_run_at ?? startedAt)));
    try {
      await this.deliverAll(due, 'alarm');
    } catch (e) {
      // Never uncaught (e.g. the stats read threw): the tasks below are re-planned with the error.
      console.error('broadcaster alarm failed', e instanceof Error ? e.message : String(e));
      this.deferUnplanned(startedAt, e instanceof Error ? `${e.name}: ${e.message}` : String(e));
    }
    // A task whose delivery threw (rather than failed) kept its past next_run_at: without this the
    // re-arm below would fire again at once, forever.
    this.deferUnplanned(startedAt, 'delivery threw before recording its outcome');
    await this.rearm();
  }

  /** Due tasks this run did not re-plan: recorded as a failure and retried with backoff. */
  private deferUnplanned(startedAt: number, error: string): void {
    const now = Date.now();
    for (const t of this.sql.exec<TaskRow>('SELECT * FROM tasks WHERE active = 1 AND next_run_at <= ?', startedAt).toArray()) {
      if (this.inFlight.has(t.task_id)) continue; // a manual trigger is delivering it right now
      const next = now + backoffMs(RETRY_BASE_MS, t.consecutive_failures + 1, t.interval_seconds * 1000);
      this.sql.exec(
        'UPDATE tasks SET next_run_at = ?, last_run_at = ?, last_error = ?, consecutive_failures = consecutive_failures + 1 WHERE task_id = ?',
        next,
        now,
        error,
        t.task_id,
      );
    }
  }

  /** Delivers tasks concurrently; each outcome is logged and re-plans only its own task. */
  private async deliverAll(all: TaskRow[], trigger: 'alarm' | 'manual'): Promise<number[]> {
    // A manual trigger racing the alarm must not post the same task twice at once.
    const tasks = all.filter((t) => !this.inFlight.has(t.task_id));
    if (!tasks.length) return [];
    for (const t of tasks) this.inFlight.add(t.task_id);
    try {
      return await this.deliverEach(tasks, trigger);
    } finally {
      for (const t of tasks) this.inFlight.delete(t.task_id);
    }
  }

  private async deliverEach(tasks: TaskRow[], trigger: 'alarm' | 'manual'): Promise<number[]> {
    const cfg = schedulingConfig(this.env);
    // The platform's own counts: one ClickHouse query for every item of the run's platform-source tasks.
    const ownItems = [...new Set(tasks.filter((t) => t.stats_source !== 'live').flatMap((t) => (JSON.parse(t.items) as { itemId: string }[]).map((i) => i.itemId)))];
    const stats = ownItems.length ? await readItemStats(cfg, tasks[0]!.tenant_id, ownItems) : new Map<string, ItemStats>();
    const fetchers = liveFetchers(cfg);
    const results = await Promise.allSettled(tasks.map((t) => this.deliver(t, stats, fetchers, trigger)));
    return results.flatMap((r) => (r.status === 'fulfilled' ? [r.value] : []));
  }

  private async deliver(t: TaskRow, own: Map<string, ItemStats> | null, fetchers: ReturnType<typeof liveFetchers>, trigger: 'alarm' | 'manual'): Promise<number> {
    const cfg = schedulingConfig(this.env);
    const view = this.view(t);
    const gathered = await gatherTaskStats(
      { items: view.items, statsSource: view.statsSource, lastGood: t.last_stats ? (JSON.parse(t.last_stats) as LastGood) : {} },
      own,
      fetchers,
      fetchPolicy(cfg),
      Date.now(),
    );
    const payload = receiverPayload(view, gathered.perItem);
    const body = JSON.stringify(payload);
    const secret = cfg.secrets[t.secret_ref];
    const t0 = Date.now();
    let status: number | null = null;
    let error: string | null = null;
    if (!secret) {
      error = `no webhook secret configured under ${t.secret_ref}`;
    } else {
      const ts = String(Math.floor(t0 / 1000));
      try {
        const res = await fetch(t.target_url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'x-timestamp': ts,
            'x-signature': `sha256=${await signPayload(secret, ts, body)}`,
            'x-task-id': t.task_id,
            // The receiver's body has no place for it: stale numbers are flagged in a header.
            'x-stats-stale': gathered.stale ? 'true' : 'false',
          },
          body,
          signal: AbortSignal.timeout(cfg.BROADCAST_TIMEOUT_MS),
        });
        status = res.status;
        await res.body?.cancel();
        if (!res.ok) error = `target answered ${res.status}`;
      } catch (e) {
        error = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
      }
    }
    const now = Date.now();
    const attempt = t.attempts + 1;
    const okd = error === null;
    broadcasterPosts.inc([okd ? 'ok' : 'failed']);
    if (broadcasterStreaks.size > 10_000) broadcasterStreaks.clear();
    broadcasterStreaks.set(`${t.task_id}`, okd ? 0 : t.consecutive_failures + 1);
    // A manual trigger does not move the task's regular schedule; an alarm run plans the next one.
    let next = t.next_run_at;
    let attempts = t.attempts;
    if (trigger === 'alarm') {
      const regular = Math.max((t.next_run_at ?? now) + t.interval_seconds * 1000, now + 1000);
      if (okd || attempt > t.max_retries) {
        next = regular;
        attempts = 0;
      } else {
        next = Math.min(now + backoffMs(RETRY_BASE_MS, attempt), regular);
        attempts = attempt;
      }
    }
    const id = this.ctx.storage.transactionSync(() => {
      this.sql.exec(
        `UPDATE tasks SET next_run_at = CASE WHEN active = 1 THEN ? ELSE NULL END, attempts = ?, last_run_at = ?, last_status = ?, last_error = ?,
           consecutive_failures = CASE WHEN ? THEN 0 ELSE consecutive_failures + 1 END, last_stats = ?, stale = ?, stats_errors = ? WHERE task_id = ?`,
        next,
        attempts,
        now,
        status,
        error,
        okd ? 1 : 0,
        JSON.stringify(gathered.lastGood),
        gathered.stale ? 1 : 0,
        JSON.stringify(gathered.errors),
        t.task_id,
      );
      this.sql.exec(
        'INSERT INTO callbacks (task_id, at, attempt, trigger, ok, status, duration_ms, error, stale) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)',
        t.task_id,
        now,
        attempt,
        trigger,
        okd ? 1 : 0,
        status,
        now - t0,
        error?.slice(0, 500) ?? null,
        gathered.stale ? 1 : 0,
      );
      const rowId = this.sql.exec<{ id: number }>('SELECT last_insert_rowid() AS id').one().id;
      this.sql.exec('DELETE FROM callbacks WHERE id <= ?', rowId - LOG_KEEP);
      return rowId;
    });
    return id;
  }
}
