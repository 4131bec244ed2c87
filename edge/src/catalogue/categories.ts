import { z } from 'zod';
import { Category, CategoryView, CreateCategoryRequest, CreateTagRequest, Tag, TagType, UpdateCategoryRequest, UpdateTagRequest } from '@vidplat/contracts';
import type { AppEnv } from '../env.js';
import { errorBody } from '../http/errors.js';
import { access, ApiRoutes, defineRoute, empty, json, jsonBody } from '../http/api-routes.js';
import { bad, body, HttpFail, isManager, MANAGER_ROLES, notFound, nowIso } from './http.js';
import { toCategory, toTag, type CategoryRow, type TagRow } from './rows.js';

/** Deepest level a category may sit at (root = 0), as the Category contract allows. */
const MAX_LEVEL = 10;

const getCategory = (db: D1Database, tenantId: string, id: string) =>
  db.prepare('SELECT * FROM categories WHERE tenant_id = ?1 AND category_id = ?2 AND deleted_at IS NULL').bind(tenantId, id).first<CategoryRow>();

/** True when `path` is `root` itself or lies below it. */
const inSubtree = (path: string, root: string) => path === root || path.startsWith(`${root}/`);

/** Depth-first, siblings by sort order then id: the order a navigation tree is drawn in. */
function treeOrder<T extends { parentId: string | null; id: string; sortOrder: number }>(items: T[]): T[] {
  const byParent = new Map<string | null, T[]>();
  for (const i of items) byParent.set(i.parentId, [...(byParent.get(i.parentId) ?? []), i]);
  const ids = new Set(items.map((i) => i.id));
  const out: T[] = [];
  const walk = (parent: string | null) => {
    for (const i of (byParent.get(parent) ?? []).sort((a, b) => a.sortOrder - b.sortOrder || a.id.localeCompare(b.id))) {
      out.push(i);
      walk(i.id);
    }
  };
  walk(null);
  // Children of inactive or filtered-out parents still appear, after the tree.
  for (const [parent, list] of byParent) if (parent !== null && !ids.has(parent)) for (const i of list) if (!out.includes(i)) out.push(i);
  return out;
}

const managers = access.key(...MANAGER_ROLES);
const tags = ['catalogue'];
const params = z.object({ id: z.string() });

