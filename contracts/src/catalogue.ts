import { z } from 'zod';
import { IsoTime } from './envelope.js';
import { ItemId, Slug, TenantId, UserId } from './ids.js';

export const Category = z.object({
  id: Slug,
  tenantId: TenantId,
  parentId: Slug.nullable(),
  name: z.string().min(1).max(100),
  level: z.number().int().min(0).max(10),
  path: z.string().describe('ancestor ids joined by /, e.g. root/fitness/yoga'),
  sortOrder: z.number().int().default(0),
  active: z.boolean().default(true),
});
export type Category = z.infer<typeof Category>;

export const TagType = z.enum(['general', 'level', 'body_part', 'goal']);
export const Tag = z.object({
  id: Slug,
  tenantId: TenantId,
  name: z.string().min(1).max(50),
  type: TagType,
  color: z.string().regex(/^#[0-9a-fA-F]{6}$/, 'must be a #rrggbb colour'),
});
export type Tag = z.infer<typeof Tag>;

export const CourseStatus = z.enum(['draft', 'in_review', 'published', 'unpublished']);
export const CourseLevel = z.enum(['beginner', 'intermediate', 'advanced']);
export const AccessKind = z.enum(['free', 'paid', 'member']);

export const Course = z.object({
  id: ItemId,
  tenantId: TenantId,
  categoryId: Slug,
  title: z.string().min(1).max(200),
  description: z.string().max(10_000).default(''),
  type: z.enum(['video', 'live', 'series']).default('video'),
  level: CourseLevel,
  instructorId: UserId,
  priceCents: z.number().int().min(0),
  access: AccessKind,
  status: CourseStatus,
  tagIds: z.array(Slug).default([]),
  rating: z.number().min(0).max(5).nullable().default(null),
  createdAt: IsoTime,
  updatedAt: IsoTime,
  deletedAt: IsoTime.nullable().default(null),
});
export type Course = z.infer<typeof Course>;

export const Chapter = z.object({
  id: Slug,
  courseId: ItemId,
  title: z.string().min(1).max(200),
  sortOrder: z.number().int().min(0),
  free: z.boolean().default(false),
  locked: z.boolean().default(false),
});
export type Chapter = z.infer<typeof Chapter>;

export const VideoStatus = z.enum(['uploading', 'transcoding', 'ready', 'failed']);
export const Video = z.object({
  id: ItemId,
  tenantId: TenantId,
  courseId: ItemId.nullable(),
  chapterId: Slug.nullable(),
  title: z.string().min(1).max(200),
  sortOrder: z.number().int().min(0).default(0),
  durationSeconds: z.number().min(0),
  free: z.boolean().default(false),
  trialSeconds: z.number().int().min(0).default(0),
  renditions: z.array(z.string()).default([]).describe('available ladder rungs, e.g. 360p,720p'),
  status: VideoStatus,
  failureReason: z.string().nullable().default(null),
});
export type Video = z.infer<typeof Video>;

export const EnrolmentKind = z.enum(['free', 'paid', 'trial']);
export const Enrolment = z.object({
  tenantId: TenantId,
  userId: UserId,
  courseId: ItemId,
  kind: EnrolmentKind,
  orderId: z.string().max(64).nullable().default(null),
  pricePaidCents: z.number().int().min(0).default(0),
  validFrom: IsoTime,
  validUntil: IsoTime.nullable(),
});
export type Enrolment = z.infer<typeof Enrolment>;

export const Membership = z.object({
  tenantId: TenantId,
  userId: UserId,
  plan: z.string().min(1).max(50),
  validFrom: IsoTime,
  validUntil: IsoTime,
});
export type Membership = z.infer<typeof Membership>;

export const ProgressReport = z.object({
  positionSeconds: z.number().min(0),
  durationSeconds: z.number().positive(),
  watchedSeconds: z.number().min(0),
  device: z.enum(['web', 'ios', 'android', 'tv', 'other']).default('web'),
});
export type ProgressReport = z.infer<typeof ProgressReport>;

/** A video counts as complete once this share of it has been played. */
export const COMPLETION_THRESHOLD = 0.9;

export const PlayDecisionReason = z.enum([
  'free',
  'trial',
  'enrolled',
  'member',
  'not_enrolled',
  'enrolment_expired',
  'membership_required',
  'membership_expired',
  'trial_exhausted',
  'not_published',
  'not_ready',
]);
export type PlayDecisionReason = z.infer<typeof PlayDecisionReason>;
