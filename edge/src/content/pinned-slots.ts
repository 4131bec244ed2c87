import { isVisible, type Viewer } from '@vidplat/contracts';
import { SwrCache, type WaitUntil } from '../tenancy/swr-cache.js';
import { servedArm, type ServedArm } from './exposures.js';
import { missingTable } from './slot-store.js';
import { stateOf, type TenantPublishStates } from './visibility.js';

/**
 * Recommendation slots inside recommend: items pinned at positions of a scenario's answer while
 * the slot is live (status published, the visibility rule shows the slot to the viewer) and its
 * item may be served (published in the catalogue, not hidden from the viewer by the rule).
 *
 * The tenant's live slots are held in the isolate (refresh-ahead like the publish states), so a
 * tenant without slots costs recommend one map lookup.
 */

export interface PinnedSlot {
  id: string;
  scenario: string;
  position: number;
  itemId: string;
  priority: number;
  /** The pinned item's catalogue state, read with the slot (null: not an item of the tenant). */
  itemState: string | null;
  itemPublishedAt: number | null;
  itemUnpublishAt: number | null;
}

type SlotsByScenario = Map<string, PinnedSlot[]>;
const NONE: SlotsByScenario = new Map();
// A slot going live (schedule or operator) shows within 5 s on every isolate; the writing isolate at once.
const cache = new SwrCache<SlotsByScenario>(2_000, 5_000, 5_000, 'pinned_slots');

async function load(db: D1Database, tenantId: string): Promise<SlotsByScenario> {
  try {
    const { results } = await db
      .prepare(
        `SELECT s.slot_id, s.scenario, s.position, s.item_id, s.priority, i.state, i.published_at, i.unpublish_at
         FROM recommendation_slots s LEFT JOIN items i ON i.tenant_id = s.tenant_id AND i.item_id = s.item_id
         WHERE s.tenant_id = ?1 AND s.status = 'published' ORDER BY s.position, s.priority DESC, s.slot_id LIMIT 1000`,
      )
      .bind(tenantId)
      .all<{ slot_id: string; scenario: string; position: number; item_id: string; priority: number; state: string | null; published_at: string | null; unpublish_at: string | null }>();
    if (!results.length) return NONE;
    const out: SlotsByScenario = new Map();
    const ms = (t: string | null) => (t ? Date.parse(t) : null);
    for (const r of results) {
      const list = out.get(r.scenario) ?? [];
      list.push({ id: r.slot_id, scenario: r.scenario, position: r.position, itemId: r.item_id, priority: r.priority, itemState: r.state, itemPublishedAt: ms(r.published_at), itemUnpublishAt: ms(r.unpublish_at) });
      out.set(r.scenario, list);
    }
    return out;
  } catch (e) {
    // Without the slots table there are no slots to pin.
    if (missingTable(e)) return NONE;
    throw e;
  }
}

/** The scenario's live slots (before per-viewer checks): from the isolate, D1 only when stale. */
export function slotsOf(db: D1Database, tenantId: string, scenario: string, waitUntil: () => WaitUntil | undefined, now = Date.now()): PinnedSlot[] | Promise<PinnedSlot[]> {
  const fresh = cache.peek(tenantId, now);
  if (fresh) return fresh.size ? (fresh.get(scenario) ?? NO_SLOTS) : NO_SLOTS;
  return cache.get(tenantId, () => load(db, tenantId), waitUntil(), now).then((m) => m.get(scenario) ?? NO_SLOTS);
}
const NO_SLOTS: PinnedSlot[] = [];

/** Called where slots or their status change, so the writing isolate never serves its old copy. */
export function forgetPinnedSlots(tenantId: string): void {
  cache.delete(tenantId);
}

const itemServable = (s: PinnedSlot, nowMs: number) =>
  s.itemState === 'published' && (s.itemPublishedAt === null || s.itemPublishedAt <= nowMs) && (s.itemUnpublishAt === null || s.itemUnpublishAt > nowMs);

type Answer = { itemId: string; score: number; channels: string[] };

export interface PinResult<T extends Answer> {
  items: T[];
  /** Slots placed, with their 0-based position and the A/B arm they were served under (if any). */
  placed: { slotId: string; itemId: string; position: number; arm?: ServedArm }[];
}

/**
 * Places the live slots into an answer of at most `n` items: by position (then priority); a taken
 * position moves the lower-priority slot down one; a position beyond `n` is not shown to this
 * request. The pinned item leaves its organic place (no duplicates); organic items fill the rest
 * in their order.
 */
export function pinSlots<T extends Answer>(items: T[], slots: readonly PinnedSlot[], n: number, viewer: Viewer, states: TenantPublishStates, hidden: ReadonlySet<string> | undefined, make: (slot: PinnedSlot, score: number) => T): PinResult<T> {
  if (!slots.length) return { items, placed: [] };
  const board = new Array<T | undefined>(n);
  const placed: PinResult<T>['placed'] = [];
  const pinnedIds = new Set<string>();
  for (const s of slots) {
    if (s.position > n || pinnedIds.has(s.itemId) || !itemServable(s, viewer.nowMs) || hidden?.has(s.itemId)) continue;
    const st = stateOf(states, 'recommendation_slot', s.id);
    if (st && !isVisible(st, s.id, viewer)) continue;
    let at = s.position - 1;
    while (at < n && board[at]) at++;
    if (at >= n) continue;
    board[at] = make(s, items[Math.min(at, items.length - 1)]?.score ?? 0);
    pinnedIds.add(s.itemId);
    const arm = servedArm(st, viewer.userId);
    placed.push({ slotId: s.id, itemId: s.itemId, position: at, ...(arm ? { arm } : {}) });
  }
  if (!placed.length) return { items, placed };
  const organic = items.filter((i) => !pinnedIds.has(i.itemId));
  let k = 0;
  for (let i = 0; i < n && k < organic.length; i++) if (!board[i]) board[i] = organic[k++];
  // Fewer organic items than holes: the pinned ones close up (their order kept).
  const out = board.filter((x): x is T => x !== undefined);
  for (const p of placed) p.position = out.findIndex((x) => x.itemId === p.itemId);
  return { items: out, placed };
}