export const categoryRoutes = new ApiRoutes()
  .endpoint(defineRoute({ method: 'get', path: '/v1/categories', tags, access: access.key(), description: 'The tree in display order.', responses: { 200: json(z.object({ items: z.array(CategoryView) })) } }), async (c) => {
    const { tenantId, role } = c.var.principal;
    const { results } = await c.env.CATALOGUE.prepare(
      `SELECT c.*, (SELECT count(*) FROM courses co JOIN categories cc ON cc.tenant_id = co.tenant_id AND cc.category_id = co.category_id
          WHERE co.tenant_id = c.tenant_id AND co.status = 'published' AND co.deleted_at IS NULL
            AND (cc.path = c.path OR substr(cc.path, 1, length(c.path) + 1) = c.path || '/')) AS course_count
       FROM categories c WHERE c.tenant_id = ?1 AND c.deleted_at IS NULL`,
    )
      .bind(tenantId)
      .all<CategoryRow & { course_count: number }>();
    // End users see the active tree only; managers also see inactive branches.
    const items: CategoryView[] = results
      .filter((r) => isManager(role) || r.active)
      .map((r) => ({ ...toCategory(r), courseCount: r.course_count }));
    return c.json({ items: treeOrder(items) });
  })
  .endpoint(defineRoute({ method: 'post', path: '/v1/categories', tags, access: managers, request: { body: jsonBody(CreateCategoryRequest) }, responses: { 201: json(CategoryView, 'created') }, errors: [400, 409] }), async (c) => {
    const b = await body(c, CreateCategoryRequest);
    if (b instanceof HttpFail) return b.res;
    const { tenantId } = c.var.principal;
    const db = c.env.CATALOGUE;
    if (await getCategory(db, tenantId, b.id)) return c.json(errorBody('conflict', `category ${b.id} exists`, 'id'), 409);
    let level = 0;
    let path = b.id;
    if (b.parentId !== null) {
      const parent = await getCategory(db, tenantId, b.parentId);
      if (!parent) return bad(c, 'parentId', `unknown parent category ${b.parentId}`);
      level = parent.level + 1;
      path = `${parent.path}/${b.id}`;
      if (level > MAX_LEVEL) return bad(c, 'parentId', `categories nest at most ${MAX_LEVEL} levels deep`);
    }
    await db
      .prepare('INSERT INTO categories (tenant_id, category_id, parent_id, name, level, path, sort_order, active, created_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)')
      .bind(tenantId, b.id, b.parentId, b.name, level, path, b.sortOrder, b.active ? 1 : 0, nowIso())
      .run();
    return c.json({ ...toCategory((await getCategory(db, tenantId, b.id))!), courseCount: 0 }, 201);
  })
  .endpoint(defineRoute({ method: 'patch', path: '/v1/categories/{id}', tags, access: managers, description: 'Moving under another parent re-paths the subtree; a cycle or nesting past 10 levels is a 400.', request: { params, body: jsonBody(UpdateCategoryRequest) }, responses: { 200: json(Category) }, errors: [400, 404] }), async (c) => {
    const b = await body(c, UpdateCategoryRequest);
    if (b instanceof HttpFail) return b.res;
    const { tenantId } = c.var.principal;
    const db = c.env.CATALOGUE;
    const cat = await getCategory(db, tenantId, c.req.param('id'));
    if (!cat) return notFound(c, 'category', 'id');
    const stmts: D1PreparedStatement[] = [];
    if (b.parentId !== undefined && b.parentId !== cat.parent_id) {
      // Moving a subtree: the new parent must exist and must not lie inside the moved subtree.
      let newPath = cat.category_id;
      let newLevel = 0;
      if (b.parentId !== null) {
        const parent = await getCategory(db, tenantId, b.parentId);
        if (!parent) return bad(c, 'parentId', `unknown parent category ${b.parentId}`);
        if (inSubtree(parent.path, cat.path)) return bad(c, 'parentId', `moving ${cat.category_id} under ${b.parentId} would create a cycle`);
        newPath = `${parent.path}/${cat.category_id}`;
        newLevel = parent.level + 1;
      }
      const deepest = await db
        .prepare("SELECT max(level) AS m FROM categories WHERE tenant_id = ?1 AND (path = ?2 OR substr(path, 1, length(?2) + 1) = ?2 || '/')")
        .bind(tenantId, cat.path)
        .first<{ m: number }>();
      const delta = newLevel - cat.level;
      if ((deepest?.m ?? cat.level) + delta > MAX_LEVEL) return bad(c, 'parentId', `categories nest at most ${MAX_LEVEL} levels deep`);
      stmts.push(
        db
          .prepare(
            `UPDATE categories SET path = ?3 || substr(path, length(?2) + 1), level = level + ?4
             WHERE tenant_id = ?1 AND (path = ?2 OR substr(path, 1, length(?2) + 1) = ?2 || '/')`,
          )
          .bind(tenantId, cat.path, newPath, delta),
        db.prepare('UPDATE categories SET parent_id = ?3 WHERE tenant_id = ?1 AND category_id = ?2').bind(tenantId, cat.category_id, b.parentId),
      );
    }
    if (b.name !== undefined || b.sortOrder !== undefined || b.active !== undefined) {
      stmts.push(
        db
          .prepare('UPDATE categories SET name = ?3, sort_order = ?4, active = ?5 WHERE tenant_id = ?1 AND category_id = ?2')
          .bind(tenantId, cat.category_id, b.name ?? cat.name, b.sortOrder ?? cat.sort_order, b.active === undefined ? cat.active : b.active ? 1 : 0),
      );
    }
    // One batch = one transaction: a moved subtree is never half rewritten.
    if (stmts.length) await db.batch(stmts);
    return c.json(toCategory((await getCategory(db, tenantId, cat.category_id))!));
  })
  .endpoint(defineRoute({ method: 'delete', path: '/v1/categories/{id}', tags, access: managers, request: { params }, responses: { 204: empty('deleted') }, errors: [404, 409] }), async (c) => {
    const { tenantId } = c.var.principal;
    const db = c.env.CATALOGUE;
    const cat = await getCategory(db, tenantId, c.req.param('id'));
    if (!cat) return notFound(c, 'category', 'id');
    const used = await db
      .prepare(
        `SELECT (SELECT count(*) FROM categories WHERE tenant_id = ?1 AND parent_id = ?2 AND deleted_at IS NULL)
              + (SELECT count(*) FROM courses WHERE tenant_id = ?1 AND category_id = ?2 AND deleted_at IS NULL) AS n`,
      )
      .bind(tenantId, cat.category_id)
      .first<{ n: number }>();
    if (used && used.n > 0) return c.json(errorBody('conflict', 'category still has sub-categories or courses', 'id'), 409);
    await db.prepare('UPDATE categories SET deleted_at = ?3 WHERE tenant_id = ?1 AND category_id = ?2').bind(tenantId, cat.category_id, nowIso()).run();
    return c.body(null, 204);
  })
  .endpoint(defineRoute({ method: 'get', path: '/v1/tags', tags, access: access.key(), request: { query: z.object({ type: TagType.optional() }) }, responses: { 200: json(z.object({ items: z.array(Tag) })) }, errors: [400] }), async (c) => {
    const type = c.req.query('type');
    if (type !== undefined && !TagType.safeParse(type).success) return c.json(errorBody('invalid_query', `unknown tag type ${type}`, 'type'), 400);
    const { results } = await c.env.CATALOGUE.prepare('SELECT * FROM tags WHERE tenant_id = ?1 AND (?2 IS NULL OR type = ?2) ORDER BY type, name')
      .bind(c.var.principal.tenantId, type ?? null)
      .all<TagRow>();
    return c.json({ items: results.map(toTag) });
  })
  .endpoint(defineRoute({ method: 'post', path: '/v1/tags', tags, access: managers, request: { body: jsonBody(CreateTagRequest) }, responses: { 201: json(Tag, 'created') }, errors: [400, 409] }), async (c) => {
    const b = await body(c, CreateTagRequest);
    if (b instanceof HttpFail) return b.res;
    const { tenantId } = c.var.principal;
    const r = await c.env.CATALOGUE.prepare('INSERT OR IGNORE INTO tags (tenant_id, tag_id, name, type, color) VALUES (?1, ?2, ?3, ?4, ?5)')
      .bind(tenantId, b.id, b.name, b.type, b.color)
      .run();
    if (!r.meta.changes) return c.json(errorBody('conflict', `tag ${b.id} exists`, 'id'), 409);
    return c.json({ ...b, tenantId }, 201);
  })
  .endpoint(defineRoute({ method: 'patch', path: '/v1/tags/{id}', tags, access: managers, request: { params, body: jsonBody(UpdateTagRequest) }, responses: { 200: json(Tag) }, errors: [400, 404] }), async (c) => {
    const b = await body(c, UpdateTagRequest);
    if (b instanceof HttpFail) return b.res;
    const { tenantId } = c.var.principal;
    const db = c.env.CATALOGUE;
    const tag = await db.prepare('SELECT * FROM tags WHERE tenant_id = ?1 AND tag_id = ?2').bind(tenantId, c.req.param('id')).first<TagRow>();
    if (!tag) return notFound(c, 'tag', 'id');
    const next = { ...toTag(tag), ...b };
    await db.prepare('UPDATE tags SET name = ?3, type = ?4, color = ?5 WHERE tenant_id = ?1 AND tag_id = ?2').bind(tenantId, tag.tag_id, next.name, next.type, next.color).run();
    return c.json(next);
  })
  .endpoint(defineRoute({ method: 'delete', path: '/v1/tags/{id}', tags, access: managers, request: { params }, responses: { 204: empty('deleted') }, errors: [404] }), async (c) => {
    const { tenantId } = c.var.principal;
    const id = c.req.param('id');
    const [r] = await c.env.CATALOGUE.batch([
      c.env.CATALOGUE.prepare('DELETE FROM tags WHERE tenant_id = ?1 AND tag_id = ?2').bind(tenantId, id),
      c.env.CATALOGUE.prepare('DELETE FROM course_tags WHERE tenant_id = ?1 AND tag_id = ?2').bind(tenantId, id),
    ]);
    if (!r!.meta.changes) return notFound(c, 'tag', 'id');
    return c.body(null, 204);
  });
