import { z } from 'zod';
import { IsoTime } from './envelope.js';
import { ItemId, Slug, TenantId } from './ids.js';

/** What the recommender can serve: a video, article, product, track or course. */
export const ItemKind = z.enum(['video', 'article', 'product', 'track', 'course', 'banner', 'announcement', 'series']);
export const PublishState = z.enum(['draft', 'scheduled', 'published', 'unpublished']);

/** A tenant's own item attribute (brand, price, language, duration…): lowercase snake case. */
export const AttributeKey = z.string().regex(/^[a-z][a-z0-9_]{0,39}$/, 'attribute names are lowercase letters, digits and _ (up to 40), starting with a letter');
/** Typed attribute values: string, number, boolean or a list of strings. */
export const AttributeValue = z.union([z.string().max(200), z.number().finite(), z.boolean(), z.array(z.string().min(1).max(100)).max(20)]);
export type AttributeValue = z.infer<typeof AttributeValue>;
export type AttributeType = 'string' | 'number' | 'boolean' | 'list';
export const attributeType = (v: AttributeValue): AttributeType =>
  Array.isArray(v) ? 'list' : typeof v === 'number' ? 'number' : typeof v === 'boolean' ? 'boolean' : 'string';
export const MAX_ITEM_ATTRIBUTES = 32;
export const MAX_ITEM_ATTRIBUTES_BYTES = 4_096;
export const ItemAttributes = z
  .record(AttributeKey, AttributeValue)
  .refine((a) => Object.keys(a).length <= MAX_ITEM_ATTRIBUTES, `at most ${MAX_ITEM_ATTRIBUTES} attributes per item`)
  .refine((a) => JSON.stringify(a).length <= MAX_ITEM_ATTRIBUTES_BYTES, `attributes are limited to ${MAX_ITEM_ATTRIBUTES_BYTES} bytes of JSON`);
export type ItemAttributes = z.infer<typeof ItemAttributes>;

export const Item = z.object({
  tenantId: TenantId,
  itemId: ItemId,
  kind: ItemKind,
  title: z.string().min(1).max(300),
  categories: z.array(Slug).max(20).default([]),
  tags: z.array(Slug).max(50).default([]),
  authorId: Slug.optional(),
  publishedAt: IsoTime.nullable().default(null),
  /** End of the publish window: after it the item is "scheduled out" and never recommended. */
  unpublishAt: IsoTime.nullable().optional(),
  state: PublishState,
  /** Dense embedding from the offline trainer; same length for every item of a tenant. */
  embedding: z.array(z.number()).max(256).optional(),
  /** Entitlement needed to consume it, so recommendations can filter what a user cannot play. */
  access: z.enum(['free', 'paid', 'member']).default('free'),
  /** The tenant's own typed attributes, stored and indexed for filters (`filter=price<20;language=en`). */
  attributes: ItemAttributes.optional(),
});
export type Item = z.infer<typeof Item>;

/** PUT /v1/items/:itemId and one NDJSON import line (the line carries its itemId). */
export const ItemBody = Item.omit({ tenantId: true, itemId: true });
export type ItemBody = z.infer<typeof ItemBody>;
export const ItemImportLine = Item.omit({ tenantId: true });

export const MAX_IMPORT_LINES = 10_000;
export const MAX_IMPORT_LINE_BYTES = 16_384;

export const ItemImportResponse = z.object({
  accepted: z.number().int().min(0),
  rejected: z.array(
    z.object({
      line: z.number().int().min(1).describe('1-based line number in the NDJSON body'),
      error: z.object({ code: z.string(), message: z.string(), field: z.string().optional() }),
    }),
  ),
  /** 'pending': stored in the catalogue, not yet visible to the recommend path (retried on later writes). */
  featureSync: z.enum(['done', 'pending']).optional(),
});
export type ItemImportResponse = z.infer<typeof ItemImportResponse>;

export const ItemSearchQuery = z.object({
  category: Slug.optional(),
  tag: Slug.optional(),
  q: z.string().min(1).max(100).optional(),
  state: PublishState.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  cursor: ItemId.optional().describe('itemId after which the next page starts'),
  /** Attribute filters, `;`-separated `name op value` with op one of = != < <= > >= (on a list, = means contains). */
  filter: z.string().min(1).max(1_000).optional(),
});
export type ItemSearchQuery = z.infer<typeof ItemSearchQuery>;

export const ItemPage = z.object({ items: z.array(Item), nextCursor: ItemId.nullable() });
export type ItemPage = z.infer<typeof ItemPage>;

/** POST /v1/items/:itemId/publish-state: what the scheduler calls when a publish action fires. */
export const PublishStateChange = z.object({
  state: PublishState,
  publishedAt: IsoTime.nullable().optional(),
  unpublishAt: IsoTime.nullable().optional(),
});
export type PublishStateChange = z.infer<typeof PublishStateChange>;

/**
 * Whether an item may be recommended at `nowMs`: published, inside its publish window. Drafts,
 * unpublished items, scheduled items not yet flipped and items past unpublishAt never are.
 */
export function isRecommendable(i: { state: z.infer<typeof PublishState>; publishedAt?: string | null; unpublishAt?: string | null }, nowMs: number): boolean {
  if (i.state !== 'published') return false;
  if (i.publishedAt && Date.parse(i.publishedAt) > nowMs) return false;
  if (i.unpublishAt && Date.parse(i.unpublishAt) <= nowMs) return false;
  return true;
}
