import { z } from 'zod';

/**
 * The visibility rule: whether content X is visible to user U in region R at time T, from the
 * publish state the Scheduler writes (`content_publish_state`). Every reader (recommend, item and
 * catalogue listings, play, slot content) applies this one function; the Scheduler only writes state.
 *
 * Pure and dependency-free (no crypto API), so the Worker (workerd) and Node compute the same answer.
 */

/**
 * What a request whose region is not one of a regional schedule's regions (or unknown) gets:
 * - `after_all` (default): visible once every listed region is live, i.e. from the latest region's
 *   time. The safe default: an unknown region (a VPN, a missing header) can never see content before
 *   every region's embargo has passed, yet nobody is left out once the rollout is complete.
 * - `hidden`: never, while the regional schedule holds (geo-restricted content).
 * - `with_first`: as soon as any listed region is live.
 */
export const UnknownRegionPolicy = z.enum(['after_all', 'hidden', 'with_first']);
export type UnknownRegionPolicy = z.infer<typeof UnknownRegionPolicy>;

/** `variants` of a regional state: the regions live now, all of the schedule's regions, the policy. */
export const RegionalPublishVariants = z.object({
  regions: z.array(z.string()),
  allRegions: z.array(z.string()).optional(),
  unknownRegion: UnknownRegionPolicy.default('after_all'),
});
/** `variants` of an A/B state: each variant's content and the share of users it gets (in order). */
export const AbPublishVariants = z.array(z.object({ variant: z.string(), contentId: z.string(), percent: z.number().min(0).max(100) })).min(1);

/** One `content_publish_state` row as the rule reads it. */
export const ContentPublishState = z.object({
  tenantId: z.string(),
  contentKind: z.string(),
  contentId: z.string(),
  published: z.boolean(),
  /** Progressive rollout: share of users (0-100) that see it. */
  percent: z.number().min(0).max(100),
  /** Parsed `variants` column: regional live regions, A/B variants, or null. */
  variants: z.union([RegionalPublishVariants, AbPublishVariants]).nullable(),
  /** Optional window (epoch ms): hidden before publishAt and from unpublishAt on. */
  publishAt: z.number().nullable().optional(),
  unpublishAt: z.number().nullable().optional(),
  /** The schedule that wrote the state: an A/B state's experiment id derives from it. */
  scheduleId: z.string().optional(),
});
export type ContentPublishState = z.infer<typeof ContentPublishState>;

export interface Viewer {
  userId: string;
  /** ISO country / region code from the request (cf.country, X-Region), or null when unknown. */
  region: string | null;
  nowMs: number;
}

/** 32-bit FNV-1a over UTF-16 code units, then murmur3's fmix32 so near-equal inputs spread evenly. */
export function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * The user's stable bucket for a piece of content, in [0, 100) with 0.01 steps. The user sees a
 * progressive rollout at p % iff bucket < p, so raising p only ever adds users.
 */
export function stableBucket(salt: string, contentId: string, userId: string): number {
  return (hash32(`${salt}\u0000${contentId}\u0000${userId}`) % 10_000) / 100;
}

const isAb = (v: ContentPublishState['variants']): v is z.infer<typeof AbPublishVariants> => Array.isArray(v);

/** The A/B variant a user is assigned for a state (cumulative shares in order), or null when outside all. */
export function abVariantOf(state: Pick<ContentPublishState, 'tenantId' | 'contentId' | 'variants'>, userId: string): { variant: string; contentId: string } | null {
  if (!isAb(state.variants)) return null;
  const b = stableBucket(`${state.tenantId}:ab`, state.contentId, userId);
  let cum = 0;
  for (const v of state.variants) {
    cum += v.percent;
    if (b < cum) return { variant: v.variant, contentId: v.contentId };
  }
  return null;
}

