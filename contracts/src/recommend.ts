import { z } from 'zod';
import { ItemId, Slug, TenantId, UserId } from './ids.js';

export const RecommendQuery = z.object({
  tenant: TenantId,
  scenario: Slug,
  user: UserId,
  n: z.coerce.number().int().min(1).max(200).default(20),
  debug: z
    .enum(['0', '1', 'true', 'false'])
    .optional()
    .transform((v) => v === '1' || v === 'true'),
});
export type RecommendQuery = z.infer<typeof RecommendQuery>;

export const RecommendedItem = z.object({
  itemId: ItemId,
  score: z.number(),
  channels: z.array(z.string()).describe('recall channels that proposed this item'),
  /** With the scenario's `entitlement: label`: false on a paid / member item this user cannot play. */
  entitled: z.boolean().optional(),
});

export const StageTrace = z.object({
  stage: z.string(),
  ms: z.number(),
  candidates: z.number().int(),
  note: z.string().optional(),
  fallback: z.boolean().optional(),
  /** debug=1: the stage's output, best first (capped at 50). */
  items: z.array(z.object({ itemId: ItemId, score: z.number() })).optional(),
});
export type StageTrace = z.infer<typeof StageTrace>;

export const RecommendResponse = z.object({
  requestId: z.string(),
  tenant: TenantId,
  scenario: Slug,
  user: UserId,
  items: z.array(RecommendedItem),
  snapshotVersion: z.number().int().nullable(),
  /** Experiment arm that served this request, if the scenario runs one. */
  experiment: z.object({ id: Slug, variant: Slug }).optional(),
  /** Ranking model version used, or null when the heuristic score ranked. */
  model: z.string().nullable().optional(),
  debug: z.array(StageTrace).optional(),
  /** True when the feature store was unreachable and the answer came from the edge's caches (reason in debug). */
  degraded: z.boolean().optional(),
});
export type RecommendResponse = z.infer<typeof RecommendResponse>;

/**
 * KV `model:<tenant>:<modelId>:current`: which version of a ranking model serves. The trainer
 * writes the bytes under `model:<tenant>:<modelId>:<version>` first, then moves this pointer.
 */
export const ModelPointer = z.object({
  version: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/),
  featureCount: z.number().int().min(1).max(1024),
  input: z.string().default('features'),
  output: z.string().default('score'),
  trainedAt: z.iso.datetime(),
  metrics: z.record(z.string(), z.number()).optional(),
});
export type ModelPointer = z.infer<typeof ModelPointer>;

/**
 * KV `emb:<tenant>:current` → EmbeddingPointer; `emb:<tenant>:<version>:ids` (JSON string[]) and
 * `emb:<tenant>:<version>:vec` (little-endian float32, ids.length × dim, row-major).
 */
export const EmbeddingPointer = z.object({
  version: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/),
  dim: z.number().int().min(1).max(256),
  count: z.number().int().min(0),
  trainedAt: z.iso.datetime(),
});
export type EmbeddingPointer = z.infer<typeof EmbeddingPointer>;

/** GET /v1/items/:itemId/related: items like this one (item-CF and embedding neighbours). */
export const RelatedItemsQuery = z.object({
  n: z.coerce.number().int().min(1).max(100).default(10),
  /** Filters and channel weights of this scenario (excluded categories, access); unset = published and visible only. */
  scenario: Slug.optional(),
});
export type RelatedItemsQuery = z.infer<typeof RelatedItemsQuery>;

export const RelatedItemsResponse = z.object({
  itemId: ItemId,
  items: z.array(RecommendedItem),
});
export type RelatedItemsResponse = z.infer<typeof RelatedItemsResponse>;
