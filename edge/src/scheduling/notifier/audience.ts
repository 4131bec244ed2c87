/**
 * Who follows a schedule's content: subscriptions to the content itself, and for a video to its
 * course and to that course's channel (its instructor). Read from D1 when the notification is
 * taken in, so later (un)subscriptions do not change a notification already planned.
 */
export async function subscribersOf(db: D1Database, tenantId: string, contentKind: string, contentId: string): Promise<string[]> {
  const targets: [string, string][] = [];
  if (contentKind === 'series' || contentKind === 'video') targets.push([contentKind, contentId]);
  if (contentKind === 'video') {
    const v = await db
      .prepare(
        `SELECT v.course_id AS course_id, c.instructor_id AS instructor_id FROM videos v LEFT JOIN courses c ON c.tenant_id = v.tenant_id AND c.course_id = v.course_id
         WHERE v.tenant_id = ?1 AND v.video_id = ?2`,
      )
      .bind(tenantId, contentId)
      .first<{ course_id: string | null; instructor_id: string | null }>();
    if (v?.course_id) targets.push(['course', v.course_id]);
    if (v?.instructor_id) targets.push(['channel', v.instructor_id]);
  }
  if (!targets.length) return [];
  const where = targets.map((_, i) => `(target_kind = ?${i * 2 + 2} AND target_id = ?${i * 2 + 3})`).join(' OR ');
  const rows = await db
    .prepare(`SELECT DISTINCT user_id FROM subscriptions WHERE tenant_id = ?1 AND (${where}) ORDER BY user_id`)
    .bind(tenantId, ...targets.flat())
    .all<{ user_id: string }>();
  return rows.results.map((r) => r.user_id);
}