function regionVisible(v: z.infer<typeof RegionalPublishVariants>, region: string | null): boolean {
  const live = new Set(v.regions.map((r) => r.toLowerCase()));
  const all = (v.allRegions ?? []).map((r) => r.toLowerCase());
  const r = region?.toLowerCase() ?? null;
  if (r !== null && live.has(r)) return true;
  // A listed region not live yet: hidden until its own time.
  if (r !== null && all.includes(r)) return false;
  const policy = v.unknownRegion ?? 'after_all';
  if (policy === 'hidden') return false;
  if (policy === 'with_first') return live.size > 0;
  // after_all: without the full list (a state written before allRegions existed) it cannot be proved.
  return all.length > 0 && all.every((x) => live.has(x));
}

/**
 * Whether `contentId` is visible to the viewer under `state` (the state of that content, or of the
 * A/B schedule whose variants include it). Content without a state is not this rule's business
 * (its catalogue status decides); pass its state whenever one exists.
 */
export function isVisible(state: ContentPublishState, contentId: string, viewer: Viewer): boolean {
  if (!state.published) return false;
  if (state.publishAt != null && viewer.nowMs < state.publishAt) return false;
  if (state.unpublishAt != null && viewer.nowMs >= state.unpublishAt) return false;
  const v = state.variants;
  if (isAb(v)) {
    // Each variant's content to its bucket only; the schedule's own content id is what variants share.
    const mine = abVariantOf(state, viewer.userId);
    if (mine) return mine.contentId === contentId;
    return false;
  }
  if (state.percent < 100 && stableBucket(state.tenantId, state.contentId, viewer.userId) >= state.percent) return false;
  if (v && !regionVisible(v, viewer.region)) return false;
  return true;
}

/** The content ids a state governs: its own, plus each A/B variant's. */
export function governedContentIds(state: Pick<ContentPublishState, 'contentId' | 'variants'>): string[] {
  return isAb(state.variants) ? [...new Set([state.contentId, ...state.variants.map((x) => x.contentId)])] : [state.contentId];
}

/** Trivial states need no per-user evaluation: published to everyone with no strategy. */
export function isTrivialState(state: Pick<ContentPublishState, 'published' | 'percent' | 'variants'>): boolean {
  return state.published && state.percent >= 100 && state.variants == null;
}

/**
 * Parses a D1 row of `content_publish_state` (variants as JSON text). An unreadable row fails
 * closed: the content is treated as unpublished rather than shown to everyone.
 */
export function publishStateFromRow(row: { tenant_id: string; content_kind: string; content_id: string; published: number; percent: number; variants: string | null; schedule_id?: string | null }): ContentPublishState {
  const base = { tenantId: row.tenant_id, contentKind: row.content_kind, contentId: row.content_id, ...(row.schedule_id ? { scheduleId: row.schedule_id } : {}) };
  let variants: unknown = null;
  try {
    variants = row.variants == null ? null : JSON.parse(row.variants);
  } catch {
    return { ...base, published: false, percent: 0, variants: null };
  }
  const r = ContentPublishState.safeParse({ ...base, published: row.published === 1, percent: row.percent, variants });
  return r.success ? r.data : { ...base, published: false, percent: 0, variants: null };
}

/**
 * A region code from request headers-ish input: `cf.country` first, else `X-Region`; null when
 * neither. `headerFirst` (local runs only: wrangler dev fills `cf` with a fixed mock country) lets
 * `X-Region` win; in production a client header must never override where the request came from.
 */
export function requestRegion(cfCountry: unknown, xRegion: string | null | undefined, headerFirst = false): string | null {
  const h = xRegion?.trim();
  const header = h && /^[A-Za-z0-9_.:-]{1,64}$/.test(h) ? h.toLowerCase() : null;
  if (headerFirst && header) return header;
  if (typeof cfCountry === 'string' && cfCountry && cfCountry !== 'XX' && cfCountry !== 'T1') return cfCountry.toLowerCase();
  return header;
}

/**
 * The A/B arm a viewer is served under `state`, while it is an experiment: at least two variants
 * still take users (a promoted winner at 100 % is no longer one, so it emits no exposures).
 */
export function abExposureOf(state: Pick<ContentPublishState, 'tenantId' | 'contentId' | 'variants'>, userId: string): { variant: string; contentId: string } | null {
  if (!isAb(state.variants) || state.variants.filter((v) => v.percent > 0).length < 2) return null;
  return abVariantOf(state, userId);
}
