import { DurableObject } from 'cloudflare:workers';
import {
  ApplyTemplateRequest,
  ScheduleBatchRequest,
  ScheduleSettings,
  apiErrorFromZod,
  type CalendarResponse,
  type ScheduleBatchResponse,
  type ScheduleHistoryRow,
  type ScheduleTemplate,
  type ScheduleView,
  type SchedulingStats,
} from '@vidplat/contracts';
import type { z } from 'zod';
import type { Bindings } from '../../env.js';
import type { SchedulerRpc } from '../rpc.js';
import { fail, ok, type Actor, type Outcome } from '../shared/result.js';
import { armAlarmAt } from '../alarm.js';
import { cancelSchedule, createSchedule, pauseSchedule, resumeSchedule, rollbackSchedule, updateSchedule } from './commands.js';
import { importLegacy, type LegacyImportResult } from './legacy-import.js';
import { promoteWinner } from './promote.js';
import { flushNotifications, flushOutbox } from './outbox.js';
import { calendar, listSchedules, scheduleHistory, schedulingStats } from './read-models.js';
import { runBatch, runDue, runEffect } from './runner.js';
import { firesActions } from './status.js';
import { createTemplate, deleteTemplate, listTemplates, updateTemplate } from './templates.js';
import { isValidTimeZone } from './zoned-time.js';
import {
  migrate,
  nextWakeAt,
  readSettings,
  scheduleRow,
  scheduleView,
  visibleSchedule,
  writeSettings,
  type ActionRow,
  type ScheduleRow,
  type SchedulerStore,
} from './store.js';

export { regionalTime } from './planning.js';

/**
 * One per tenant: the tenant's schedules, their planned actions, history, templates and an
 * outbox of schedule events. This class is the shell (storage, alarm, RPC surface); what each
 * call does lives in commands, runner, planning, outbox, templates, read-models and legacy-import.
 * The alarm is always set to the earliest due action or outbox retry; each action's effect is
 * idempotent and its completion is committed in one SQLite transaction, so a re-fired alarm
 * (at-least-once) repeats the effect harmlessly and never the bookkeeping.
 */
export class Scheduler extends DurableObject<Bindings> implements SchedulerRpc {
  private readonly store: SchedulerStore;

  constructor(ctx: DurableObjectState, env: Bindings) {
    super(ctx, env);
    this.store = { sql: ctx.storage.sql, storage: ctx.storage, env, running: new Set() };
    ctx.blockConcurrencyWhile(async () => migrate(ctx.storage.sql));
  }

  private get sql(): SqlStorage {
    return this.store.sql;
  }

  /** The alarm always points at the earliest due action or outbox retry (or is cleared). */
  private async rearm(): Promise<void> {
    await armAlarmAt(this.ctx.storage, nextWakeAt(this.sql));
  }

  /** Outbox first, then the alarm: what every state-changing call ends with. */
  private async settle(): Promise<void> {
    await flushNotifications(this.sql, this.env, this.tenantId());
    await flushOutbox(this.sql, this.env);
    await this.rearm();
  }

  /** The tenant this object serves (every schedule row carries it). */
  private tenantId(): string | null {
    return this.sql.exec<{ tenant_id: string }>('SELECT tenant_id FROM schedules LIMIT 1').toArray()[0]?.tenant_id ?? null;
  }

  private viewOf(id: string): ScheduleView {
    return scheduleView(this.sql, scheduleRow(this.sql, id)!);
  }

  override async alarm(): Promise<void> {
    await runDue(this.store, Date.now(), 'alarm');
    await this.settle();
  }

  async nextAlarm(): Promise<number | null> {
    return this.ctx.storage.getAlarm();
  }

  // ---------------------------------------------------------------- settings

  settings(): z.infer<typeof ScheduleSettings> {
    return readSettings(this.sql);
  }

  async putSettings(actor: Actor, body: unknown): Promise<Outcome<z.infer<typeof ScheduleSettings>>> {
    if (actor.role !== 'super') return fail(403, 'forbidden', 'settings need the super role');
    // Settings: an unknown field is a 400 naming it, never silently ignored.
    const p = ScheduleSettings.partial().strict().safeParse(body);
    if (!p.success) return { ok: false, status: 400, error: apiErrorFromZod(p.error) };
    if (p.data.defaultTimeZone && !isValidTimeZone(p.data.defaultTimeZone)) {
      return fail(400, 'invalid_field', `unknown IANA time zone ${p.data.defaultTimeZone}`, 'defaultTimeZone');
    }
    writeSettings(this.sql, p.data);
    return ok(this.settings());
  }

  // ---------------------------------------------------------------- commands

  async create(actor: Actor, body: unknown): Promise<Outcome<ScheduleView>> {
    const r = await createSchedule(this.store, actor, body);
    if (r.ok) await this.rearm();
    return r;
  }

  async get(actor: Actor, id: string): Promise<Outcome<ScheduleView>> {
    const s = visibleSchedule(this.sql, actor, id);
    return s.ok ? ok(scheduleView(this.sql, s.value)) : s;
  }

  async list(actor: Actor, query: unknown): Promise<Outcome<{ items: ScheduleView[]; nextCursor: string | null }>> {
    return listSchedules(this.sql, actor, query);
  }

  async update(actor: Actor, id: string, body: unknown): Promise<Outcome<ScheduleView>> {
    const r = updateSchedule(this.store, actor, id, body);
    if (r.ok) await this.rearm();
    return r;
  }

  async cancel(actor: Actor, id: string): Promise<Outcome<ScheduleView>> {
    const r = cancelSchedule(this.store, actor, id);
    if (r.ok) await this.rearm();
    return r;
  }

