import type { BehaviourEvent } from '@vidplat/contracts';

/**
 * Facts the catalogue reports itself (catalogue/server-events.ts): enrolment in and completion of
 * a catalogue course, play start, progress milestones and completion of a catalogue video. A client posting the same fact would count it
 * twice (its id and time differ from the server's), so such client events are accepted (the
 * client did nothing wrong) and not forwarded: for catalogue content, only the server's events of
 * these types are counted. Events about content outside the catalogue pass through unchanged.
 */
const OWNED = new Set<BehaviourEvent['type']>(['enrol', 'course_complete', 'play_start', 'play_complete']);
/** A progress milestone is the server's too (the rest of a client's play_progress is the client's to report). */
const isServerFact = (e: BehaviourEvent) => OWNED.has(e.type) || (e.type === 'play_progress' && e.milestone !== undefined);
/** Facts about a course (the rest are about a video). */
const courseOf = (e: BehaviourEvent): string | null => (e.type === 'enrol' || e.type === 'course_complete' ? e.courseId : null);

export async function withoutServerOwned(db: D1Database, tenantId: string, events: BehaviourEvent[]): Promise<{ forward: BehaviourEvent[]; serverOwned: number }> {
  const owned = events.filter(isServerFact);
  if (!owned.length) return { forward: events, serverOwned: 0 };
  const videoIds = [...new Set(owned.filter((e) => courseOf(e) === null).map((e) => e.itemId))];
  const courseIds = [...new Set(owned.flatMap((e) => courseOf(e) ?? []))];
  const [videos, courses] = await Promise.all([
    videoIds.length
      ? db.prepare('SELECT video_id AS id FROM videos WHERE tenant_id = ?1 AND video_id IN (SELECT value FROM json_each(?2))').bind(tenantId, JSON.stringify(videoIds)).all<{ id: string }>()
      : { results: [] as { id: string }[] },
    courseIds.length
      ? db.prepare('SELECT course_id AS id FROM courses WHERE tenant_id = ?1 AND course_id IN (SELECT value FROM json_each(?2))').bind(tenantId, JSON.stringify(courseIds)).all<{ id: string }>()
      : { results: [] as { id: string }[] },
  ]);
  const v = new Set(videos.results.map((r) => r.id));
  const co = new Set(courses.results.map((r) => r.id));
  const isOwned = (e: BehaviourEvent) => {
    const course = courseOf(e);
    return course !== null ? co.has(course) : isServerFact(e) && v.has(e.itemId);
  };
  const forward = events.filter((e) => !isOwned(e));
  return { forward, serverOwned: events.length - forward.length };
}
