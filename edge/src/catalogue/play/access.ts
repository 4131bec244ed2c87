import type { PlayReason } from '@vidplat/contracts';
import { enrolmentsOf, isActive, membershipOf } from '../entitlements.js';
import { getChapterRow, getCourseRow, type CourseRow, type VideoRow } from '../rows.js';

/**
 * A trial's wall-clock window: the trial seconds plus room for pauses and buffering, counted from
 * the server's first grant. Client-reported positions never move it, so replaying progress cannot
 * extend a trial.
 */
export const TRIAL_GRACE_SECONDS = 900;
export const trialWindowSeconds = (trialSeconds: number) => trialSeconds + TRIAL_GRACE_SECONDS;

export type AccessDecision =
  | { allowed: true; reason: PlayReason; maxPositionSeconds: number | null; notAfterSeconds: number | null }
  | { allowed: false; reason: PlayReason; status: 403 | 409; message: string };

const deny = (reason: PlayReason, message: string, status: 403 | 409 = 403): AccessDecision => ({ allowed: false, reason, status, message });

/**
 * PlayAccess: free → allowed; paid course → an enrolment valid now; member course (and paid lessons
 * outside a course) → a membership valid now; otherwise a video's trial seconds, once, within its
 * window. Every lookup is scoped to the caller's tenant.
 */
export async function decideAccess(
  db: D1Database,
  tenantId: string,
  userId: string,
  video: VideoRow,
  now: Date,
): Promise<{ decision: AccessDecision; course: CourseRow | null }> {
  const nowIso = now.toISOString();
  const course = video.course_id ? await getCourseRow(db, tenantId, video.course_id) : null;
  if (video.course_id && (!course || course.status !== 'published')) {
    return { decision: deny('not_published', 'the course of this video is not published'), course };
  }
  if (video.status !== 'ready') return { decision: deny('not_ready', `the video is ${video.status}`, 409), course };
  const chapter = video.chapter_id ? await getChapterRow(db, tenantId, video.chapter_id) : null;
  if (chapter?.locked) return { decision: deny('chapter_locked', 'this chapter is locked'), course };

  if (video.free || chapter?.free || course?.access === 'free') {
    return { decision: { allowed: true, reason: 'free', maxPositionSeconds: null, notAfterSeconds: null }, course };
  }

  let refusal: AccessDecision;
  if (course?.access === 'paid') {
    const { results } = await enrolmentsOf(db, tenantId, userId, course.course_id);
    if (results.some((e) => isActive(e, nowIso))) {
      return { decision: { allowed: true, reason: 'enrolled', maxPositionSeconds: null, notAfterSeconds: null }, course };
    }
    refusal = results.length
      ? deny('enrolment_expired', 'the enrolment in this course is not valid now')
      : deny('not_enrolled', 'enrol in this course to watch it');
  } else {
    const m = await membershipOf(db, tenantId, userId);
    if (m && isActive(m, nowIso)) return { decision: { allowed: true, reason: 'member', maxPositionSeconds: null, notAfterSeconds: null }, course };
    refusal = m ? deny('membership_expired', 'the membership is not valid now') : deny('membership_required', 'this video is for members');
  }

  if (video.trial_seconds > 0) {
    // Record the first grant atomically; later calls read the same start time.
    await db
      .prepare('INSERT OR IGNORE INTO trial_grants (tenant_id, user_id, video_id, granted_at) VALUES (?1, ?2, ?3, ?4)')
      .bind(tenantId, userId, video.video_id, nowIso)
      .run();
    const g = await db
      .prepare('SELECT granted_at FROM trial_grants WHERE tenant_id = ?1 AND user_id = ?2 AND video_id = ?3')
      .bind(tenantId, userId, video.video_id)
      .first<{ granted_at: string }>();
    const ends = Math.floor(Date.parse(g!.granted_at) / 1000) + trialWindowSeconds(video.trial_seconds);
    if (Math.floor(now.getTime() / 1000) >= ends) return { decision: deny('trial_exhausted', 'the trial of this video is used up'), course };
    return { decision: { allowed: true, reason: 'trial', maxPositionSeconds: video.trial_seconds, notAfterSeconds: ends }, course };
  }
  return { decision: refusal, course };
}
