import { BehaviourEvent, SCHEMA_VERSION } from '@vidplat/contracts';
import { factEventId } from '../../events/fact-id.js';

/**
 * Course completion: the first time a learner has completed every ready video of a course. The
 * completion is stored (course_completions) and its `course_complete` event written to the event
 * outbox in one D1 batch (a transaction): whichever request completes the course first records
 * both, a concurrent or retried request finds the row and records nothing, so the completion is
 * announced exactly once and survives an isolate dying before delivery (the outbox is drained by
 * the next delivery). The event's id and time come from the stored completion (events/fact-id.ts).
 *
 * Readers: the learner's course progress (completedAt), the instructor's roster, and through
 * Kafka the item heat of the course (hot courses) and the analytics overview.
 */
export interface CourseCompletion {
  completedAt: string;
  videos: number;
  watchSeconds: number;
}

interface CourseState {
  total: number;
  done: number;
  secs: number;
  completed_at: string | null;
  videos: number | null;
  watch_seconds: number | null;
}

const STATE_SQL = `SELECT
    (SELECT count(*) FROM videos v WHERE v.tenant_id = ?1 AND v.course_id = ?3 AND v.deleted_at IS NULL AND v.status = 'ready') AS total,
    (SELECT count(*) FROM video_progress vp JOIN videos v ON v.tenant_id = vp.tenant_id AND v.video_id = vp.video_id
       WHERE vp.tenant_id = ?1 AND vp.user_id = ?2 AND v.course_id = ?3 AND v.deleted_at IS NULL AND v.status = 'ready' AND vp.completed_at IS NOT NULL) AS done,
    (SELECT coalesce(sum(vp.watched_seconds), 0) FROM video_progress vp WHERE vp.tenant_id = ?1 AND vp.user_id = ?2 AND vp.course_id = ?3) AS secs,
    cc.completed_at, cc.videos, cc.watch_seconds
  FROM (SELECT 1) LEFT JOIN course_completions cc ON cc.tenant_id = ?1 AND cc.user_id = ?2 AND cc.course_id = ?3`;

const stored = (s: CourseState): CourseCompletion | null =>
  s.completed_at === null ? null : { completedAt: s.completed_at, videos: s.videos ?? 0, watchSeconds: s.watch_seconds ?? 0 };

export async function courseCompleteEvent(tenantId: string, userId: string, courseId: string, c: CourseCompletion): Promise<BehaviourEvent> {
  const t = Date.parse(c.completedAt);
  return BehaviourEvent.parse({
    eventId: await factEventId(t, tenantId, 'course_complete', userId, courseId),
    tenantId,
    eventTime: new Date(t).toISOString(),
    schemaVersion: SCHEMA_VERSION,
    userId,
    itemId: courseId,
    type: 'course_complete',
    courseId,
    videos: c.videos,
    courseWatchSeconds: Math.min(c.watchSeconds, 10_000_000),
  });
}

/**
 * Records the learner's completion of the course if every ready video of it is now completed and
 * it was not recorded before. Returns the completion (new or earlier) or null when the course is
 * not complete; `recorded` is true only for the call that stored it (its event is in the outbox).
 */
export async function recordCourseCompletion(
  db: D1Database,
  tenantId: string,
  userId: string,
  courseId: string,
  now: string,
): Promise<{ completion: CourseCompletion | null; recorded: boolean }> {
  const s = (await db.prepare(STATE_SQL).bind(tenantId, userId, courseId).first<CourseState>())!;
  const earlier = stored(s);
  if (earlier) return { completion: earlier, recorded: false };
  if (s.total === 0 || s.done < s.total) return { completion: null, recorded: false };
  const completion: CourseCompletion = { completedAt: now, videos: s.total, watchSeconds: s.secs };
  const event = await courseCompleteEvent(tenantId, userId, courseId, completion);
  const [ins] = await db.batch([
    db
      .prepare('INSERT OR IGNORE INTO course_completions (tenant_id, user_id, course_id, completed_at, videos, watch_seconds, event_id) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)')
      .bind(tenantId, userId, courseId, completion.completedAt, completion.videos, completion.watchSeconds, event.eventId),
    // Only when this batch's row is the stored one (a concurrent request may have won).
    db
      .prepare(
        `INSERT OR IGNORE INTO event_outbox (event_id, tenant_id, body, attempts, created_at)
         SELECT ?1, ?2, ?3, 0, ?4 WHERE EXISTS (SELECT 1 FROM course_completions WHERE tenant_id = ?2 AND user_id = ?5 AND course_id = ?6 AND event_id = ?1)`,
      )
      .bind(event.eventId, tenantId, JSON.stringify(event), now, userId, courseId),
  ]);
  if (ins!.meta.changes) return { completion, recorded: true };
  const again = stored((await db.prepare(STATE_SQL).bind(tenantId, userId, courseId).first<CourseState>())!);
  return { completion: again, recorded: false };
}

/** The learner's stored completion of a course, if any. */
export async function courseCompletionOf(db: D1Database, tenantId: string, userId: string, courseId: string): Promise<CourseCompletion | null> {
  const r = await db
    .prepare('SELECT completed_at, videos, watch_seconds FROM course_completions WHERE tenant_id = ?1 AND user_id = ?2 AND course_id = ?3')
    .bind(tenantId, userId, courseId)
    .first<{ completed_at: string; videos: number; watch_seconds: number }>();
  return r ? { completedAt: r.completed_at, videos: r.videos, watchSeconds: r.watch_seconds } : null;
}
