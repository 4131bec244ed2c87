import { ResumeScheduleRequest, apiErrorFromZod, uuidv7, type ScheduleView } from '@vidplat/contracts';
import { fail, iso, isoOrNull, ok, type Actor, type Outcome } from '../shared/result.js';
import { contentExists, writePublishState } from './content.js';
import { enqueueEvent } from './outbox.js';
import { planOccurrence } from './planning.js';
import { isEditable, transition } from './status.js';
import { countTemplateUse, mergeTemplate, templateDefaults } from './templates.js';
import { checkScheduleRules, parseCreate, parseUpdate } from './validate.js';
import {
  activeDuplicate,
  cancelDueActions,
  insertSchedule,
  recordHistory,
  scheduleRow,
  scheduleView,
  setStatus,
  visibleSchedule,
  type ScheduleRow,
  type SchedulerStore,
} from './store.js';

/**
 * What operators do to a schedule: create, update, cancel, pause, resume, roll back. Each checks
 * the actor's role and the state machine, then writes the schedule, its plan and its history in
 * one transaction. Re-arming the alarm and running what is due is the shell's part.
 */

const isSenior = (actor: Actor) => actor.role === 'senior' || actor.role === 'super';

export async function createSchedule(st: SchedulerStore, actor: Actor, body: unknown, prefix?: string): Promise<Outcome<ScheduleView>> {
  if (!['admin', 'senior', 'super'].includes(actor.role)) return fail(403, 'forbidden', 'scheduling needs admin, senior or super');
  const now = Date.now();
  let input = body;
  const templateId = typeof body === 'object' && body && 'templateId' in body ? (body as { templateId: unknown }).templateId : undefined;
  if (typeof templateId === 'string') {
    const defaults = templateDefaults(st.sql, templateId);
    if (!defaults) return fail(400, 'invalid_field', `no template ${templateId}`, prefix ? `${prefix}.templateId` : 'templateId');
    input = mergeTemplate(defaults, body as Record<string, unknown>);
  }
  const p = parseCreate(input, now, prefix);
  if (!p.ok) return p;
  const d = p.value;
  const field = (f: string) => (prefix ? `${prefix}.${f}` : f);
  if (!(await contentExists(st.env.CATALOGUE, actor.tenantId, d.contentKind, d.contentId))) {
    return fail(400, 'invalid_field', `unknown ${d.contentKind} ${d.contentId}`, field('contentId'));
  }
  // A/B publish: every variant's content must exist too (it is published to its bucket).
  if ('variants' in d.strategy) {
    for (const [i, v] of d.strategy.variants.entries()) {
      if (v.contentId !== d.contentId && !(await contentExists(st.env.CATALOGUE, actor.tenantId, d.contentKind, v.contentId))) {
        return fail(400, 'invalid_field', `unknown ${d.contentKind} ${v.contentId}`, field(`strategy.variants.${i}.contentId`));
      }
    }
  }
  const dup = activeDuplicate(st.sql, d.contentId, d.action, null);
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
  st.storage.transactionSync(() => {
    insertSchedule(st.sql, s);
    planOccurrence(st.sql, s, 0, now);
    if (typeof templateId === 'string') countTemplateUse(st.sql, templateId);
    recordHistory(st.sql, id, null, 'create', actor.id, 'ok', Date.now() - now, typeof templateId === 'string' ? `template ${templateId}` : null);
  });
  return ok(scheduleView(st.sql, s));
}

