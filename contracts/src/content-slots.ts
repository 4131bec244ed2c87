import { z } from 'zod';
import { IsoTime } from './envelope.js';
import { ItemId, Slug } from './ids.js';

/**
 * Slot content: banners, announcements and recommendation slots. Stored in D1 (edge migration
 * 0070), managed under the tenant admin API, read by apps (`GET /v1/content/banners`,
 * `/v1/content/announcements`) and, for slots, applied inside recommend. Each is live while its
 * `status` is `published` (set directly, or by a schedule of the same content kind/id) and the
 * visibility rule (visibility.ts) shows it to the viewer.
 */

/** The schedule content kinds that are slot content, and their names in the API paths. */
export const SLOT_CONTENT_KINDS = { banner: 'banners', announcement: 'announcements', recommendation_slot: 'slots' } as const;
export type SlotContentKind = keyof typeof SLOT_CONTENT_KINDS;
export const SlotContentKind = z.enum(['banner', 'announcement', 'recommendation_slot']);

/** draft: never shown; published: live (subject to the visibility rule); unpublished: taken down. */
export const SlotContentStatus = z.enum(['draft', 'published', 'unpublished']);
export type SlotContentStatus = z.infer<typeof SlotContentStatus>;

const httpUrl = z
  .string()
  .max(2048)
  .url()
  .refine((u) => /^https?:\/\//i.test(u), 'must be an http(s) URL');

/** Where a banner shows in the app: home hero, a category page, the player... (the app's own names). */
export const BannerPlacement = Slug.max(64).describe('banner placement, e.g. home_top');

const bannerFields = {
  placement: BannerPlacement,
  imageUrl: httpUrl,
  linkUrl: httpUrl,
  /** Alt text / accessible name of the image. */
  title: z.string().min(1).max(200),
  /** Higher first among live banners of a placement. */
  priority: z.number().int().min(0).max(100).default(50),
  status: SlotContentStatus.default('draft'),
};
export const CreateBannerRequest = z.object({ id: ItemId, ...bannerFields });
export type CreateBannerRequest = z.infer<typeof CreateBannerRequest>;
export const UpdateBannerRequest = z.object(bannerFields).partial().strict();
export const Banner = z.object({
  id: ItemId,
  ...bannerFields,
  priority: z.number().int(),
  status: SlotContentStatus,
  createdAt: IsoTime,
  updatedAt: IsoTime,
});
export type Banner = z.infer<typeof Banner>;

export const AnnouncementSeverity = z.enum(['info', 'warning', 'critical']);
const announcementFields = {
  title: z.string().min(1).max(200),
  body: z.string().min(1).max(4000),
  severity: AnnouncementSeverity.default('info'),
  priority: z.number().int().min(0).max(100).default(50),
  status: SlotContentStatus.default('draft'),
};
export const CreateAnnouncementRequest = z.object({ id: ItemId, ...announcementFields });
export type CreateAnnouncementRequest = z.infer<typeof CreateAnnouncementRequest>;
export const UpdateAnnouncementRequest = z.object(announcementFields).partial().strict();
export const Announcement = z.object({
  id: ItemId,
  ...announcementFields,
  severity: AnnouncementSeverity,
  priority: z.number().int(),
  status: SlotContentStatus,
  createdAt: IsoTime,
  updatedAt: IsoTime,
});
export type Announcement = z.infer<typeof Announcement>;

/** The largest answer recommend gives (RecommendQuery's `n`): a slot can only pin inside it. */
export const MAX_RECOMMEND_N = 200;

const slotFields = {
  scenario: Slug,
  /** 1-based position in the scenario's answer; shown only to requests with n ≥ position. */
  position: z.number().int().min(1).max(MAX_RECOMMEND_N, `a position beyond n: recommend answers at most ${MAX_RECOMMEND_N} items`),
  itemId: ItemId,
  /** Where two live slots pin the same position, the higher priority takes it; the other moves down one. */
  priority: z.number().int().min(0).max(100).default(50),
  status: SlotContentStatus.default('draft'),
};
export const CreateRecommendationSlotRequest = z.object({ id: ItemId, ...slotFields });
export type CreateRecommendationSlotRequest = z.infer<typeof CreateRecommendationSlotRequest>;
export const UpdateRecommendationSlotRequest = z.object(slotFields).partial().strict();
export const RecommendationSlot = z.object({
  id: ItemId,
  ...slotFields,
  priority: z.number().int(),
  status: SlotContentStatus,
  createdAt: IsoTime,
  updatedAt: IsoTime,
});
export type RecommendationSlot = z.infer<typeof RecommendationSlot>;

/** GET /v1/admin/content/{banners,announcements,slots}: the tenant's rows of one kind. */
export const BannerListResponse = z.object({ items: z.array(Banner) });
export const AnnouncementListResponse = z.object({ items: z.array(Announcement) });
export const RecommendationSlotListResponse = z.object({ items: z.array(RecommendationSlot) });

export const SlotContentListQuery = z.object({
  status: SlotContentStatus.optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

/** GET /v1/content/banners?placement= : the banners live for the viewer, best first. */
export const LiveBannersQuery = z.object({ placement: BannerPlacement, limit: z.coerce.number().int().min(1).max(50).default(10) });
export const LiveAnnouncementsQuery = z.object({ limit: z.coerce.number().int().min(1).max(50).default(10) });

/** The A/B publish arm a viewer was served (echo it on follow-up events, like recommend's). */
export const ServedExperiment = z.object({ id: Slug, variant: Slug });

const live = <T extends z.ZodRawShape>(shape: T) => z.object({ ...shape, experiment: ServedExperiment.optional() });
export const LiveBanner = live({ id: ItemId, placement: z.string(), imageUrl: z.string(), linkUrl: z.string(), title: z.string(), priority: z.number().int() });
export const LiveAnnouncement = live({ id: ItemId, title: z.string(), body: z.string(), severity: AnnouncementSeverity, priority: z.number().int() });
export const LiveBannersResponse = z.object({ items: z.array(LiveBanner) });
export type LiveBannersResponse = z.infer<typeof LiveBannersResponse>;
export const LiveAnnouncementsResponse = z.object({ items: z.array(LiveAnnouncement) });
export type LiveAnnouncementsResponse = z.infer<typeof LiveAnnouncementsResponse>;

/** The experiment id of an A/B publish schedule: what its exposures and the analytics report carry. */
export const abPublishExperimentId = (scheduleId: string): string => `publish-${scheduleId}`;
