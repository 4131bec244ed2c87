import { z } from 'zod';
import {
  apiErrorFromZod,
  CreateMySubscriptionRequest,
  CreateSubscriptionRequest,
  LineLink as LineLinkSchema,
  LineLinkListResponse,
  PutLineLinkRequest,
  PutLineLinksRequest,
  PutLineLinksResponse,
  Slug,
  Subscription as SubscriptionSchema,
  SubscriptionListQuery,
  SubscriptionListResponse,
  SubscriptionTargetKind,
  UserId,
  type LineLink,
  type Subscription,
} from '@vidplat/contracts';
import type { Context } from 'hono';
import type { AppEnv } from '../../env.js';
import { errorBody } from '../../http/errors.js';
import { ApiRoutes, defineRoute, empty, json, jsonBody, type Access } from '../../http/api-routes.js';
import { requireKey, requireKeyOrUserToken } from '../../tenancy/auth.js';
import { readJson } from '../shared/http.js';

type SubRow = { user_id: string; target_kind: string; target_id: string; created_at: string };
const view = (r: SubRow): Subscription => ({ userId: r.user_id, targetKind: r.target_kind as Subscription['targetKind'], targetId: r.target_id, createdAt: r.created_at });

async function subscribe(c: Context<AppEnv>, body: unknown) {
  const p = CreateSubscriptionRequest.safeParse(body);
  if (!p.success) return c.json({ error: apiErrorFromZod(p.error) }, 400);
  const now = new Date().toISOString();
  await c.env.CATALOGUE.prepare('INSERT INTO subscriptions (tenant_id, user_id, target_kind, target_id, created_at) VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT DO NOTHING')
    .bind(c.var.principal.tenantId, p.data.userId, p.data.targetKind, p.data.targetId, now)
    .run();
  const row = await c.env.CATALOGUE.prepare('SELECT user_id, target_kind, target_id, created_at FROM subscriptions WHERE tenant_id = ?1 AND target_kind = ?2 AND target_id = ?3 AND user_id = ?4')
    .bind(c.var.principal.tenantId, p.data.targetKind, p.data.targetId, p.data.userId)
    .first<SubRow>();
  return c.json(view(row!), 201);
}

async function unsubscribe(c: Context<AppEnv>, userId: string, targetKind: string, targetId: string) {
  const k = SubscriptionTargetKind.safeParse(targetKind);
  if (!k.success) return c.json(errorBody('invalid_field', `targetKind must be one of ${SubscriptionTargetKind.options.join(', ')}`, 'targetKind'), 400);
  const r = await c.env.CATALOGUE.prepare('DELETE FROM subscriptions WHERE tenant_id = ?1 AND target_kind = ?2 AND target_id = ?3 AND user_id = ?4')
    .bind(c.var.principal.tenantId, k.data, targetId, userId)
    .run();
  return r.meta.changes ? c.body(null, 204) : c.json(errorBody('not_found', 'no such subscription'), 404);
}

async function listSubs(c: Context<AppEnv>, query: Record<string, string>) {
  const p = SubscriptionListQuery.safeParse(query);
  if (!p.success) return c.json({ error: apiErrorFromZod(p.error, 'invalid_query') }, 400);
  const where = ['tenant_id = ?1'];
  const args: (string | number)[] = [c.var.principal.tenantId];
  for (const [col, v] of [
    ['user_id', p.data.userId],
    ['target_kind', p.data.targetKind],
    ['target_id', p.data.targetId],
  ] as const) {
    if (v !== undefined) {
      args.push(v);
      where.push(`${col} = ?${args.length}`);
    }
  }
  args.push(p.data.limit);
  const rows = await c.env.CATALOGUE.prepare(`SELECT user_id, target_kind, target_id, created_at FROM subscriptions WHERE ${where.join(' AND ')} ORDER BY created_at, user_id LIMIT ?${args.length}`)
    .bind(...args)
    .all<SubRow>();
  return c.json({ items: rows.results.map(view) });
}

type LinkRow = { user_id: string; line_user_id: string; linked_at: string };
const linkView = (r: LinkRow): LineLink => ({ userId: r.user_id, lineUserId: r.line_user_id, linkedAt: r.linked_at });

/**
 * Subscriptions (user ↔ series / course / channel / video) and platform-user ↔ LINE-user-id links,
 * both in D1. The tenant's back office manages both under /v1/admin; an end user (token, or a key
 * acting as the user) manages their own subscriptions under /v1/me.
 */
