/**
 * Platform user → LINE user id, from the `line_links` table (D1). The messaging API addresses
 * LINE ids only, so audience resolution (campaigns, notifier push) goes through here and counts
 * users without a link as skipped.
 */

/** D1 binds at most 100 parameters per statement. */
const CHUNK = 90;

export async function lineIdsOf(db: D1Database, tenantId: string, userIds: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  const unique = [...new Set(userIds)];
  const stmts: D1PreparedStatement[] = [];
  for (let i = 0; i < unique.length; i += CHUNK) {
    const part = unique.slice(i, i + CHUNK);
    stmts.push(
      db
        .prepare(`SELECT user_id, line_user_id FROM line_links WHERE tenant_id = ?1 AND user_id IN (${part.map((_, j) => `?${j + 2}`).join(',')})`)
        .bind(tenantId, ...part),
    );
  }
  // One round trip per 50 statements keeps a million-user audience to a few hundred requests.
  for (let i = 0; i < stmts.length; i += 50) {
    const results = await db.batch<{ user_id: string; line_user_id: string }>(stmts.slice(i, i + 50));
    for (const r of results) for (const row of r.results) out.set(row.user_id, row.line_user_id);
  }
  return out;
}

/** Splits an audience into LINE ids to address (in audience order) and the platform users skipped for want of a link. */
export async function resolveLineAudience(db: D1Database, tenantId: string, userIds: readonly string[]): Promise<{ to: string[]; skipped: string[] }> {
  const links = await lineIdsOf(db, tenantId, userIds);
  const to: string[] = [];
  const skipped: string[] = [];
  const seen = new Set<string>();
  for (const u of userIds) {
    const l = links.get(u);
    if (!l) skipped.push(u);
    else if (!seen.has(l)) {
      seen.add(l);
      to.push(l);
    }
  }
  return { to, skipped };
}