export function updateSchedule(st: SchedulerStore, actor: Actor, id: string, body: unknown, prefix?: string): Outcome<ScheduleView> {
  const found = visibleSchedule(st.sql, actor, id);
  if (!found.ok) return found;
  const s = found.value;
  if (!isEditable(s.status, s.occurrences_done)) return fail(409, 'conflict', `schedule ${id} is ${s.status}; only a pending schedule can change`);
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
  st.storage.transactionSync(() => {
    st.sql.exec(
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
    st.sql.exec("DELETE FROM actions WHERE schedule_id = ? AND state = 'due'", id);
    planOccurrence(st.sql, next, 0, now);
    recordHistory(st.sql, id, null, 'update', actor.id, 'ok', Date.now() - now, Object.keys(u).join(','));
  });
  return ok(scheduleView(st.sql, next));
}

export function cancelSchedule(st: SchedulerStore, actor: Actor, id: string): Outcome<ScheduleView> {
  const found = visibleSchedule(st.sql, actor, id);
  if (!found.ok) return found;
  const s = found.value;
  const to = transition(s.status, 'cancel');
  if (!to) return ok(scheduleView(st.sql, s)); // already cancelled: cancelling again is a no-op
  const now = Date.now();
  st.storage.transactionSync(() => {
    cancelDueActions(st.sql, id, now);
    setStatus(st.sql, id, to, now);
    recordHistory(st.sql, id, null, 'cancel', actor.id, 'ok', 0, `was ${s.status}`);
  });
  return ok(scheduleView(st.sql, scheduleRow(st.sql, id)!));
}

/** Pause (senior/super): nothing of the schedule fires until it is resumed; its plan is kept. */
export function pauseSchedule(st: SchedulerStore, actor: Actor, id: string): Outcome<ScheduleView> {
  if (!isSenior(actor)) return fail(403, 'forbidden', 'pausing needs senior or super');
  const found = visibleSchedule(st.sql, actor, id);
  if (!found.ok) return found;
  const s = found.value;
  const to = transition(s.status, 'pause');
  if (!to) return fail(409, 'conflict', `schedule ${id} is ${s.status}; only a pending, published or failed schedule can pause`);
  const now = Date.now();
  st.storage.transactionSync(() => {
    setStatus(st.sql, id, to, now);
    recordHistory(st.sql, id, null, 'pause', actor.id, 'ok', 0, `was ${s.status}`);
  });
  return ok(scheduleView(st.sql, scheduleRow(st.sql, id)!));
}

/**
 * Resume (senior/super) a schedule paused by an operator or at a failed gate: a held step is due
 * now (without its gates when `skipGates`), and whatever fell due meanwhile runs on the shell's
 * next `runDue`. Back to published if something went live already, else to pending.
 */
export function resumeSchedule(st: SchedulerStore, actor: Actor, id: string, body: unknown): Outcome<number> {
  if (!isSenior(actor)) return fail(403, 'forbidden', 'resuming needs senior or super');
  const found = visibleSchedule(st.sql, actor, id);
  if (!found.ok) return found;
  const s = found.value;
  const fired = st.sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM actions WHERE schedule_id = ? AND state = 'done' AND kind IN ('publish', 'unpublish', 'step')", id).one().n;
  const to = transition(s.status, fired > 0 || s.occurrences_done > 0 ? 'resume' : 'resumePending');
  if (!to) return fail(409, 'conflict', `schedule ${id} is ${s.status}, not paused`);
  const p = ResumeScheduleRequest.safeParse(body ?? {});
  if (!p.success) return { ok: false, status: 400, error: apiErrorFromZod(p.error) };
  const now = Date.now();
  st.storage.transactionSync(() => {
    st.sql.exec("UPDATE actions SET state = 'due', due_at = ?, forced = ? WHERE schedule_id = ? AND state = 'held'", now, p.data.skipGates ? 1 : 0, id);
    st.sql.exec('UPDATE schedules SET status = ?, last_error = NULL, updated_at = ? WHERE id = ?', to, now, id);
    recordHistory(st.sql, id, null, 'resume', actor.id, 'ok', 0, p.data.skipGates ? 'gates skipped' : null);
  });
  return ok(now);
}

/** Rollback of a publish: the content goes back to unpublished and nothing further fires. */
export async function rollbackSchedule(st: SchedulerStore, actor: Actor, id: string): Promise<Outcome<ScheduleView>> {
  if (!isSenior(actor)) return fail(403, 'forbidden', 'rollback needs senior or super');
  const found = visibleSchedule(st.sql, actor, id);
  if (!found.ok) return found;
  const s = found.value;
  if (s.action !== 'publish' || s.occurrences_done === 0) return fail(409, 'conflict', `schedule ${id} has not published anything`);
  const t0 = Date.now();
  const occurrence = s.occurrences_done - 1;
  try {
    await writePublishState(
      st.env,
      { tenantId: s.tenant_id, contentKind: s.content_kind, contentId: s.content_id, published: false, percent: 0, variants: null, scheduleId: s.id, occurrence, occurrenceAt: t0 },
      new Date().toISOString(),
    );
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    recordHistory(st.sql, id, occurrence, 'rollback', actor.id, 'error', Date.now() - t0, msg);
    return fail(503, 'upstream_unavailable', `rollback did not complete, retry: ${msg}`);
  }
  const now = Date.now();
  st.storage.transactionSync(() => {
    const fresh = scheduleRow(st.sql, id)!;
    cancelDueActions(st.sql, id, now);
    setStatus(st.sql, id, transition(fresh.status, 'cancel') ?? fresh.status, now);
    recordHistory(st.sql, id, occurrence, 'rollback', actor.id, 'ok', now - t0, null);
    enqueueEvent(st.sql, s, { occurrence, kind: 'unpublish' }, actor.id, 0, 'rollback');
  });
  return ok(scheduleView(st.sql, scheduleRow(st.sql, id)!));
}
