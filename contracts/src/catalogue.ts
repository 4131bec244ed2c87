import { z } from 'zod';
import { IsoTime } from './envelope.js';
import { ItemId, Slug, TenantId, UserId } from './ids.js';
import { ApiError } from './errors.js';

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

// ---------------------------------------------------------------------------------------------
// Internal API for the media-node (issue 6 ↔ media): create a video record when an upload starts
// and report transcode status / renditions. Authenticated either by a tenant key with role
// super/admin (tenant from the key) or by the EDGE_INTERNAL_TOKEN secret (`Authorization: Bearer
// <token>`; then `tenantId` in the body is required). Both routes are idempotent (at-least-once).
// ---------------------------------------------------------------------------------------------

/** POST /v1/internal/videos → 201 (created) or 200 (already existed; status fields updated), body InternalVideoResponse. */
export const InternalCreateVideoRequest = z.object({
  tenantId: TenantId.optional().describe('required with EDGE_INTERNAL_TOKEN; must match the key tenant otherwise'),
  videoId: ItemId,
  title: z.string().min(1).max(200),
  courseId: ItemId.nullable().default(null),
  chapterId: Slug.nullable().default(null),
  status: z.enum(['uploading', 'transcoding']).default('uploading'),
  durationSeconds: z.number().min(0).max(86_400).default(0),
  sourceUri: z.string().min(1).max(1000).optional(),
  /** Size of the uploaded source in bytes (tus Upload-Length): counted against the tenant's mediaBytes quota. */
  sizeBytes: z.number().int().min(0).max(Number.MAX_SAFE_INTEGER).optional(),
});
export type InternalCreateVideoRequest = z.infer<typeof InternalCreateVideoRequest>;

/** PATCH /v1/internal/videos/:videoId/status → 200 InternalVideoResponse; 404 when the video is unknown in the tenant. */
export const InternalVideoStatusRequest = z.object({
  tenantId: TenantId.optional(),
  status: VideoStatus,
  /** Ladder rungs now available under /hls/<tenant>/<video>/, e.g. ["360p","720p"]. */
  renditions: z.array(z.string().regex(/^\d{3,4}p$/)).max(10).optional(),
  durationSeconds: z.number().min(0).max(86_400).optional(),
  failureReason: z.string().max(1000).nullable().optional(),
  jobId: z.string().min(1).max(64).optional(),
});
export type InternalVideoStatusRequest = z.infer<typeof InternalVideoStatusRequest>;

export const InternalVideoResponse = z.object({ video: Video });
export type InternalVideoResponse = z.infer<typeof InternalVideoResponse>;

// ---------------------------------------------------------------------------------------------
// Public catalogue API bodies.
// ---------------------------------------------------------------------------------------------

export const CreateCategoryRequest = z.object({
  id: Slug,
  parentId: Slug.nullable().default(null),
  name: z.string().min(1).max(100),
  sortOrder: z.number().int().default(0),
  active: z.boolean().default(true),
});
/** PATCH /v1/categories/:id; a new parentId moves the whole subtree. */
export const UpdateCategoryRequest = z.object({
  parentId: Slug.nullable().optional(),
  name: z.string().min(1).max(100).optional(),
  sortOrder: z.number().int().optional(),
  active: z.boolean().optional(),
});
export const CategoryView = Category.extend({
  /** Published, not deleted courses in this category and its descendants. */
  courseCount: z.number().int().min(0),
});
export type CategoryView = z.infer<typeof CategoryView>;

export const CreateTagRequest = Tag.omit({ tenantId: true });
export const UpdateTagRequest = CreateTagRequest.omit({ id: true }).partial();

export const CreateCourseRequest = z.object({
  id: ItemId,
  categoryId: Slug,
  title: z.string().min(1).max(200),
  description: z.string().max(10_000).default(''),
  type: z.enum(['video', 'live', 'series']).default('video'),
  level: CourseLevel,
  /** Admins may name the instructor; an instructor key always creates its own courses. */
  instructorId: UserId.optional(),
  priceCents: z.number().int().min(0).default(0),
  access: AccessKind,
  tagIds: z.array(Slug).max(20).default([]),
});
/** PATCH bodies list their fields without defaults: an absent field stays unchanged. */
export const UpdateCourseRequest = z.object({
  categoryId: Slug.optional(),
  title: z.string().min(1).max(200).optional(),
  description: z.string().max(10_000).optional(),
  type: z.enum(['video', 'live', 'series']).optional(),
  level: CourseLevel.optional(),
  priceCents: z.number().int().min(0).optional(),
  access: AccessKind.optional(),
  tagIds: z.array(Slug).max(20).optional(),
  rating: z.number().min(0).max(5).nullable().optional(),
});

/** POST /v1/courses/:id/status. Instructors: draft→in_review, published→unpublished, unpublished→draft; admins any listed transition. */
export const CourseTransitionRequest = z.object({ status: CourseStatus });
export const COURSE_TRANSITIONS: Record<z.infer<typeof CourseStatus>, z.infer<typeof CourseStatus>[]> = {
  draft: ['in_review'],
  in_review: ['published', 'draft'],
  published: ['unpublished'],
  unpublished: ['published', 'draft'],
};

