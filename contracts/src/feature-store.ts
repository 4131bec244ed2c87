import { z } from 'zod';

/**
 * Redis key layout of the edge feature store, shared by the stream writers and the edge reader.
 * Snapshots are built under a staging key and RENAMEd over the live key inside MULTI, so a reader
 * sees the old snapshot or the new one, never half of one.
 */
export const FeatureKeys = {
  hotList: (tenantId: string, scenario: string) => `fs:${tenantId}:hot:${scenario}`,
  hotListMeta: (tenantId: string, scenario: string) => `fs:${tenantId}:hot:${scenario}:meta`,
  itemNeighbours: (tenantId: string, itemId: string) => `fs:${tenantId}:nbr:${itemId}`,
  userProfile: (tenantId: string, userId: string) => `fs:${tenantId}:user:${userId}`,
  userRecent: (tenantId: string, userId: string) => `fs:${tenantId}:recent:${userId}`,
  staging: (key: string, version: number) => `${key}:staging:${version}`,
} as const;

export const SnapshotMeta = z.object({
  version: z.number().int().min(0),
  builtAt: z.iso.datetime(),
  source: z.string(),
  size: z.number().int().min(0),
});
export type SnapshotMeta = z.infer<typeof SnapshotMeta>;
