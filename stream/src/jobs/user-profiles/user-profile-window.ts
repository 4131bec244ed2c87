import { NEGATIVE_EVENT_TYPES, type ActionCounts, type BehaviourEvent } from '@vidplat/contracts';
import type { WindowAggregator } from '../../windows/partition-windows.js';
import { tumbling, type WindowSpec } from '../../windows/window-spec.js';
import { countAction, emptyCounts, watchedSeconds } from '../shared/action-counts.js';

export const USER_PROFILES_JOB = 'user-profiles';
export const profileSpec = (outOfOrdernessMs: number, allowedLatenessMs: number): WindowSpec => tumbling(5 * 60_000, outOfOrdernessMs, allowedLatenessMs);

/** How much an action says about taste, in 1/1000 units (impressions say nothing). */
export const PREFERENCE_MILLI: Partial<Record<BehaviourEvent['type'], number>> = {
  click: 1000,
  play_start: 2000,
  play_complete: 5000,
  like: 3000,
  share: 4000,
  comment: 3000,
  purchase: 8000,
  enrol: 8000,
  course_complete: 8000,
};

export interface UserProfileAcc {
  tenantId: string;
  userId: string;
  counts: ActionCounts;
  watchMs: number;
  /** item → preference weight (milli); categories/authors are resolved from it when the window is written. */
  items: Map<string, number>;
  /** item → last interaction, epoch ms (dislike/hide excluded: a turned-down item is no recent interest). */
  itemsLast: Map<string, number>;
  /** item → last dislike/hide, epoch ms. */
  itemsNegative: Map<string, number>;
  /** Active UTC hours as a bit mask (bit h = hour h): no Set per window, one OR per event. */
  hours: number;
}

export const userProfileAggregator: WindowAggregator<BehaviourEvent, UserProfileAcc> = {
  keys: (e) => `${e.tenantId}|${e.userId}`,
  create: (_k, e) => ({ tenantId: e.tenantId, userId: e.userId, counts: emptyCounts(), watchMs: 0, items: new Map(), itemsLast: new Map(), itemsNegative: new Map(), hours: 0 }),
  add: (a, e, _start, _end, t) => {
    countAction(a.counts, e.type);
    const watched = watchedSeconds(e);
    a.watchMs += Math.round(watched * 1000);
    // Watching counts as preference too: one point per minute watched.
    const w = (PREFERENCE_MILLI[e.type] ?? 0) + Math.round((watched / 60) * 1000);
    if (w > 0) a.items.set(e.itemId, (a.items.get(e.itemId) ?? 0) + w);
    if (NEGATIVE_EVENT_TYPES.has(e.type)) a.itemsNegative.set(e.itemId, Math.max(a.itemsNegative.get(e.itemId) ?? 0, t));
    else if (e.type !== 'impression') a.itemsLast.set(e.itemId, Math.max(a.itemsLast.get(e.itemId) ?? 0, t));
    a.hours |= 1 << (((Math.floor(t / 3_600_000) % 24) + 24) % 24); // UTC hour, without a Date per event
  },
};

/** The hours of an `hours` mask, ascending. */
export function activeHours(mask: number): number[] {
  const out: number[] = [];
  for (let h = 0; h < 24; h++) if (mask & (1 << h)) out.push(h);
  return out;
}