export const CourseCounts = z.object({
  chapters: z.number().int().min(0),
  videos: z.number().int().min(0),
  activeEnrolments: z.number().int().min(0),
  durationSeconds: z.number().min(0),
});
export const CourseView = Course.extend({ counts: CourseCounts, publishedAt: IsoTime.nullable() });
export type CourseView = z.infer<typeof CourseView>;

export const CourseListQuery = z.object({
  category: Slug.optional().describe('includes the category subtree'),
  level: CourseLevel.optional(),
  tag: Slug.optional(),
  free: z.enum(['true', 'false']).optional(),
  q: z.string().min(1).max(100).optional(),
  status: CourseStatus.optional().describe('admins and instructors only; others see published courses'),
  instructor: UserId.optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  offset: z.coerce.number().int().min(0).max(100_000).default(0),
});
export type CourseListQuery = z.infer<typeof CourseListQuery>;
export const CourseListResponse = z.object({
  items: z.array(CourseView),
  total: z.number().int().min(0),
  limit: z.number().int(),
  offset: z.number().int(),
  nextOffset: z.number().int().nullable(),
});

export const CreateChapterRequest = Chapter.omit({ courseId: true });
export const UpdateChapterRequest = z.object({
  title: z.string().min(1).max(200).optional(),
  sortOrder: z.number().int().min(0).optional(),
  free: z.boolean().optional(),
  locked: z.boolean().optional(),
});

/** POST /v1/courses/:courseId/videos: metadata of a lesson; the media-node reports status/renditions. */
export const CreateVideoRequest = z.object({
  id: ItemId,
  chapterId: Slug.nullable().default(null),
  title: z.string().min(1).max(200),
  sortOrder: z.number().int().min(0).default(0),
  durationSeconds: z.number().min(0).max(86_400).default(0),
  free: z.boolean().default(false),
  trialSeconds: z.number().int().min(0).max(86_400).default(0),
});
export const UpdateVideoRequest = z.object({
  chapterId: Slug.nullable().optional(),
  title: z.string().min(1).max(200).optional(),
  sortOrder: z.number().int().min(0).optional(),
  durationSeconds: z.number().min(0).max(86_400).optional(),
  free: z.boolean().optional(),
  trialSeconds: z.number().int().min(0).max(86_400).optional(),
});

export const CourseDetail = CourseView.extend({
  chapters: z.array(Chapter.extend({ videos: z.array(Video) })),
  /** Videos of the course not in any chapter. */
  videos: z.array(Video),
});
export type CourseDetail = z.infer<typeof CourseDetail>;

/**
 * POST /v1/courses/:id/enrolments. `free` (free or zero-price courses) and `trial` (once per user
 * and course, validity set by the server) may be self-service with X-User-Id; `paid` needs an
 * admin/super/senior key and names userId, orderId, price and validity.
 */
export const CreateEnrolmentRequest = z.object({
  kind: EnrolmentKind,
  userId: UserId.optional(),
  orderId: z.string().min(1).max(64).optional(),
  pricePaidCents: z.number().int().min(0).default(0),
  validFrom: IsoTime.optional(),
  validUntil: IsoTime.nullable().optional(),
});
export const EnrolmentView = Enrolment.extend({ enrolmentId: z.string(), active: z.boolean() });
export type EnrolmentView = z.infer<typeof EnrolmentView>;
/** Self-service trial enrolments last this long. */
export const TRIAL_ENROLMENT_DAYS = 7;

/** PUT /v1/memberships/:userId (admin/super/senior). */
export const PutMembershipRequest = Membership.omit({ tenantId: true, userId: true });
export const MembershipView = Membership.extend({ active: z.boolean() });

// ---------------------------------------------------------------------------------------------
// Play authorisation and progress.
// ---------------------------------------------------------------------------------------------

export const ExtraPlayDecisionReason = z.enum(['chapter_locked']);
export const PlayReason = z.union([PlayDecisionReason, ExtraPlayDecisionReason]);
export type PlayReason = z.infer<typeof PlayReason>;

/**
 * GET /v1/play/:videoId → 200 when allowed; 403 (error.code forbidden) or 409 (not_ready) when
 * denied, with `allowed:false` and `reason` beside `error`.
 */
export const PlayResponse = z.object({
  allowed: z.literal(true),
  reason: PlayReason,
  videoId: ItemId,
  courseId: ItemId.nullable(),
  /** `${MEDIA_ORIGIN_URL}/hls/<tenant>/<video>/master.m3u8?token=…` */
  masterUrl: z.string(),
  token: z.string(),
  expiresAt: IsoTime,
  qualities: z.array(z.string()),
  /** Trials: the media origin and the progress API refuse anything beyond this position. */
  maxPositionSeconds: z.number().min(0).nullable(),
  lastPositionSeconds: z.number().min(0),
  nextVideoId: ItemId.nullable(),
});
export type PlayResponse = z.infer<typeof PlayResponse>;
export const PlayDenied = z.object({ allowed: z.literal(false), reason: PlayReason, error: ApiError });

