import { z } from 'zod';

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
  userProfile: (tenantId: string, userId: string) => `fs:${tenantId}:user:${userId}`,
  /** Sorted set: member = item id the user interacted with, score = last interaction, epoch ms. */
  userRecent: (tenantId: string, userId: string) => `fs:${tenantId}:recent:${userId}`,
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
 * s = state, p = publishedAt ms, u = unpublishAt ms, c = categories, a = access, au = author.
 */
export const ItemFeatures = z.object({
  s: z.enum(['draft', 'scheduled', 'published', 'unpublished']),
  p: z.number().nullable(),
  u: z.number().nullable(),
  c: z.array(z.string()),
  a: z.enum(['free', 'paid', 'member']),
  au: z.string().optional(),
});
export type ItemFeatures = z.infer<typeof ItemFeatures>;
