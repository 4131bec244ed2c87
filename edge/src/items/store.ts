import { attributeType, Item, type ApiError, type AttributeType, type ItemSearchQuery } from '@vidplat/contracts';
import { attributeRows, clauseSql, parseFilter } from './attribute-filter.js';

export interface ItemRow {
  tenant_id: string;
  item_id: string;
  kind: string;
  title: string;
  categories: string;
  tags: string;
  author_id: string | null;
  state: string;
  published_at: string | null;
  unpublish_at: string | null;
  access: string;
  embedding: string | null;
  updated_at: string;
  synced: number;
  attributes?: string | null;
}

export function rowToItem(r: ItemRow): Item {
  return Item.parse({
    tenantId: r.tenant_id,
    itemId: r.item_id,
    kind: r.kind,
    title: r.title,
    categories: JSON.parse(r.categories),
    tags: JSON.parse(r.tags),
    ...(r.author_id ? { authorId: r.author_id } : {}),
    publishedAt: r.published_at,
    unpublishAt: r.unpublish_at,
    state: r.state,
    access: r.access,
    ...(r.embedding ? { embedding: JSON.parse(r.embedding) } : {}),
    ...(r.attributes ? { attributes: JSON.parse(r.attributes) } : {}),
  });
}

/** D1 allows 100 bound parameters per statement: label rows go in chunks of 25 (4 each). */
const LABELS_PER_STATEMENT = 25;

/** The catalogue of recommendable items in D1; every query is scoped to one tenant. */
export class ItemStore {
  constructor(private readonly db: D1Database) {}

  /** Statements that upsert one item with its labels, marking it unsynced. */
  upsertStatements(it: Item, now: string): D1PreparedStatement[] {
    const s: D1PreparedStatement[] = [
      this.db
        .prepare(
          `INSERT INTO items (tenant_id, item_id, kind, title, title_lc, categories, tags, author_id, state, published_at, unpublish_at, access, embedding, updated_at, synced, attributes)
           VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, 0, ?15)
           ON CONFLICT (tenant_id, item_id) DO UPDATE SET kind = excluded.kind, title = excluded.title, title_lc = excluded.title_lc,
             categories = excluded.categories, tags = excluded.tags, author_id = excluded.author_id, state = excluded.state,
             published_at = excluded.published_at, unpublish_at = excluded.unpublish_at, access = excluded.access,
             embedding = excluded.embedding, updated_at = excluded.updated_at, synced = 0, attributes = excluded.attributes`,
        )
        .bind(
          it.tenantId,
          it.itemId,
          it.kind,
          it.title,
          it.title.toLowerCase(),
          JSON.stringify(it.categories),
          JSON.stringify(it.tags),
          it.authorId ?? null,
          it.state,
          it.publishedAt,
          it.unpublishAt ?? null,
          it.access,
          it.embedding ? JSON.stringify(it.embedding) : null,
          now,
          it.attributes && Object.keys(it.attributes).length ? JSON.stringify(it.attributes) : null,
        ),
      this.db.prepare('DELETE FROM item_labels WHERE tenant_id = ?1 AND item_id = ?2').bind(it.tenantId, it.itemId),
      this.db.prepare('DELETE FROM item_attribute_values WHERE tenant_id = ?1 AND item_id = ?2').bind(it.tenantId, it.itemId),
    ];
    // Attribute index rows (D1: at most 100 bound parameters, 5 per row) and the tenant's names.
    const rows = attributeRows(it);
    for (let i = 0; i < rows.length; i += 20) {
      const chunk = rows.slice(i, i + 20);
      s.push(
        this.db
          .prepare(`INSERT INTO item_attribute_values (tenant_id, item_id, name, s, n) VALUES ${chunk.map((_, j) => `(?${j * 5 + 1}, ?${j * 5 + 2}, ?${j * 5 + 3}, ?${j * 5 + 4}, ?${j * 5 + 5})`).join(', ')}`)
          .bind(...chunk.flatMap((r) => [it.tenantId, it.itemId, r.name, r.s, r.n])),
      );
    }
    for (const [name, v] of Object.entries(it.attributes ?? {})) {
      s.push(this.db.prepare('INSERT OR IGNORE INTO item_attribute_names (tenant_id, name, type) VALUES (?1, ?2, ?3)').bind(it.tenantId, name, attributeType(v)));
    }
    const labels: [string, string][] = [...[...new Set(it.categories)].map((l): [string, string] => ['c', l]), ...[...new Set(it.tags)].map((l): [string, string] => ['t', l])];
    for (let i = 0; i < labels.length; i += LABELS_PER_STATEMENT) {
      const chunk = labels.slice(i, i + LABELS_PER_STATEMENT);
      const values = chunk.map((_, j) => `(?${j * 4 + 1}, ?${j * 4 + 2}, ?${j * 4 + 3}, ?${j * 4 + 4})`).join(', ');
      s.push(
        this.db
          .prepare(`INSERT OR IGNORE INTO item_labels (tenant_id, kind, label, item_id) VALUES ${values}`)
          .bind(...chunk.flatMap(([k, l]) => [it.tenantId, k, l, it.itemId])),
      );
    }
    return s;
  }

