/**
 * The user's entitlements against recommended items that need one (access paid or member), as
 * the catalogue's play authorisation decides them: a paid item needs an active enrolment in it
 * (courses are items with the course id; a catalogue video's item needs one in its course), a
 * member item an active membership or an enrolment.
 * Only for scenarios that ask (`rerank.entitlement`); three indexed D1 lookups over ≤ 200 ids.
 * Returns itemId → entitled for the items that need an entitlement; free items are absent.
 */
export async function entitlements(db: D1Database, tenantId: string, userId: string, ids: string[], nowIso: string): Promise<Map<string, boolean>> {
  if (!ids.length) return new Map();
  const list = JSON.stringify(ids);
  // A video item (catalogue videos as items) is entitled by an enrolment in its course.
  const [gated, enrolled, member] = await Promise.all([
    db
      .prepare(
        `SELECT i.item_id, i.access, coalesce(v.course_id, i.item_id) AS course_id FROM items i
         LEFT JOIN videos v ON i.kind = 'video' AND v.tenant_id = i.tenant_id AND v.video_id = i.item_id
         WHERE i.tenant_id = ?1 AND i.item_id IN (SELECT value FROM json_each(?2)) AND i.access IN ('paid', 'member')`,
      )
      .bind(tenantId, list)
      .all<{ item_id: string; access: 'paid' | 'member'; course_id: string }>(),
    db
      .prepare(
        `SELECT DISTINCT course_id FROM enrolments WHERE tenant_id = ?1 AND user_id = ?2 AND valid_from <= ?4 AND (valid_until IS NULL OR valid_until > ?4)
           AND course_id IN (SELECT value FROM json_each(?3) UNION SELECT course_id FROM videos WHERE tenant_id = ?1 AND video_id IN (SELECT value FROM json_each(?3)))`,
      )
      .bind(tenantId, userId, list, nowIso)
      .all<{ course_id: string }>(),
    db.prepare('SELECT 1 AS m FROM memberships WHERE tenant_id = ?1 AND user_id = ?2 AND valid_from <= ?3 AND valid_until > ?3').bind(tenantId, userId, nowIso).first<{ m: number }>(),
  ]);
  const has = new Set(enrolled.results.map((r) => r.course_id));
  return new Map(gated.results.map((r) => [r.item_id, has.has(r.course_id) || (r.access === 'member' && !!member)]));
}