/** Body of POST /v1/videos/:id/progress: ProgressReport plus the playback token from /v1/play. */
export const ProgressRequest = ProgressReport.extend({
  playbackToken: z.string().min(10).max(4096).describe('token from GET /v1/play; binds the report to user, video and trial limit'),
});
export type ProgressRequest = z.infer<typeof ProgressRequest>;

export const VideoProgress = z.object({
  videoId: ItemId,
  courseId: ItemId.nullable(),
  positionSeconds: z.number().min(0),
  durationSeconds: z.number().min(0),
  maxPositionSeconds: z.number().min(0),
  watchedSeconds: z.number().min(0).describe('total seconds watched so far'),
  completed: z.boolean(),
  completedAt: IsoTime.nullable(),
  updatedAt: IsoTime,
});
export type VideoProgress = z.infer<typeof VideoProgress>;
/** Per-tenant catalogue options (GET/PUT /v1/catalogue/settings). */
export const CatalogueSettings = z.object({
  /** Every catalogue video is also a recommender item (kind video), besides the courses. */
  videosAsItems: z.boolean(),
});
export type CatalogueSettings = z.infer<typeof CatalogueSettings>;
/** What a settings change did to the video items: written/removed now, or `pending` (the sync continues). */
export const VideoItemsSync = z.object({ sync: z.enum(['done', 'pending']), written: z.number().int(), removed: z.number().int() });
/** PUT /v1/catalogue/settings: the settings saved and the video items' sync. */
export const PutCatalogueSettingsResponse = CatalogueSettings.extend({ items: VideoItemsSync });

export const ProgressResponse = z.object({
  progress: VideoProgress,
  event: z.enum(['play_progress', 'play_complete']),
  /** When the learner completed the video's course (every ready video completed); null while not, or for a video outside a course. */
  courseCompletedAt: IsoTime.nullable().optional(),
});

export const CourseProgress = z.object({
  courseId: ItemId,
  userId: UserId,
  totalVideos: z.number().int().min(0),
  watchedVideos: z.number().int().min(0),
  completedVideos: z.number().int().min(0),
  completionRate: z.number().min(0).max(1),
  totalWatchSeconds: z.number().min(0),
  lastVideoId: ItemId.nullable(),
  lastPositionSeconds: z.number().min(0).nullable(),
  updatedAt: IsoTime.nullable(),
  /** When the learner completed the course (the first time every ready video was completed; it stays completed). */
  completedAt: IsoTime.nullable().optional(),
});
export type CourseProgress = z.infer<typeof CourseProgress>;

// ---------------------------------------------------------------------------------------------
// Trial limits at the media origin (shared by the edge's R2 route and the media-node's origin):
// a token with maxPositionSeconds gets media playlists cut at that time, and only the segments
// listed before it.
// ---------------------------------------------------------------------------------------------

/** Drops media segments starting at or after `maxPositionSeconds` and ends the playlist there. */
export function cutPlaylistAt(text: string, maxPositionSeconds: number): string {
  if (!/#EXTINF:/.test(text)) return text; // a master playlist has no segments to cut
  const out: string[] = [];
  let elapsed = 0;
  let duration: number | null = null;
  for (const line of text.split(/\r?\n/)) {
    if (line.startsWith('#EXTINF:')) {
      if (elapsed >= maxPositionSeconds) break;
      duration = parseFloat(line.slice(8));
      out.push(line);
    } else if (line.startsWith('#EXT-X-ENDLIST') || line.trim() === '') {
      continue;
    } else if (line.startsWith('#')) {
      out.push(line);
    } else {
      out.push(line);
      if (duration !== null) elapsed += Number.isFinite(duration) ? duration : 0;
      duration = null;
    }
  }
  out.push('#EXT-X-ENDLIST');
  return `${out.join('\n')}\n`;
}

/** Segment URIs (as written in a media playlist, plus its init segment) within the trial. */
export function segmentsWithin(text: string, maxPositionSeconds: number): Set<string> {
  const allowed = new Set<string>();
  let elapsed = 0;
  let duration: number | null = null;
  for (const line of text.split(/\r?\n/)) {
    if (line.startsWith('#EXTINF:')) duration = parseFloat(line.slice(8));
    else if (line.startsWith('#EXT-X-MAP:')) {
      const m = /URI="([^"]+)"/.exec(line);
      if (m) allowed.add(m[1]!); // nothing plays without the init segment
    } else if (!line.startsWith('#') && line.trim() && duration !== null) {
      if (elapsed >= maxPositionSeconds) break;
      allowed.add(line.trim());
      elapsed += Number.isFinite(duration) ? duration : 0;
      duration = null;
    }
  }
  return allowed;
}
