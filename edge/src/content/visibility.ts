import { governedContentIds, isVisible, publishStateFromRow, requestRegion, type ContentPublishState, type Viewer } from '@vidplat/contracts';
import type { ChannelColumns } from '../recommend/candidates.js';
import type { Context } from 'hono';
import type { AppEnv } from '../env.js';
import { SwrCache, waitUntilOf, type WaitUntil } from '../tenancy/swr-cache.js';

/**
 * The visibility rule at the edge: a tenant's non-trivial publish states (progressive below 100 %,
 * regional, A/B) held in the isolate, and the content they hide from one viewer. Content without
 * such a state is decided by its catalogue status alone, so the common case costs a map lookup.
 */
export interface TenantPublishStates {
  /** `${kind}\0${contentId}` → the state that governs it (its own, or its A/B schedule's). */
  byContent: Map<string, ContentPublishState>;
  /** Every state, for per-viewer evaluation. */
  states: ContentPublishState[];
}

const EMPTY: TenantPublishStates = { byContent: new Map(), states: [] };
// A rollout step or a region going live shows within 5 s on every isolate (refresh-ahead at 2 s);
// the Scheduler's own isolate drops its entry at once (forgetPublishStates).
const cache = new SwrCache<TenantPublishStates>(2_000, 5_000);
const key = (kind: string, id: string) => `${kind}\u0000${id}`;

/** Kinds the recommender and item/catalogue listings serve. */
export const CATALOGUE_KINDS: readonly string[] = ['video', 'series'];

async function load(db: D1Database, tenantId: string): Promise<TenantPublishStates> {
  try {
    const { results } = await db
      .prepare(
        `SELECT tenant_id, content_kind, content_id, published, percent, variants, schedule_id FROM content_publish_state
         WHERE tenant_id = ?1 AND ((published = 1 AND percent < 100) OR variants IS NOT NULL)`,
      )
      .bind(tenantId)
      .all<{ tenant_id: string; content_kind: string; content_id: string; published: number; percent: number; variants: string | null; schedule_id: string }>();
    if (!results.length) return EMPTY;
    const out: TenantPublishStates = { byContent: new Map(), states: [] };
    for (const row of results) {
      const s = publishStateFromRow(row);
      out.states.push(s);
      for (const id of governedContentIds(s)) out.byContent.set(key(s.contentKind, id), s);
    }
    return out;
  } catch (e) {
    // A deployment without the scheduling table has no publish states to enforce.
    if (e instanceof Error && /no such table/i.test(e.message)) return EMPTY;
    throw e;
  }
}

/** The tenant's states: from the isolate (refresh-ahead), D1 only when stale. */
export async function publishStatesOf(db: D1Database, tenantId: string, waitUntil?: WaitUntil, now = Date.now()): Promise<TenantPublishStates> {
  return cache.peek(tenantId, now) ?? cache.get(tenantId, () => load(db, tenantId), waitUntil, now);
}

/** Called where publish state is written, so the writing isolate never serves its old copy. */
export function forgetPublishStates(tenantId: string): void {
  cache.delete(tenantId);
}

/**
 * The request's region: `cf.country` in Cloudflare, else the `X-Region` header (tests). Under
 * `wrangler dev` (REGION_FROM_HEADER=1, set by the dev stack) `cf` is a fixed mock, so the header wins.
 */
export function regionOf(req: Request, headerFirst = false): string | null {
  const cf = (req as Request & { cf?: { country?: unknown } }).cf;
  return requestRegion(cf?.country, req.headers.get('x-region'), headerFirst);
}
const headerFirstOf = (c: Context<AppEnv>) => c.env.REGION_FROM_HEADER === '1';

/**
 * Content ids of `kinds` hidden from the viewer, or undefined when none are (the common case: no
 * non-trivial state), so callers skip filtering entirely.
 */
export function hiddenFor(states: TenantPublishStates, viewer: Viewer, kinds: readonly string[] = CATALOGUE_KINDS): Set<string> | undefined {
  let hidden: Set<string> | undefined;
  for (const s of states.states) {
    if (!kinds.includes(s.contentKind)) continue;
    for (const id of governedContentIds(s)) if (!isVisible(s, id, viewer)) (hidden ??= new Set()).add(id);
  }
  return hidden;
}

/** Whether one piece of content is visible (true when no non-trivial state governs it). */
export function visibleTo(states: TenantPublishStates, kind: string, contentId: string, viewer: Viewer): boolean {
  const s = states.byContent.get(key(kind, contentId));
  return !s || isVisible(s, contentId, viewer);
}

/**
 * Recommend's eligibility step: drops hidden ids from a channel's eligible rows (in place when the
 * channel already has its own keep buffer: compaction never overtakes the read index).
 */
export function withoutHidden(ch: ChannelColumns, hidden: ReadonlySet<string>): ChannelColumns {
  const keep = ch.keep ?? Int32Array.from({ length: ch.count }, (_, i) => i);
  let count = 0;
  for (let j = 0; j < ch.count; j++) {
    const i = keep[j]!;
    if (!hidden.has(ch.ids[i]!)) keep[count++] = i;
  }
  return count === ch.count && ch.keep === null ? ch : { ...ch, keep, count };
}

/**
 * What a request's user may not see among catalogue content: no D1 read while the isolate copy is
 * fresh, and no per-item work at all when the tenant has no non-trivial state.
 */
export function hiddenForRequest(c: Context<AppEnv>, tenantId: string, userId: string, kinds: readonly string[] = CATALOGUE_KINDS): Set<string> | undefined | Promise<Set<string> | undefined> {
  const now = Date.now();
  const viewer = (): Viewer => ({ userId, region: regionOf(c.req.raw, headerFirstOf(c)), nowMs: now });
  const fresh = cache.peek(tenantId, now);
  if (fresh) return fresh.states.length ? hiddenFor(fresh, viewer(), kinds) : undefined;
  return publishStatesOf(c.env.CATALOGUE, tenantId, waitUntilOf(c), now).then((s) => (s.states.length ? hiddenFor(s, viewer(), kinds) : undefined));
}

/** The viewer of a request (its principal's user, or the given one), for the readers' checks. */
export function viewerOf(c: Context<AppEnv>, userId: string): Viewer {
  return { userId, region: regionOf(c.req.raw, headerFirstOf(c)), nowMs: Date.now() };
}

/** The non-trivial state that governs a piece of content (its own, or its A/B schedule's), if any. */
export function stateOf(states: TenantPublishStates, kind: string, contentId: string): ContentPublishState | undefined {
  return states.byContent.get(key(kind, contentId));
}
