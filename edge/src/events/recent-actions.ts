import {
  FeatureKeys,
  recentActionEntry,
  SCHEDULER_USER_ID,
  USER_ACTIONS_MAX,
  USER_ACTIONS_TTL_SECONDS,
  USER_IMPRESSIONS_MAX,
  USER_IMPRESSIONS_TTL_SECONDS,
  type BehaviourEvent,
} from '@vidplat/contracts';
import type { FeatureStore, StoreCommand } from '../feature-store/pipeline.js';

/**
 * The feature-store commands that record an accepted batch as its users' recent actions: per user
 * one LPUSH of their actions (oldest first, so the newest ends at the head) to
 * FeatureKeys.userActions, impressions to FeatureKeys.userImpressions, each list trimmed to its
 * bound and given its TTL. Schedule events and the scheduler's system user are not a person's
 * actions; progress events repeat a play_start already recorded and are left out.
 */
export function recentActionCommands(events: readonly BehaviourEvent[], nowMs: number): StoreCommand[] {
  const actions = new Map<string, { at: number; entry: string }[]>();
  const impressions = new Map<string, { at: number; itemId: string }[]>();
  for (const e of events) {
    if (e.type === 'schedule' || e.type === 'play_progress' || e.userId === SCHEDULER_USER_ID) continue;
    // A client clock ahead of ours must not keep an entry "newest" for ever: the accept time caps it.
    const at = Math.min(Date.parse(e.eventTime), nowMs);
    if (e.type === 'impression') push(impressions, FeatureKeys.userImpressions(e.tenantId, e.userId), { at, itemId: e.itemId });
    else push(actions, FeatureKeys.userActions(e.tenantId, e.userId), { at, entry: recentActionEntry({ at, type: e.type, itemId: e.itemId }) });
  }
  const out: StoreCommand[] = [];
  for (const [key, xs] of actions) {
    xs.sort((a, b) => a.at - b.at);
    out.push(['lpush', key, ...xs.map((x) => x.entry)], ['ltrim', key, 0, USER_ACTIONS_MAX - 1], ['expire', key, USER_ACTIONS_TTL_SECONDS]);
  }
  for (const [key, xs] of impressions) {
    xs.sort((a, b) => a.at - b.at);
    out.push(['lpush', key, ...xs.map((x) => x.itemId)], ['ltrim', key, 0, USER_IMPRESSIONS_MAX - 1], ['expire', key, USER_IMPRESSIONS_TTL_SECONDS]);
  }
  return out;
}

function push<T>(m: Map<string, T[]>, key: string, v: T): void {
  const xs = m.get(key);
  if (xs) xs.push(v);
  else m.set(key, [v]);
}

/**
 * Writes the batch's recent actions in one pipelined call. Never throws: the events are already in
 * Kafka, so a failed write only delays what recommend sees until the profile job's next snapshot
 * of the user's recent items; the failure is logged and reported to the caller.
 */
export async function recordRecentActions(store: FeatureStore, events: readonly BehaviourEvent[], nowMs = Date.now()): Promise<{ ok: boolean; commands: number; error?: string }> {
  const commands = recentActionCommands(events, nowMs);
  if (!commands.length) return { ok: true, commands: 0 };
  try {
    await store.pipeline(commands);
    return { ok: true, commands: commands.length };
  } catch (e) {
    const error = e instanceof Error ? e.message : String(e);
    console.warn(`recent actions not written (${commands.length} commands; the profile snapshot repairs them): ${error}`);
    return { ok: false, commands: commands.length, error };
  }
}