const routes = new ApiRoutes();
// One key check per prefix (an unknown path under it is a 401 before a 404, as before).
routes.use('/v1/admin/subscriptions', requireKey('admin', 'senior', 'super'));
routes.use('/v1/admin/subscriptions/*', requireKey('admin', 'senior', 'super'));
routes.use('/v1/admin/line-links', requireKey('admin', 'senior', 'super'));
routes.use('/v1/admin/line-links/*', requireKey('admin', 'senior', 'super'));
routes.use('/v1/me/subscriptions', requireKeyOrUserToken());
routes.use('/v1/me/subscriptions/*', requireKeyOrUserToken());
/** Document the prefix checks above. */
const admins: Access = { scheme: 'apiKey', roles: ['admin', 'senior', 'super'] };
const me: Access = { scheme: 'apiKeyOrUserToken' };
const tags = ['subscriptions'];
const subTarget = { targetKind: z.string(), targetId: z.string() };
const userParam = z.object({ userId: z.string() });
const NAME_THE_USER = 'The acting user: an end-user token, or a key with X-User-Id and act_as_user (400 otherwise).';

export const subscriptionRoutes = routes
  .endpoint(defineRoute({ method: 'get', path: '/v1/admin/subscriptions', tags, access: admins, request: { query: SubscriptionListQuery }, responses: { 200: json(SubscriptionListResponse) }, errors: [400] }), (c) => listSubs(c, c.req.query()))
  .endpoint(defineRoute({ method: 'post', path: '/v1/admin/subscriptions', tags, access: admins, description: 'Subscribes a user (idempotent).', request: { body: jsonBody(CreateSubscriptionRequest) }, responses: { 201: json(SubscriptionSchema, 'subscribed') }, errors: [400] }), async (c) => {
    const b = await readJson(c);
    return b instanceof Response ? b : subscribe(c, b.body);
  })
  .endpoint(defineRoute({ method: 'delete', path: '/v1/admin/subscriptions/{targetKind}/{targetId}/{userId}', tags, access: admins, request: { params: z.object({ ...subTarget, userId: z.string() }) }, responses: { 204: empty('unsubscribed') }, errors: [400, 404] }), (c) => unsubscribe(c, c.req.param('userId'), c.req.param('targetKind'), c.req.param('targetId')))
  .endpoint(defineRoute({ method: 'get', path: '/v1/admin/line-links', tags, access: admins, description: 'The first 1000 links by user id.', request: { query: z.object({ userId: UserId.optional() }) }, responses: { 200: json(LineLinkListResponse) }, errors: [400] }), async (c) => {
    const user = c.req.query('userId');
    if (user !== undefined && !UserId.safeParse(user).success) return c.json(errorBody('invalid_query', 'userId is not a valid user id', 'userId'), 400);
    const rows = await c.env.CATALOGUE.prepare(
      `SELECT user_id, line_user_id, linked_at FROM line_links WHERE tenant_id = ?1 ${user ? 'AND user_id = ?2' : ''} ORDER BY user_id LIMIT 1000`,
    )
      .bind(c.var.principal.tenantId, ...(user ? [user] : []))
      .all<LinkRow>();
    return c.json({ items: rows.results.map(linkView) });
  })
  .endpoint(defineRoute({ method: 'put', path: '/v1/admin/line-links', tags, access: admins, description: 'Links many users at once (all or nothing).', request: { body: jsonBody(PutLineLinksRequest) }, responses: { 200: json(PutLineLinksResponse) }, errors: [400, 409] }), async (c) => {
    const b = await readJson(c);
    if (b instanceof Response) return b;
    const p = PutLineLinksRequest.safeParse(b.body);
    if (!p.success) return c.json({ error: apiErrorFromZod(p.error) }, 400);
    const seenUser = new Set<string>();
    const seenLine = new Map<string, string>();
    for (const [i, l] of p.data.links.entries()) {
      if (seenUser.has(l.userId)) return c.json(errorBody('invalid_field', `user ${l.userId} appears twice`, `links.${i}.userId`), 400);
      const other = seenLine.get(l.lineUserId);
      if (other) return c.json(errorBody('invalid_field', `LINE user ${l.lineUserId} is given to ${other} and ${l.userId}`, `links.${i}.lineUserId`), 400);
      seenUser.add(l.userId);
      seenLine.set(l.lineUserId, l.userId);
    }
    const now = new Date().toISOString();
    const db = c.env.CATALOGUE;
    const tenant = c.var.principal.tenantId;
    // A LINE id held by a user outside this request is a conflict, as for a single link.
    for (let i = 0; i < p.data.links.length; i += 90) {
      const part = p.data.links.slice(i, i + 90);
      const taken = await db
        .prepare(`SELECT user_id, line_user_id FROM line_links WHERE tenant_id = ?1 AND line_user_id IN (${part.map((_, j) => `?${j + 2}`).join(',')})`)
        .bind(tenant, ...part.map((l) => l.lineUserId))
        .all<{ user_id: string; line_user_id: string }>();
      const clash = taken.results.find((r) => seenLine.get(r.line_user_id) !== r.user_id && !seenUser.has(r.user_id));
      if (clash) {
        const idx = p.data.links.findIndex((l) => l.lineUserId === clash.line_user_id);
        return c.json(errorBody('conflict', `LINE user ${clash.line_user_id} is linked to another user`, `links.${idx}.lineUserId`), 409);
      }
    }
    // Users re-linked in this request release their old LINE ids first (one batch: all or nothing).
    await db.batch([
      ...p.data.links.map((l) => db.prepare('DELETE FROM line_links WHERE tenant_id = ?1 AND user_id = ?2').bind(tenant, l.userId)),
      ...p.data.links.map((l) => db.prepare('INSERT INTO line_links (tenant_id, user_id, line_user_id, linked_at) VALUES (?1, ?2, ?3, ?4)').bind(tenant, l.userId, l.lineUserId, now)),
    ]);
    return c.json({ linked: p.data.links.length });
  })
  .endpoint(defineRoute({ method: 'put', path: '/v1/admin/line-links/{userId}', tags, access: admins, request: { params: userParam, body: jsonBody(PutLineLinkRequest) }, responses: { 200: json(LineLinkSchema) }, errors: [400, 409] }), async (c) => {
    const userId = c.req.param('userId');
    if (!UserId.safeParse(userId).success) return c.json(errorBody('invalid_field', 'not a valid user id', 'userId'), 400);
    const b = await readJson(c);
    if (b instanceof Response) return b;
    const p = PutLineLinkRequest.safeParse(b.body);
    if (!p.success) return c.json({ error: apiErrorFromZod(p.error) }, 400);
    const taken = await c.env.CATALOGUE.prepare('SELECT user_id FROM line_links WHERE tenant_id = ?1 AND line_user_id = ?2 AND user_id != ?3')
      .bind(c.var.principal.tenantId, p.data.lineUserId, userId)
      .first<{ user_id: string }>();
    if (taken) return c.json(errorBody('conflict', `LINE user ${p.data.lineUserId} is linked to another user`, 'lineUserId'), 409);
    const now = new Date().toISOString();
    await c.env.CATALOGUE.prepare(
      'INSERT INTO line_links (tenant_id, user_id, line_user_id, linked_at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (tenant_id, user_id) DO UPDATE SET line_user_id = excluded.line_user_id, linked_at = excluded.linked_at',
    )
      .bind(c.var.principal.tenantId, userId, p.data.lineUserId, now)
      .run();
    return c.json(linkView({ user_id: userId, line_user_id: p.data.lineUserId, linked_at: now }));
  })
  .endpoint(defineRoute({ method: 'delete', path: '/v1/admin/line-links/{userId}', tags, access: admins, request: { params: userParam }, responses: { 204: empty('unlinked') }, errors: [404] }), async (c) => {
    const r = await c.env.CATALOGUE.prepare('DELETE FROM line_links WHERE tenant_id = ?1 AND user_id = ?2').bind(c.var.principal.tenantId, c.req.param('userId')).run();
    return r.meta.changes ? c.body(null, 204) : c.json(errorBody('not_found', 'no link for this user'), 404);
  })
  // The acting end user's own subscriptions.
  .endpoint(defineRoute({ method: 'get', path: '/v1/me/subscriptions', tags, access: me, description: NAME_THE_USER, request: { query: SubscriptionListQuery.omit({ userId: true }) }, responses: { 200: json(SubscriptionListResponse) }, errors: [400] }), (c) => {
    const me = c.var.principal.userId;
    if (!me) return c.json(errorBody('invalid_field', 'name the user (end-user token, or X-User-Id with act_as_user)', 'userId'), 400);
    return listSubs(c, { ...c.req.query(), userId: me });
  })
  .endpoint(defineRoute({ method: 'post', path: '/v1/me/subscriptions', tags, access: me, description: NAME_THE_USER, request: { body: jsonBody(CreateMySubscriptionRequest) }, responses: { 201: json(SubscriptionSchema, 'subscribed') }, errors: [400] }), async (c) => {
    const me = c.var.principal.userId;
    if (!me) return c.json(errorBody('invalid_field', 'name the user (end-user token, or X-User-Id with act_as_user)', 'userId'), 400);
    const b = await readJson(c);
    if (b instanceof Response) return b;
    return subscribe(c, { ...(typeof b.body === 'object' && b.body ? b.body : {}), userId: me });
  })
  .endpoint(defineRoute({ method: 'delete', path: '/v1/me/subscriptions/{targetKind}/{targetId}', tags, access: me, description: NAME_THE_USER, request: { params: z.object(subTarget) }, responses: { 204: empty('unsubscribed') }, errors: [400, 404] }), (c) => {
    const me = c.var.principal.userId;
    if (!me) return c.json(errorBody('invalid_field', 'name the user (end-user token, or X-User-Id with act_as_user)', 'userId'), 400);
    if (!Slug.safeParse(c.req.param('targetId')).success) return c.json(errorBody('invalid_field', 'not a valid target id', 'targetId'), 400);
    return unsubscribe(c, me, c.req.param('targetKind'), c.req.param('targetId'));
  });
