import type { Context } from 'hono';
import { z } from 'zod';
import {
  Announcement,
  AnnouncementListResponse,
  apiErrorFromZod,
  Banner,
  BannerListResponse,
  CreateAnnouncementRequest,
  CreateBannerRequest,
  CreateRecommendationSlotRequest,
  LiveAnnouncementsQuery,
  LiveAnnouncementsResponse,
  LiveBannersQuery,
  LiveBannersResponse,
  RecommendationSlot,
  RecommendationSlotListResponse,
  SLOT_CONTENT_KINDS,
  SlotContentListQuery,
  UpdateAnnouncementRequest,
  UpdateBannerRequest,
  UpdateRecommendationSlotRequest,
  type SlotContentKind,
} from '@vidplat/contracts';
import type { AppEnv } from '../env.js';
import { errorBody, sendError } from '../http/errors.js';
import { access, ApiRoutes, defineRoute, empty, json, jsonBody as bodyOf } from '../http/api-routes.js';
import { ScenarioStore } from '../scenarios/store.js';
import { exposureEvents, sendExposures } from './exposures.js';
import { viewerStates, visibleSlotContent } from './live-content.js';
import { forgetPinnedSlots } from './pinned-slots.js';
import { SlotStore } from './slot-store.js';

/**
 * Slot content: CRUD under the tenant admin API (`/v1/admin/content/{banners,announcements,slots}`,
 * super/admin keys; senior may read), and the app read APIs (`GET /v1/content/banners?placement=`,
 * `GET /v1/content/announcements`) that show what is live for the acting user. Bodies are the
 * contracts schemas (content-slots.ts).
 */

const editors = access.key('super', 'admin');
const readers = access.key('super', 'admin', 'senior');
const tags = ['content'];
const params = z.object({ id: z.string() });
const ADMIN = '/v1/admin/content' as const;

interface KindSchemas {
  create: z.ZodType<{ id: string } & Record<string, unknown>>;
  update: z.ZodType<Record<string, unknown>>;
  view: z.ZodType;
  list: z.ZodType;
}
const SCHEMAS: Record<SlotContentKind, KindSchemas> = {
  banner: { create: CreateBannerRequest, update: UpdateBannerRequest, view: Banner, list: BannerListResponse },
  announcement: { create: CreateAnnouncementRequest, update: UpdateAnnouncementRequest, view: Announcement, list: AnnouncementListResponse },
  recommendation_slot: { create: CreateRecommendationSlotRequest, update: UpdateRecommendationSlotRequest, view: RecommendationSlot, list: RecommendationSlotListResponse },
};

const SEVERITY_RANK = { critical: 2, warning: 1, info: 0 } as const;
const noSuch = (kind: SlotContentKind, id: string) => errorBody('not_found', `no ${kind} ${id} in this tenant`, 'id');

async function jsonBody(c: Context<AppEnv>): Promise<{ body: unknown } | Response> {
  try {
    return { body: await c.req.json() };
  } catch {
    return c.json(errorBody('invalid_body', 'body is not JSON'), 400);
  }
}

/** A slot's scenario and item must exist in the tenant: 404 naming the field otherwise. */
async function slotReferences(c: Context<AppEnv>, tenantId: string, body: Record<string, unknown>): Promise<Response | null> {
  if (typeof body.scenario === 'string' && !(await new ScenarioStore(c.env.CATALOGUE).get(tenantId, body.scenario))) {
    return c.json(errorBody('not_found', `no scenario ${body.scenario} in this tenant`, 'scenario'), 404);
  }
  if (typeof body.itemId === 'string') {
    const item = await c.env.CATALOGUE.prepare('SELECT 1 AS x FROM items WHERE tenant_id = ?1 AND item_id = ?2').bind(tenantId, body.itemId).first();
    if (!item) return c.json(errorBody('not_found', `no item ${body.itemId} in this tenant`, 'itemId'), 404);
  }
  return null;
}

