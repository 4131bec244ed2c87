import { normaliseStrategyKind, type ScheduleCondition } from '@vidplat/contracts';
import { backoffMs } from '../shared/result.js';
import { alarmLateness } from '../../admin/counters.js';
import { schedulingConfig } from '../shared/config.js';
import { conditionFailure, writePublishState, writePublishStates, type PublishState } from './content.js';
import { GateFailure, gateFailure } from './gates.js';
import { enqueueEvent, enqueueNotification } from './outbox.js';
import { occurrenceAtOf, planAfterOccurrence, plannedOf, regionsLiveAt } from './planning.js';
import { firesActions, transition, type ScheduleEvent } from './status.js';
import { readSettings, recordHistory, scheduleRow, setStatus, type ActionRow, type ScheduleRow, type SchedulerStore, type Strategy } from './store.js';

/**
 * The action runner: fires due actions (publish, unpublish, reminder, progressive step) and
 * commits each one's outcome (done, held at a gate, retried with backoff, failed).
 */

/** Actions handled per alarm invocation; the rest re-arm the alarm for immediately after. */
const ALARM_BUDGET = 500;

/** Runs due actions in time order (then priority) of schedules that may fire; returns how many ran. */
export async function runDue(st: SchedulerStore, now: number, actor: string, scheduleId?: string): Promise<number> {
  const due = st.sql
    .exec<ActionRow>(
      `SELECT a.schedule_id, a.occurrence, a.kind, a.step, a.due_at, a.attempts, a.state, a.forced FROM actions a
       JOIN schedules s ON s.id = a.schedule_id
       WHERE a.state = 'due' AND a.due_at <= ? AND s.status != 'paused' ${scheduleId ? 'AND a.schedule_id = ?' : ''}
       ORDER BY a.due_at, a.priority DESC, a.schedule_id LIMIT ?`,
      now,
      ...(scheduleId ? [scheduleId] : []),
      ALARM_BUDGET,
    )
    .toArray();
  if (actor === 'alarm') for (const a of due) alarmLateness.observe(['scheduler'], Math.max(0, now - a.due_at));
  await runBatch(st, due, actor);
  return due.length;
}

/**
 * Runs a batch of due actions: checks (conditions, gates) concurrently, all publish-state writes
 * in one D1 batch, then every action's bookkeeping in one SQLite transaction, in due order.
 * Effects are idempotent; the commit skips actions that are no longer due (already committed
 * by a racing run, or cancelled meanwhile) and those of a schedule paused meanwhile (they run
 * again on resume), so a repeat never duplicates history or events.
 */
