import type { Category, Chapter, Course, Tag, Video } from '@vidplat/contracts';

/** D1 row shapes and their mapping to the contracts' API shapes. */
export interface CategoryRow {
  tenant_id: string;
  category_id: string;
  parent_id: string | null;
  name: string;
  level: number;
  path: string;
  sort_order: number;
  active: number;
}
export const toCategory = (r: CategoryRow): Category => ({
  id: r.category_id,
  tenantId: r.tenant_id,
  parentId: r.parent_id,
  name: r.name,
  level: r.level,
  path: r.path,
  sortOrder: r.sort_order,
  active: !!r.active,
});

export interface TagRow {
  tenant_id: string;
  tag_id: string;
  name: string;
  type: Tag['type'];
  color: string;
}
export const toTag = (r: TagRow): Tag => ({ id: r.tag_id, tenantId: r.tenant_id, name: r.name, type: r.type, color: r.color });

export interface CourseRow {
  tenant_id: string;
  course_id: string;
  category_id: string;
  title: string;
  description: string;
  type: Course['type'];
  level: Course['level'];
  instructor_id: string;
  price_cents: number;
  access: Course['access'];
  status: Course['status'];
  rating: number | null;
  created_at: string;
  updated_at: string;
  published_at: string | null;
  deleted_at: string | null;
}
export const toCourse = (r: CourseRow, tagIds: string[]): Course & { publishedAt: string | null } => ({
  id: r.course_id,
  tenantId: r.tenant_id,
  categoryId: r.category_id,
  title: r.title,
  description: r.description,
  type: r.type,
  level: r.level,
  instructorId: r.instructor_id,
  priceCents: r.price_cents,
  access: r.access,
  status: r.status,
  tagIds,
  rating: r.rating,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
  deletedAt: r.deleted_at,
  publishedAt: r.published_at,
});

export interface ChapterRow {
  tenant_id: string;
  chapter_id: string;
  course_id: string;
  title: string;
  sort_order: number;
  free: number;
  locked: number;
}
export const toChapter = (r: ChapterRow): Chapter => ({
  id: r.chapter_id,
  courseId: r.course_id,
  title: r.title,
  sortOrder: r.sort_order,
  free: !!r.free,
  locked: !!r.locked,
});

export interface VideoRow {
  tenant_id: string;
  video_id: string;
  course_id: string | null;
  chapter_id: string | null;
  title: string;
  sort_order: number;
  duration_seconds: number;
  free: number;
  trial_seconds: number;
  renditions: string;
  status: Video['status'];
  failure_reason: string | null;
}
export const toVideo = (r: VideoRow): Video => ({
  id: r.video_id,
  tenantId: r.tenant_id,
  courseId: r.course_id,
  chapterId: r.chapter_id,
  title: r.title,
  sortOrder: r.sort_order,
  durationSeconds: r.duration_seconds,
  free: !!r.free,
  trialSeconds: r.trial_seconds,
  renditions: JSON.parse(r.renditions) as string[],
  status: r.status,
  failureReason: r.failure_reason,
});

export async function getVideoRow(db: D1Database, tenantId: string, videoId: string): Promise<VideoRow | null> {
  return db.prepare('SELECT * FROM videos WHERE tenant_id = ?1 AND video_id = ?2 AND deleted_at IS NULL').bind(tenantId, videoId).first<VideoRow>();
}
export async function getCourseRow(db: D1Database, tenantId: string, courseId: string): Promise<CourseRow | null> {
  return db.prepare('SELECT * FROM courses WHERE tenant_id = ?1 AND course_id = ?2 AND deleted_at IS NULL').bind(tenantId, courseId).first<CourseRow>();
}
export async function getChapterRow(db: D1Database, tenantId: string, chapterId: string): Promise<ChapterRow | null> {
  return db.prepare('SELECT * FROM chapters WHERE tenant_id = ?1 AND chapter_id = ?2 AND deleted_at IS NULL').bind(tenantId, chapterId).first<ChapterRow>();
}
