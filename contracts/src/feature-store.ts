import { z } from 'zod';
import { ItemKind } from './items.js';

/**
 * Redis key layout of the edge feature store, shared by the stream writers and the edge reader.
 * Snapshots are built under a staging key and RENAMEd over the live key inside MULTI, so a reader
 * sees the old snapshot or the new one, never half of one.
 */
export const FeatureKeys = {
  hotList: (tenantId: string, scenario: string) => `fs:${tenantId}:hot:${scenario}`,
  hotListMeta: (tenantId: string, scenario: string) => `fs:${tenantId}:hot:${scenario}:meta`,
  /** Sorted set: member = neighbour item id, score = similarity (higher = closer). */
  itemNeighbours: (tenantId: string, itemId: string) => `fs:${tenantId}:nbr:${itemId}`,
  /** SnapshotMeta of the latest neighbour build (set after all lists): edge caches lists per version. */
  itemNeighboursMeta: (tenantId: string) => `fs:${tenantId}:nbrmeta`,
  /**
   * Sorted set: member = item id, score = user-CF score (higher = better): the user_cf recall list,
   * built offline from the user's whole history (stream similarity job), with a TTL.
   */
  userCf: (tenantId: string, userId: string) => `fs:${tenantId}:ucf:${userId}`,
  /** SnapshotMeta of the latest user-CF build. */
  userCfMeta: (tenantId: string) => `fs:${tenantId}:ucfmeta`,
  userProfile: (tenantId: string, userId: string) => `fs:${tenantId}:user:${userId}`,
  /** Sorted set: member = item id the user interacted with, score = last interaction, epoch ms. */
  userRecent: (tenantId: string, userId: string) => `fs:${tenantId}:recent:${userId}`,
  /**
   * List, newest first: the user's own actions as the edge accepted them (RecentAction strings,
   * see recentActionEntry), bounded and with a TTL; read by recommend in its first round trip so
   * the next request reflects them. Impressions are kept apart (userImpressions) so a feed of
   * impressions never pushes a dislike out.
   */
  userActions: (tenantId: string, userId: string) => `fs:${tenantId}:act:${userId}`,
  /** List, newest first: item ids shown to the user (impression events), bounded, with a TTL (impression fatigue). */
  userImpressions: (tenantId: string, userId: string) => `fs:${tenantId}:imp:${userId}`,
  /** Hash: field = item id, value = ItemFeatures JSON. Written by the edge on every item change. */
  itemMeta: (tenantId: string) => `fs:${tenantId}:items`,
  /** Counter bumped after every change to itemMeta: edge isolates cache features per version. */
  itemMetaVersion: (tenantId: string) => `fs:${tenantId}:items:v`,
  /** Sorted set: member = item id, score = publishedAt epoch ms; published/scheduled items only. */
  freshItems: (tenantId: string) => `fs:${tenantId}:fresh`,
  staging: (key: string, version: number) => `${key}:staging:${version}`,
} as const;

export const SnapshotMeta = z.object({
  version: z.number().int().min(0),
  builtAt: z.iso.datetime(),
  source: z.string(),
  size: z.number().int().min(0),
});
export type SnapshotMeta = z.infer<typeof SnapshotMeta>;

/**
 * Compact item features the recommend path needs (the catalogue in D1 is the source of truth):
 * s = state, p = publishedAt ms, u = unpublishAt ms, c = categories, a = access, au = author,
 * k = kind (absent on features written before kinds were mirrored, until the item is rewritten).
 */
export const ItemFeatures = z.object({
  s: z.enum(['draft', 'scheduled', 'published', 'unpublished']),
  p: z.number().nullable(),
  u: z.number().nullable(),
  c: z.array(z.string()),
  a: z.enum(['free', 'paid', 'member']),
  au: z.string().optional(),
  k: ItemKind.optional(),
});
export type ItemFeatures = z.infer<typeof ItemFeatures>;

/** Bounds of the real-time action lists (entries kept, seconds to live). */
export const USER_ACTIONS_MAX = 200;
export const USER_ACTIONS_TTL_SECONDS = 7 * 86_400;
export const USER_IMPRESSIONS_MAX = 300;
export const USER_IMPRESSIONS_TTL_SECONDS = 86_400;

/** One entry of FeatureKeys.userActions: `<epoch ms>|<event type>|<item id>` (item ids may contain `|`: split at the first two). */
export interface RecentAction {
  at: number;
  type: string;
  itemId: string;
}
export const recentActionEntry = (a: RecentAction): string => `${a.at}|${a.type}|${a.itemId}`;
export function parseRecentAction(raw: unknown): RecentAction | null {
  if (typeof raw !== 'string') return null;
  const i = raw.indexOf('|');
  const j = i < 0 ? -1 : raw.indexOf('|', i + 1);
  if (j < 0 || j === raw.length - 1) return null;
  const at = Number(raw.slice(0, i));
  return Number.isFinite(at) ? { at, type: raw.slice(i + 1, j), itemId: raw.slice(j + 1) } : null;
}
