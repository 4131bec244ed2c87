import type { Announcement, Banner, RecommendationSlot, SlotContentKind, SlotContentStatus } from '@vidplat/contracts';

/**
 * D1 rows of slot content (migration 0070): one table per kind, the same lifecycle columns
 * (`status`, timestamps) on each. The kind's column map turns API fields into columns and back.
 */

interface KindTable {
  table: string;
  idColumn: string;
  /** API field → column, in insert order (id, status and timestamps excluded). */
  columns: Record<string, string>;
}

export const SLOT_TABLES: Record<SlotContentKind, KindTable> = {
  banner: { table: 'banners', idColumn: 'banner_id', columns: { placement: 'placement', imageUrl: 'image_url', linkUrl: 'link_url', title: 'title', priority: 'priority' } },
  announcement: { table: 'announcements', idColumn: 'announcement_id', columns: { title: 'title', body: 'body', severity: 'severity', priority: 'priority' } },
  recommendation_slot: { table: 'recommendation_slots', idColumn: 'slot_id', columns: { scenario: 'scenario', position: 'position', itemId: 'item_id', priority: 'priority' } },
};

export interface SlotContentOf {
  banner: Banner;
  announcement: Announcement;
  recommendation_slot: RecommendationSlot;
}

type Row = Record<string, unknown> & { status: string; created_at: string; updated_at: string };

function fromRow<K extends SlotContentKind>(kind: K, row: Row): SlotContentOf[K] {
  const t = SLOT_TABLES[kind];
  const out: Record<string, unknown> = { id: row[t.idColumn] };
  for (const [field, col] of Object.entries(t.columns)) out[field] = row[col];
  out.status = row.status;
  out.createdAt = row.created_at;
  out.updatedAt = row.updated_at;
  return out as unknown as SlotContentOf[K];
}

export const missingTable = (e: unknown): boolean => e instanceof Error && /no such table/i.test(e.message);

export class SlotStore {
  constructor(private readonly db: D1Database) {}

  async get<K extends SlotContentKind>(kind: K, tenantId: string, id: string): Promise<SlotContentOf[K] | null> {
    const t = SLOT_TABLES[kind];
    const row = await this.db.prepare(`SELECT * FROM ${t.table} WHERE tenant_id = ?1 AND ${t.idColumn} = ?2`).bind(tenantId, id).first<Row>();
    return row ? fromRow(kind, row) : null;
  }

  async list<K extends SlotContentKind>(kind: K, tenantId: string, opts: { status?: SlotContentStatus; limit: number }): Promise<SlotContentOf[K][]> {
    const t = SLOT_TABLES[kind];
    const { results } = await this.db
      .prepare(`SELECT * FROM ${t.table} WHERE tenant_id = ?1 AND (?2 IS NULL OR status = ?2) ORDER BY updated_at DESC, ${t.idColumn} LIMIT ?3`)
      .bind(tenantId, opts.status ?? null, opts.limit)
      .all<Row>();
    return results.map((r) => fromRow(kind, r));
  }

  /** Live candidates (status published) of a kind, optionally narrowed by one column (placement, scenario). */
  async published<K extends SlotContentKind>(kind: K, tenantId: string, where?: { column: string; value: string }): Promise<SlotContentOf[K][]> {
    const t = SLOT_TABLES[kind];
    const { results } = await this.db
      .prepare(`SELECT * FROM ${t.table} WHERE tenant_id = ?1 AND status = 'published' ${where ? `AND ${where.column} = ?2` : ''} ORDER BY priority DESC, ${t.idColumn} LIMIT 500`)
      .bind(tenantId, ...(where ? [where.value] : []))
      .all<Row>();
    return results.map((r) => fromRow(kind, r));
  }

  /** Inserts; false when the id is taken. */
  async create(kind: SlotContentKind, tenantId: string, id: string, body: Record<string, unknown>, now: string): Promise<boolean> {
    const t = SLOT_TABLES[kind];
    const cols = Object.values(t.columns);
    const values = Object.keys(t.columns).map((f) => body[f] ?? null);
    const marks = cols.map((_, i) => `?${i + 3}`).join(', ');
    const r = await this.db
      .prepare(
        `INSERT INTO ${t.table} (tenant_id, ${t.idColumn}, ${cols.join(', ')}, status, created_at, updated_at)
         VALUES (?1, ?2, ${marks}, ?${cols.length + 3}, ?${cols.length + 4}, ?${cols.length + 4}) ON CONFLICT DO NOTHING`,
      )
      .bind(tenantId, id, ...values, body.status ?? 'draft', now)
      .run();
    return (r.meta.changes ?? 0) > 0;
  }

  /** Changes the given fields; false when there is no such content. */
  async update(kind: SlotContentKind, tenantId: string, id: string, patch: Record<string, unknown>, now: string): Promise<boolean> {
    const t = SLOT_TABLES[kind];
    const sets: string[] = [];
    const values: unknown[] = [];
    for (const [field, value] of Object.entries(patch)) {
      if (value === undefined) continue;
      const col = field === 'status' ? 'status' : t.columns[field];
      if (!col) continue;
      values.push(value);
      sets.push(`${col} = ?${values.length + 2}`);
    }
    values.push(now);
    sets.push(`updated_at = ?${values.length + 2}`);
    const r = await this.db
      .prepare(`UPDATE ${t.table} SET ${sets.join(', ')} WHERE tenant_id = ?1 AND ${t.idColumn} = ?2`)
      .bind(tenantId, id, ...values)
      .run();
    return (r.meta.changes ?? 0) > 0;
  }

  async delete(kind: SlotContentKind, tenantId: string, id: string): Promise<boolean> {
    const t = SLOT_TABLES[kind];
    const r = await this.db.prepare(`DELETE FROM ${t.table} WHERE tenant_id = ?1 AND ${t.idColumn} = ?2`).bind(tenantId, id).run();
    return (r.meta.changes ?? 0) > 0;
  }
}

/** The statement a schedule's publish / unpublish runs on a slot content row (all A/B variants' ids). */
export function slotStatusStatement(db: D1Database, kind: SlotContentKind, tenantId: string, ids: string[], published: boolean, now: string): D1PreparedStatement {
  const t = SLOT_TABLES[kind];
  return db
    .prepare(`UPDATE ${t.table} SET status = ?2, updated_at = ?3 WHERE tenant_id = ?1 AND ${t.idColumn} IN (SELECT value FROM json_each(?4))`)
    .bind(tenantId, published ? 'published' : 'unpublished', now, JSON.stringify(ids));
}

/**
 * Whether slot content exists. A missing table means it cannot exist in this deployment: false,
 * never "cannot tell, so yes" (a schedule must not point at nothing).
 */
export async function slotContentExists(db: D1Database, kind: SlotContentKind, tenantId: string, id: string): Promise<boolean> {
  const t = SLOT_TABLES[kind];
  try {
    return !!(await db.prepare(`SELECT 1 AS x FROM ${t.table} WHERE tenant_id = ?1 AND ${t.idColumn} = ?2`).bind(tenantId, id).first());
  } catch (e) {
    if (missingTable(e)) return false;
    throw e;
  }
}
