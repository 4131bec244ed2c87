import { DEFAULT_FATIGUE_IMPRESSIONS, NEGATIVE_EVENT_TYPES, parseRecentAction, type BehaviourEventType, type ItemFeatures, type ScenarioConfig, type Scored } from '@vidplat/contracts';

/**
 * The user's own actions as recommend uses them: the profile job's recent-items snapshot merged
 * with the actions the edge recorded when it accepted their events (FeatureKeys.userActions /
 * userImpressions, read in the same first round trip). What the user did a moment ago counts on
 * this request; the snapshot, written every 5-minute window, repairs anything the edge's write
 * missed.
 */
export interface UserActions {
  /** Items the user engaged with, newest first (score = last action, epoch ms): item-CF seeds, the seen filter, the taste vector. */
  recent: Scored[];
  /** Disliked or hidden items: never recommended to this user again (whatever filterSeen says). */
  blocked: ReadonlySet<string>;
  /** The blocked items, newest first: their categories and neighbours are demoted. */
  negatives: readonly string[];
  /** Impressions per item in the user's impression list (newest USER_IMPRESSIONS_MAX). */
  impressions: ReadonlyMap<string, number>;
  /** Real-time action entries read (debug notes). */
  realtime: number;
}

const NONE: ReadonlySet<string> = new Set();
const NO_COUNTS: ReadonlyMap<string, number> = new Map();
const NO_ITEMS: readonly string[] = Object.freeze([]);

/**
 * Merges the snapshot's recent items with the raw real-time lists (LRANGE replies). Without
 * real-time entries (most requests) the snapshot list is returned as it is: no allocation.
 */
export function mergeUserActions(snapshot: Scored[], actionsRaw: unknown, impressionsRaw: unknown, limit: number): UserActions {
  const acts = Array.isArray(actionsRaw) ? actionsRaw : NO_ITEMS;
  const imps = Array.isArray(impressionsRaw) ? impressionsRaw : NO_ITEMS;
  let impressions = NO_COUNTS;
  if (imps.length) {
    const m = new Map<string, number>();
    for (const id of imps) if (typeof id === 'string') m.set(id, (m.get(id) ?? 0) + 1);
    impressions = m;
  }
  if (!acts.length) return { recent: snapshot, blocked: NONE, negatives: NO_ITEMS, impressions, realtime: 0 };
  const last = new Map<string, number>();
  for (const r of snapshot) last.set(r.itemId, Math.max(last.get(r.itemId) ?? 0, r.score));
  const blocked = new Set<string>();
  const negatives: string[] = [];
  // The list is newest first; an item's newest entry decides nothing here: a dislike blocks it for good.
  for (const raw of acts) {
    const a = parseRecentAction(raw);
    if (!a) continue;
    if (NEGATIVE_EVENT_TYPES.has(a.type as BehaviourEventType)) {
      if (!blocked.has(a.itemId)) negatives.push(a.itemId);
      blocked.add(a.itemId);
    } else if ((last.get(a.itemId) ?? -Infinity) < a.at) last.set(a.itemId, a.at);
  }
  const recent: Scored[] = [];
  for (const [itemId, score] of last) if (!blocked.has(itemId)) recent.push({ itemId, score });
  // Newest first; ties by id so the order never depends on which list an item came from.
  recent.sort((a, b) => b.score - a.score || (a.itemId < b.itemId ? -1 : 1));
  if (recent.length > limit) recent.length = limit;
  return { recent, blocked, negatives, impressions, realtime: acts.length };
}

/** Ranked scores multiplied by this for an item in a disliked item's category or among its neighbours. */
export const NEGATIVE_DEMOTION = 0.5;
/** … and by this for an item shown fatigueImpressions times without engagement. */
export const FATIGUE_DEMOTION = 0.5;
/** Disliked items whose neighbour lists are read for demotion (the newest). */
export const NEGATIVE_SEEDS = 3;

/** What demotes candidates for this user on this request (built once per request, only when there is something to demote). */
export interface Demotions {
  categories: ReadonlySet<string>;
  neighbours: ReadonlySet<string>;
  fatigued: ReadonlySet<string>;
}

/**
 * The demotions of a request: categories of the disliked items, their item-CF neighbours, and
 * items shown `fatigueImpressions` times that the user never engaged with (engaged items are in
 * `recent`). null when nothing applies.
 */
export function demotionsOf(u: UserActions, cfg: ScenarioConfig, featuresOf: (id: string) => ItemFeatures | undefined, neighbourLists: readonly { readonly ids: readonly string[] }[]): Demotions | null {
  const after = cfg.rerank.fatigueImpressions ?? DEFAULT_FATIGUE_IMPRESSIONS;
  let fatigued: Set<string> | null = null;
  if (after > 0 && u.impressions.size) {
    let engaged: Set<string> | null = null;
    for (const [id, count] of u.impressions) {
      if (count < after) continue;
      engaged ??= new Set(u.recent.map((r) => r.itemId));
      if (!engaged.has(id)) (fatigued ??= new Set()).add(id);
    }
  }
  if (!u.negatives.length && !fatigued) return null;
  const categories = new Set<string>();
  for (const id of u.negatives) for (const c of featuresOf(id)?.c ?? []) categories.add(c);
  const neighbours = new Set<string>();
  for (const list of neighbourLists) for (const id of list.ids) neighbours.add(id);
  return { categories, neighbours, fatigued: fatigued ?? NONE };
}

/**
 * Demotes ranked scores in place (scores[i] is candidate ids[i]): × NEGATIVE_DEMOTION for a
 * disliked item's category or neighbour, × FATIGUE_DEMOTION for a fatigued item (both can apply).
 * A negative model score is pushed down by the same share of its size. Returns how many were demoted.
 */
export function demote(scores: Float32Array, count: number, idOf: (i: number) => string, categoriesOf: (i: number) => readonly string[], d: Demotions): number {
  let demoted = 0;
  for (let i = 0; i < count; i++) {
    const id = idOf(i);
    let factor = 1;
    if (d.neighbours.has(id)) factor *= NEGATIVE_DEMOTION;
    else if (d.categories.size) {
      const cs = categoriesOf(i);
      for (let k = 0; k < cs.length; k++) {
        if (d.categories.has(cs[k]!)) {
          factor *= NEGATIVE_DEMOTION;
          break;
        }
      }
    }
    if (d.fatigued.has(id)) factor *= FATIGUE_DEMOTION;
    if (factor !== 1) {
      const s = scores[i]!;
      scores[i] = s >= 0 ? s * factor : s - (1 - factor) * Math.abs(s);
      demoted++;
    }
  }
  return demoted;
}
