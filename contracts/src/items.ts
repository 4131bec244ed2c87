import { z } from 'zod';
import { IsoTime } from './envelope.js';
import { ItemId, Slug, TenantId } from './ids.js';

/** What the recommender can serve: a video, article, product, track or course. */
export const ItemKind = z.enum(['video', 'article', 'product', 'track', 'course', 'banner', 'announcement', 'series']);
export const PublishState = z.enum(['draft', 'scheduled', 'published', 'unpublished']);

export const Item = z.object({
  tenantId: TenantId,
  itemId: ItemId,
  kind: ItemKind,
  title: z.string().min(1).max(300),
  categories: z.array(Slug).max(20).default([]),
  tags: z.array(Slug).max(50).default([]),
  authorId: Slug.optional(),
  publishedAt: IsoTime.nullable().default(null),
  state: PublishState,
  /** Dense embedding from the offline trainer; same length for every item of a tenant. */
  embedding: z.array(z.number()).max(256).optional(),
  /** Entitlement needed to consume it, so recommendations can filter what a user cannot play. */
  access: z.enum(['free', 'paid', 'member']).default('free'),
});
export type Item = z.infer<typeof Item>;