  async batch(actor: Actor, body: unknown): Promise<Outcome<ScheduleBatchResponse>> {
    const p = ScheduleBatchRequest.safeParse(body);
    if (!p.success) return { ok: false, status: 400, error: apiErrorFromZod(p.error, 'invalid_body') };
    const out: ScheduleBatchResponse = { create: [], update: [], cancel: [] };
    const wrap = (index: number, r: Outcome<ScheduleView>) => (r.ok ? { index, ok: true, schedule: r.value } : { index, ok: false, error: r.error });
    for (const [i, c] of p.data.create.entries()) out.create.push(wrap(i, await createSchedule(this.store, actor, c, `create.${i}`)));
    for (const [i, u] of p.data.update.entries()) out.update.push(wrap(i, updateSchedule(this.store, actor, u.id, u.patch, `update.${i}.patch`)));
    for (const [i, id] of p.data.cancel.entries()) out.cancel.push(wrap(i, cancelSchedule(this.store, actor, id)));
    await this.rearm();
    return ok(out);
  }

  /** Pause: nothing of the schedule fires (the alarm skips it) until it is resumed. */
  async pause(actor: Actor, id: string): Promise<Outcome<ScheduleView>> {
    const r = pauseSchedule(this.store, actor, id);
    if (r.ok) await this.rearm();
    return r;
  }

  /** Resume a paused schedule (senior/super): a held step and whatever fell due meanwhile run now. */
  async resume(actor: Actor, id: string, body: unknown): Promise<Outcome<ScheduleView>> {
    const r = resumeSchedule(this.store, actor, id, body);
    if (!r.ok) return r;
    await runDue(this.store, r.value, actor.id, id);
    await this.settle();
    return ok(this.viewOf(id));
  }

  async rollback(actor: Actor, id: string): Promise<Outcome<ScheduleView>> {
    const r = await rollbackSchedule(this.store, actor, id);
    if (!r.ok) return r;
    await this.settle();
    return ok(this.viewOf(id));
  }

  /** Promote the winner of an A/B publish to everyone (promote.ts). */
  async promote(actor: Actor, id: string, body: unknown): Promise<Outcome<ScheduleView>> {
    return promoteWinner(this.store, actor, id, body);
  }

  /** Execute now: the schedule's next due action (its retry included) runs immediately. */
  async executeNow(actor: Actor, id: string): Promise<Outcome<ScheduleView>> {
    if (actor.role !== 'senior' && actor.role !== 'super') return fail(403, 'forbidden', 'executing needs senior or super');
    const found = visibleSchedule(this.sql, actor, id);
    if (!found.ok) return found;
    if (!firesActions(found.value.status)) return fail(409, 'conflict', `schedule ${id} is ${found.value.status}; resume it first`);
    const next = this.sql.exec<ActionRow>("SELECT * FROM actions WHERE schedule_id = ? AND state = 'due' ORDER BY due_at LIMIT 1", id).toArray()[0];
    if (!next) return fail(409, 'conflict', `schedule ${id} has nothing left to execute`);
    await runBatch(this.store, [next], actor.id);
    await this.settle();
    return ok(this.viewOf(id));
  }

  /** Runs every action due by now (what the alarm does), e.g. after an outage. */
  async executeDue(actor: Actor): Promise<Outcome<{ ran: number }>> {
    if (actor.role !== 'senior' && actor.role !== 'super') return fail(403, 'forbidden', 'executing needs senior or super');
    const ran = await runDue(this.store, Date.now(), actor.id);
    await this.settle();
    return ok({ ran });
  }

  /** One action's effect without its bookkeeping (what a crash after the effect leaves behind). */
  async effect(s: ScheduleRow, a: ActionRow): Promise<number | undefined> {
    return runEffect(this.store, s, a);
  }

  // ---------------------------------------------------------------- templates

  async templates(): Promise<Outcome<ScheduleTemplate[]>> {
    return listTemplates(this.sql);
  }

  async createTemplate(actor: Actor, body: unknown): Promise<Outcome<ScheduleTemplate>> {
    return createTemplate(this.sql, actor, body);
  }

  async updateTemplate(actor: Actor, id: string, body: unknown): Promise<Outcome<ScheduleTemplate>> {
    return updateTemplate(this.sql, actor, id, body);
  }

  async deleteTemplate(actor: Actor, id: string): Promise<Outcome<true>> {
    return deleteTemplate(this.sql, actor, id);
  }

  async applyTemplate(actor: Actor, id: string, body: unknown): Promise<Outcome<ScheduleView>> {
    const p = ApplyTemplateRequest.safeParse(body);
    if (!p.success) return { ok: false, status: 400, error: apiErrorFromZod(p.error) };
    return this.create(actor, { ...p.data, templateId: id });
  }

  // ---------------------------------------------------------------- read models

  async historyOf(actor: Actor, id: string | null, limit = 200): Promise<Outcome<ScheduleHistoryRow[]>> {
    return scheduleHistory(this.sql, actor, id, limit);
  }

  async stats(actor: Actor): Promise<Outcome<SchedulingStats>> {
    return schedulingStats(this.sql, actor, await this.ctx.storage.getAlarm());
  }

  async calendar(actor: Actor, query: unknown): Promise<Outcome<CalendarResponse>> {
    return calendar(this.sql, actor, query);
  }

  async importLegacy(actor: Actor, rows: unknown[]): Promise<Outcome<LegacyImportResult>> {
    const r = await importLegacy(this.store, actor, rows);
    await this.rearm();
    return r;
  }
}
