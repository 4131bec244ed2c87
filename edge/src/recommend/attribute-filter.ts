import type { ApiError } from '@vidplat/contracts';
import { clauseSql, parseFilter, type Clause } from '../items/attribute-filter.js';
import { ItemStore } from '../items/store.js';

/**
 * `filter=` on recommend (item attributes, same grammar as item listing). The pipeline ranks as
 * usual with a wider list, then the ranked items that match are kept in order: one indexed D1
 * lookup over at most 200 candidate ids. A rare attribute value can leave fewer than `n` items.
 */
export const FILTER_WIDENING = 5;

export async function recommendFilter(db: D1Database, tenantId: string, raw: string | undefined): Promise<Clause[] | ApiError | null> {
  if (raw === undefined) return null;
  return parseFilter(raw, await new ItemStore(db).attributeTypes(tenantId));
}

export async function matching(db: D1Database, tenantId: string, ids: string[], clauses: Clause[]): Promise<Set<string>> {
  if (!ids.length) return new Set();
  const args: unknown[] = [tenantId, JSON.stringify(ids)];
  const arg = (v: unknown) => {
    args.push(v);
    return `?${args.length}`;
  };
  const where = clauses.map((c) => clauseSql(c, arg)).join(' AND ');
  const { results } = await db
    .prepare(`SELECT i.item_id FROM items i WHERE i.tenant_id = ?1 AND i.item_id IN (SELECT value FROM json_each(?2)) AND ${where}`)
    .bind(...args)
    .all<{ item_id: string }>();
  return new Set(results.map((r) => r.item_id));
}