export async function runBatch(st: SchedulerStore, actions: ActionRow[], actor: string): Promise<void> {
  const keyOf = (a: ActionRow) => `${a.schedule_id}/${a.occurrence}/${a.kind}/${a.step}`;
  const mine = actions.filter((a) => !st.running.has(keyOf(a)));
  if (!mine.length) return;
  for (const a of mine) st.running.add(keyOf(a));
  try {
    const t0 = Date.now();
    const prepared = await Promise.all(
      mine.map(async (a) => {
        const s = scheduleRow(st.sql, a.schedule_id);
        const out = { a, s, percent: undefined as number | undefined, state: null as PublishState | null, error: null as string | null, held: false };
        if (!s) return out;
        try {
          const p = await prepare(st, s, a);
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
    const errors = await writePublishStates(st.env, writes.map((w) => w.state!), new Date().toISOString());
    writes.forEach((w, i) => (w.error = errors[i] ?? null));
    const now = Date.now();
    const duration = now - t0;
    st.storage.transactionSync(() => {
      for (const p of prepared) {
        const { a, s } = p;
        if (!s) continue;
        const current = st.sql
          .exec<{ state: string }>('SELECT state FROM actions WHERE schedule_id = ? AND occurrence = ? AND kind = ? AND step = ?', a.schedule_id, a.occurrence, a.kind, a.step)
          .toArray()[0];
        if (current?.state !== 'due') continue;
        // Re-read: an earlier action of this batch (or an operator) may have changed the schedule.
        const fresh = scheduleRow(st.sql, a.schedule_id)!;
        if (!firesActions(fresh.status)) continue;
        if (p.error === null) commitSuccess(st, fresh, a, actor, duration, now, p.percent);
        else if (p.held) commitHeld(st, fresh, a, actor, duration, now, p.error);
        else commitFailure(st, fresh, a, actor, duration, now, p.error);
      }
    });
  } finally {
    for (const a of mine) st.running.delete(keyOf(a));
  }
}

/** Checks an action may run and what it writes; throws (GateFailure for a gate) when it may not. */
async function prepare(st: SchedulerStore, s: ScheduleRow, a: ActionRow): Promise<{ percent: number | undefined; state: PublishState | null }> {
  if (a.kind === 'remind') return { percent: undefined, state: null };
  const strategy = normaliseStrategyKind(JSON.parse(s.strategy)) as Strategy;
  if (a.kind === 'publish') {
    for (const c of JSON.parse(s.conditions) as ScheduleCondition[]) {
      const why = await conditionFailure(st.env, s.tenant_id, s.content_id, c);
      if (why) throw new Error(why);
    }
  }
  if (a.kind === 'step' && strategy.kind === 'progressive' && !a.forced) {
    const why = await gateFailure(schedulingConfig(st.env), s.tenant_id, s.content_id, occurrenceAtOf(s, a.occurrence), strategy.gates);
    if (why) throw new GateFailure(why);
  }
  const published = a.kind !== 'unpublish';
  const percent = !published ? 0 : strategy.kind === 'progressive' ? strategy.steps[a.kind === 'step' ? a.step : 0]!.percent : 100;
  const variants =
    strategy.kind === 'ab_test'
      ? strategy.variants
      : strategy.kind === 'regional' && published
        ? { regions: regionsLiveAt(strategy.regions, plannedOf(st.sql, a), occurrenceAtOf(s, a.occurrence)), allRegions: strategy.regions.map((r) => r.region), unknownRegion: strategy.unknownRegion }
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

/** One action's effect on the world (what a batch does for it), without its bookkeeping. */
export async function runEffect(st: SchedulerStore, s: ScheduleRow, a: ActionRow): Promise<number | undefined> {
  const p = await prepare(st, s, a);
  if (p.state) await writePublishState(st.env, p.state, new Date().toISOString());
  return p.percent;
}

/** Moves the schedule along `event` when the state machine allows it from where it is. */
function move(sql: SqlStorage, s: ScheduleRow, event: ScheduleEvent, now: number, lastError?: string | null): void {
  const to = transition(s.status, event) ?? s.status;
  if (lastError === undefined) setStatus(sql, s.id, to, now);
  else sql.exec('UPDATE schedules SET status = ?, last_error = ?, updated_at = ? WHERE id = ?', to, lastError, now, s.id);
  s.status = to;
}

function markDone(sql: SqlStorage, a: ActionRow, now: number, error: string | null, state: 'done' | 'failed') {
  sql.exec(
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

function commitSuccess(st: SchedulerStore, s: ScheduleRow, a: ActionRow, actor: string, duration: number, now: number, percent: number | undefined) {
  const { sql } = st;
  markDone(sql, a, now, null, 'done');
  const detail = percent !== undefined && percent < 100 && a.kind !== 'unpublish' ? `${percent}%` : null;
  recordHistory(sql, s.id, a.occurrence, a.kind, actor, 'ok', duration, detail);
  const eventId = enqueueEvent(sql, s, a, actor, percent);
  // Reminders, and publishes whose schedule notifies subscribers, go to the tenant's Notifier.
  if (a.kind === 'remind') enqueueNotification(sql, s, a.occurrence, 'reminder', eventId, occurrenceAtOf(s, a.occurrence));
  else if (a.kind === 'publish' && s.notify === 1 && firstPublishOf(sql, a)) enqueueNotification(sql, s, a.occurrence, 'published', eventId, now);
  if (a.kind === s.action) move(sql, s, 'fire', now, null);
  // An occurrence is complete once its last main action ran (one per region for regional).
  const mainLeft =
    a.kind === s.action
      ? sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM actions WHERE schedule_id = ? AND occurrence = ? AND kind = ? AND state = 'due'", s.id, a.occurrence, s.action).one().n
      : -1;
  if (mainLeft === 0) {
    sql.exec('UPDATE schedules SET occurrences_done = occurrences_done + 1, updated_at = ? WHERE id = ?', now, s.id);
    planAfterOccurrence(sql, s, a.occurrence, a.due_at, now);
  }
  settleStatus(sql, s.id, now);
}

/** Subscribers hear of an occurrence once: at its first publish (a regional one publishes once per region). */
function firstPublishOf(sql: SqlStorage, a: ActionRow): boolean {
  return sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM actions WHERE schedule_id = ? AND occurrence = ? AND kind = 'publish' AND state = 'done'", a.schedule_id, a.occurrence).one().n === 1;
}

/** A schedule with nothing left to do has expired (its end passed) or stays published. */
function settleStatus(sql: SqlStorage, id: string, now: number) {
  const left = sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM actions WHERE schedule_id = ? AND state = 'due'", id).one().n;
  if (left > 0) return;
  const s = scheduleRow(sql, id)!;
  const ended = sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM actions WHERE schedule_id = ? AND kind = 'unpublish' AND state = 'done'", id).one().n;
  if (s.status === 'published' && s.action === 'publish' && ended > 0) move(sql, s, 'expire', now);
}

/** A gate failed: the step is held, the schedule paused, and an event tells whoever watches. */
function commitHeld(st: SchedulerStore, s: ScheduleRow, a: ActionRow, actor: string, duration: number, now: number, reason: string) {
  const { sql } = st;
  sql.exec(
    "UPDATE actions SET state = 'held', last_error = ? WHERE schedule_id = ? AND occurrence = ? AND kind = ? AND step = ?",
    reason,
    a.schedule_id,
    a.occurrence,
    a.kind,
    a.step,
  );
  move(sql, s, 'hold', now, `gate failed: ${reason}`);
  recordHistory(sql, s.id, a.occurrence, a.kind, actor, 'error', duration, `gate failed, rollout paused: ${reason}`);
  const eventId = enqueueEvent(sql, s, a, actor, undefined, 'gate_failed');
  enqueueNotification(sql, s, a.occurrence, 'gate_failed', eventId, now, reason);
}

/** An attempt failed: retried with backoff until the schedule's retries are used up. */
function commitFailure(st: SchedulerStore, s: ScheduleRow, a: ActionRow, actor: string, duration: number, now: number, error: string) {
  const { sql } = st;
  const attempt = a.attempts + 1;
  recordHistory(sql, s.id, a.occurrence, a.kind, actor, 'error', duration, `attempt ${attempt}: ${error}`);
  if (attempt > s.max_retries) {
    markDone(sql, a, now, error, 'failed');
    // Later occurrences stay planned only if this was not the main action.
    if (a.kind === s.action || a.kind === 'step') {
      sql.exec("UPDATE actions SET state = 'cancelled', done_at = ? WHERE schedule_id = ? AND state = 'due'", now, s.id);
    }
    move(sql, s, 'fail', now, error);
    return;
  }
  const retryAt = now + backoffMs(readSettings(sql).retryBaseMs, attempt);
  sql.exec(
    'UPDATE actions SET attempts = ?, last_error = ?, due_at = ? WHERE schedule_id = ? AND occurrence = ? AND kind = ? AND step = ?',
    attempt,
    error,
    retryAt,
    a.schedule_id,
    a.occurrence,
    a.kind,
    a.step,
  );
  sql.exec('UPDATE schedules SET last_error = ?, updated_at = ? WHERE id = ?', error, now, s.id);
}
