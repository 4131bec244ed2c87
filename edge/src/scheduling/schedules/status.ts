import type { ScheduleView } from '@vidplat/contracts';

export type ScheduleStatus = ScheduleView['status'];

/**
 * The schedule's state machine as data (BullMQ-style): each event names the statuses it may
 * leave and the one it enters. Every status write in the Scheduler goes through `transition`.
 *
 * - fire:      a main action (publish / unpublish) ran; a failed reminder does not stop the next one
 * - expire:    a published schedule's last unpublish ran and nothing is left to do
 * - hold:      a progressive step's metrics gate failed; the rollout waits for an operator
 * - fail:      an action used up its retries
 * - pause:     an operator stopped the schedule; nothing fires until it is resumed
 * - resume:    back to published (something already went live) ...
 * - resumePending: ... or to pending (nothing has fired yet)
 * - cancel:    an operator cancelled or rolled back; terminal
 */
export const SCHEDULE_TRANSITIONS = {
  fire: { from: ['pending', 'published', 'failed'], to: 'published' },
  expire: { from: ['published'], to: 'expired' },
  hold: { from: ['pending', 'published', 'failed'], to: 'paused' },
  fail: { from: ['pending', 'published', 'failed'], to: 'failed' },
  pause: { from: ['pending', 'published', 'failed'], to: 'paused' },
  resume: { from: ['paused'], to: 'published' },
  resumePending: { from: ['paused'], to: 'pending' },
  cancel: { from: ['pending', 'published', 'failed', 'expired', 'paused'], to: 'cancelled' },
} as const satisfies Record<string, { from: readonly ScheduleStatus[]; to: ScheduleStatus }>;

export type ScheduleEvent = keyof typeof SCHEDULE_TRANSITIONS;

/** The status `event` leads to from `from`, or null when the table does not allow it. */
export function transition(from: string, event: ScheduleEvent): ScheduleStatus | null {
  const t = SCHEDULE_TRANSITIONS[event];
  return (t.from as readonly string[]).includes(from) ? t.to : null;
}

/** Only a schedule that has not fired yet may be edited. */
export const isEditable = (status: string, occurrencesDone: number) => status === 'pending' && occurrencesDone === 0;

/** Statuses whose due actions the runner fires (a paused schedule fires nothing). */
export const firesActions = (status: string) => status !== 'paused';