  async upsertMany(items: Item[]): Promise<void> {
    const now = new Date().toISOString();
    let batch: D1PreparedStatement[] = [];
    for (const it of items) {
      batch.push(...this.upsertStatements(it, now));
      if (batch.length >= 300) {
        await this.db.batch(batch);
        batch = [];
      }
    }
    if (batch.length) await this.db.batch(batch);
  }

  async get(tenantId: string, itemId: string): Promise<Item | null> {
    const r = await this.db.prepare('SELECT * FROM items WHERE tenant_id = ?1 AND item_id = ?2').bind(tenantId, itemId).first<ItemRow>();
    return r ? rowToItem(r) : null;
  }

  async delete(tenantId: string, itemId: string): Promise<boolean> {
    const [r] = await this.db.batch([
      this.db.prepare('DELETE FROM items WHERE tenant_id = ?1 AND item_id = ?2').bind(tenantId, itemId),
      this.db.prepare('DELETE FROM item_labels WHERE tenant_id = ?1 AND item_id = ?2').bind(tenantId, itemId),
      this.db.prepare('DELETE FROM item_attribute_values WHERE tenant_id = ?1 AND item_id = ?2').bind(tenantId, itemId),
    ]);
    return (r?.meta.changes ?? 0) > 0;
  }

  /** The tenant's attribute names and their types. */
  async attributeTypes(tenantId: string): Promise<Map<string, AttributeType>> {
    const { results } = await this.db.prepare('SELECT name, type FROM item_attribute_names WHERE tenant_id = ?1').bind(tenantId).all<{ name: string; type: AttributeType }>();
    return new Map(results.map((r) => [r.name, r.type]));
  }

  async search(tenantId: string, q: ItemSearchQuery): Promise<{ items: Item[]; nextCursor: string | null } | ApiError> {
    const where = ['i.tenant_id = ?1'];
    const args: unknown[] = [tenantId];
    const arg = (v: unknown) => {
      args.push(v);
      return `?${args.length}`;
    };
    if (q.category) where.push(`EXISTS (SELECT 1 FROM item_labels l WHERE l.tenant_id = i.tenant_id AND l.item_id = i.item_id AND l.kind = 'c' AND l.label = ${arg(q.category)})`);
    if (q.tag) where.push(`EXISTS (SELECT 1 FROM item_labels l WHERE l.tenant_id = i.tenant_id AND l.item_id = i.item_id AND l.kind = 't' AND l.label = ${arg(q.tag)})`);
    // Substring match on the lower-cased title; LIKE wildcards in the query are taken literally.
    if (q.q) where.push(`i.title_lc LIKE ${arg(`%${q.q.toLowerCase().replace(/[\\%_]/g, (m) => `\\${m}`)}%`)} ESCAPE '\\'`);
    if (q.state) where.push(`i.state = ${arg(q.state)}`);
    if (q.filter) {
      const clauses = parseFilter(q.filter, await this.attributeTypes(tenantId));
      if (!Array.isArray(clauses)) return clauses;
      for (const cl of clauses) where.push(clauseSql(cl, arg));
    }
    if (q.cursor) where.push(`i.item_id > ${arg(q.cursor)}`);
    const sql = `SELECT i.* FROM items i WHERE ${where.join(' AND ')} ORDER BY i.item_id LIMIT ${arg(q.limit + 1)}`;
    const { results } = await this.db.prepare(sql).bind(...args).all<ItemRow>();
    const page = results.slice(0, q.limit).map(rowToItem);
    return { items: page, nextCursor: results.length > q.limit ? page[page.length - 1]!.itemId : null };
  }

  /** Which of `ids` exist in the tenant's catalogue. */
  async existing(tenantId: string, ids: string[]): Promise<string[]> {
    const out: string[] = [];
    for (let i = 0; i < ids.length; i += 90) {
      const chunk = ids.slice(i, i + 90);
      const marks = chunk.map((_, j) => `?${j + 2}`).join(', ');
      const { results } = await this.db
        .prepare(`SELECT item_id FROM items WHERE tenant_id = ?1 AND item_id IN (${marks})`)
        .bind(tenantId, ...chunk)
        .all<{ item_id: string }>();
      out.push(...results.map((r) => r.item_id));
    }
    return out;
  }

  async unsynced(tenantId: string, limit: number): Promise<Item[]> {
    const { results } = await this.db.prepare('SELECT * FROM items WHERE tenant_id = ?1 AND synced = 0 LIMIT ?2').bind(tenantId, limit).all<ItemRow>();
    return results.map(rowToItem);
  }

  /** Marks rows synced unless they changed again since `asOf` (their updated_at moved on). */
  async markSynced(tenantId: string, items: { itemId: string }[], asOf: string): Promise<void> {
    const s = items.map((it) =>
      this.db.prepare('UPDATE items SET synced = 1 WHERE tenant_id = ?1 AND item_id = ?2 AND updated_at <= ?3').bind(tenantId, it.itemId, asOf),
    );
    for (let i = 0; i < s.length; i += 300) await this.db.batch(s.slice(i, i + 300));
  }
}