function crud(kind: SlotContentKind) {
  const path = `${ADMIN}/${SLOT_CONTENT_KINDS[kind]}` as const;
  const schemas = SCHEMAS[kind];
  const changed = (tenantId: string) => {
    if (kind === 'recommendation_slot') forgetPinnedSlots(tenantId);
  };
  const one = `${path}/{id}` as const;
  return new ApiRoutes()
    .endpoint(defineRoute({ method: 'get', path, tags, access: readers, request: { query: SlotContentListQuery }, responses: { 200: json(schemas.list) }, errors: [400] }), async (c) => {
      const q = SlotContentListQuery.safeParse(c.req.query());
      if (!q.success) return sendError(c, 400, apiErrorFromZod(q.error, 'invalid_query'));
      return c.json({ items: await new SlotStore(c.env.CATALOGUE).list(kind, c.var.principal.tenantId, q.data) });
    })
    .endpoint(defineRoute({ method: 'post', path, tags, access: editors, request: { body: bodyOf(schemas.create) }, responses: { 201: json(schemas.view, 'created') }, errors: [400, 404, 409] }), async (c) => {
      const b = await jsonBody(c);
      if (b instanceof Response) return b;
      const p = schemas.create.safeParse(b.body);
      if (!p.success) return sendError(c, 400, apiErrorFromZod(p.error, 'invalid_field'));
      const { tenantId } = c.var.principal;
      if (kind === 'recommendation_slot') {
        const bad = await slotReferences(c, tenantId, p.data);
        if (bad) return bad;
      }
      const { id, ...fields } = p.data;
      const store = new SlotStore(c.env.CATALOGUE);
      if (!(await store.create(kind, tenantId, id, fields, new Date().toISOString()))) {
        return c.json(errorBody('conflict', `${kind} ${id} exists`, 'id'), 409);
      }
      changed(tenantId);
      return c.json(await store.get(kind, tenantId, id), 201);
    })
    .endpoint(defineRoute({ method: 'get', path: one, tags, access: readers, request: { params }, responses: { 200: json(schemas.view) }, errors: [404] }), async (c) => {
      const row = await new SlotStore(c.env.CATALOGUE).get(kind, c.var.principal.tenantId, c.req.param('id'));
      return row ? c.json(row) : c.json(noSuch(kind, c.req.param('id')), 404);
    })
    .endpoint(defineRoute({ method: 'patch', path: one, tags, access: editors, request: { params, body: bodyOf(schemas.update) }, responses: { 200: json(schemas.view) }, errors: [400, 404] }), async (c) => {
      const b = await jsonBody(c);
      if (b instanceof Response) return b;
      const p = schemas.update.safeParse(b.body);
      if (!p.success) return sendError(c, 400, apiErrorFromZod(p.error, 'invalid_field'));
      const { tenantId } = c.var.principal;
      const id = c.req.param('id');
      const store = new SlotStore(c.env.CATALOGUE);
      if (!(await store.get(kind, tenantId, id))) return c.json(noSuch(kind, id), 404);
      if (kind === 'recommendation_slot') {
        const bad = await slotReferences(c, tenantId, p.data);
        if (bad) return bad;
      }
      await store.update(kind, tenantId, id, p.data, new Date().toISOString());
      changed(tenantId);
      return c.json(await store.get(kind, tenantId, id));
    })
    .endpoint(defineRoute({ method: 'delete', path: one, tags, access: editors, request: { params }, responses: { 204: empty('deleted') }, errors: [404] }), async (c) => {
      const { tenantId } = c.var.principal;
      const ok = await new SlotStore(c.env.CATALOGUE).delete(kind, tenantId, c.req.param('id'));
      changed(tenantId);
      return ok ? c.body(null, 204) : c.json(noSuch(kind, c.req.param('id')), 404);
    });
}

/** The acting end user (personal key, end-user token, or X-User-Id with act_as_user), else anonymous. */
const userOf = (c: Context<AppEnv>): string | null => c.var.principal.boundUser ?? c.var.principal.userId ?? null;

const liveContentRoutes = new ApiRoutes()
  .endpoint(defineRoute({ method: 'get', path: '/v1/content/banners', tags, access: access.keyOrUserToken(), description: 'The banners live for the acting user at a placement, best first.', request: { query: LiveBannersQuery }, responses: { 200: json(LiveBannersResponse) }, errors: [400] }), async (c) => {
    const q = LiveBannersQuery.safeParse(c.req.query());
    if (!q.success) return sendError(c, 400, apiErrorFromZod(q.error, 'invalid_query'));
    const { tenantId } = c.var.principal;
    const user = userOf(c);
    const rows = await new SlotStore(c.env.CATALOGUE).published('banner', tenantId, { column: 'placement', value: q.data.placement });
    const { states, viewer } = await viewerStates(c, tenantId, user);
    const served = visibleSlotContent(states, 'banner', rows, viewer).slice(0, q.data.limit);
    const body: LiveBannersResponse = {
      items: served.map(({ content: b, arm }) => ({ id: b.id, placement: b.placement, imageUrl: b.imageUrl, linkUrl: b.linkUrl, title: b.title, priority: b.priority, ...(arm ? { experiment: arm } : {}) })),
    };
    await exposeArms(c, tenantId, user, served);
    return c.json(body);
  })
  .endpoint(defineRoute({ method: 'get', path: '/v1/content/announcements', tags, access: access.keyOrUserToken(), description: 'The announcements live for the acting user: critical first, then by priority.', request: { query: LiveAnnouncementsQuery }, responses: { 200: json(LiveAnnouncementsResponse) }, errors: [400] }), async (c) => {
    const q = LiveAnnouncementsQuery.safeParse(c.req.query());
    if (!q.success) return sendError(c, 400, apiErrorFromZod(q.error, 'invalid_query'));
    const { tenantId } = c.var.principal;
    const user = userOf(c);
    const rows = await new SlotStore(c.env.CATALOGUE).published('announcement', tenantId);
    const { states, viewer } = await viewerStates(c, tenantId, user);
    // Critical first, then warnings, then the rest; by priority within a severity.
    rows.sort((a, b) => SEVERITY_RANK[b.severity] - SEVERITY_RANK[a.severity] || b.priority - a.priority || a.id.localeCompare(b.id));
    const served = visibleSlotContent(states, 'announcement', rows, viewer).slice(0, q.data.limit);
    const body: LiveAnnouncementsResponse = {
      items: served.map(({ content: a, arm }) => ({ id: a.id, title: a.title, body: a.body, severity: a.severity, priority: a.priority, ...(arm ? { experiment: arm } : {}) })),
    };
    await exposeArms(c, tenantId, user, served);
    return c.json(body);
  });

export const slotContentRoutes = new ApiRoutes()
  .route('/', crud('banner'))
  .route('/', crud('announcement'))
  .route('/', crud('recommendation_slot'))
  .route('/', liveContentRoutes);

async function exposeArms(c: Context<AppEnv>, tenantId: string, user: string | null, served: { content: { id: string }; arm?: { id: string; variant: string } }[]): Promise<void> {
  if (!user) return;
  const exposed = served.flatMap((s, position) => (s.arm ? [{ contentId: s.content.id, arm: s.arm, position }] : []));
  await sendExposures(c, exposureEvents(tenantId, user, exposed));
}
