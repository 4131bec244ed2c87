import { Hono, type Context } from 'hono';
import {
  apiErrorFromZod,
  CreateAnnouncementRequest,
  CreateBannerRequest,
  CreateRecommendationSlotRequest,
  LiveAnnouncementsQuery,
  LiveBannersQuery,
  SLOT_CONTENT_KINDS,
  SlotContentListQuery,
  UpdateAnnouncementRequest,
  UpdateBannerRequest,
  UpdateRecommendationSlotRequest,
  type LiveAnnouncementsResponse,
  type LiveBannersResponse,
  type SlotContentKind,
} from '@vidplat/contracts';
import type { z } from 'zod';
import type { AppEnv } from '../env.js';
import { errorBody, sendError } from '../http/errors.js';
import { requireKey, requireKeyOrUserToken } from '../tenancy/auth.js';
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

const editors = requireKey('super', 'admin');
const readers = requireKey('super', 'admin', 'senior');
const ADMIN = '/v1/admin/content';

interface KindSchemas {
  create: z.ZodType<{ id: string } & Record<string, unknown>>;
  update: z.ZodType<Record<string, unknown>>;
}
const SCHEMAS: Record<SlotContentKind, KindSchemas> = {
  banner: { create: CreateBannerRequest, update: UpdateBannerRequest },
  announcement: { create: CreateAnnouncementRequest, update: UpdateAnnouncementRequest },
  recommendation_slot: { create: CreateRecommendationSlotRequest, update: UpdateRecommendationSlotRequest },
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
  const path = `${ADMIN}/${SLOT_CONTENT_KINDS[kind]}`;
  const schemas = SCHEMAS[kind];
  const changed = (tenantId: string) => {
    if (kind === 'recommendation_slot') forgetPinnedSlots(tenantId);
  };
  return new Hono<AppEnv>()
    .get(path, readers, async (c) => {
      const q = SlotContentListQuery.safeParse(c.req.query());
      if (!q.success) return sendError(c, 400, apiErrorFromZod(q.error, 'invalid_query'));
      return c.json({ items: await new SlotStore(c.env.CATALOGUE).list(kind, c.var.principal.tenantId, q.data) });
    })
    .post(path, editors, async (c) => {
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
    .get(`${path}/:id`, readers, async (c) => {
      const row = await new SlotStore(c.env.CATALOGUE).get(kind, c.var.principal.tenantId, c.req.param('id'));
      return row ? c.json(row) : c.json(noSuch(kind, c.req.param('id')), 404);
    })
    .patch(`${path}/:id`, editors, async (c) => {
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
    .delete(`${path}/:id`, editors, async (c) => {
      const { tenantId } = c.var.principal;
      const ok = await new SlotStore(c.env.CATALOGUE).delete(kind, tenantId, c.req.param('id'));
      changed(tenantId);
      return ok ? c.body(null, 204) : c.json(noSuch(kind, c.req.param('id')), 404);
    });
}

/** The acting end user (personal key, end-user token, or X-User-Id with act_as_user), else anonymous. */
const userOf = (c: Context<AppEnv>): string | null => c.var.principal.boundUser ?? c.var.principal.userId ?? null;

export const slotContentRoutes = new Hono<AppEnv>()
  .route('/', crud('banner'))
  .route('/', crud('announcement'))
  .route('/', crud('recommendation_slot'))
  .get('/v1/content/banners', requireKeyOrUserToken(), async (c) => {
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
  .get('/v1/content/announcements', requireKeyOrUserToken(), async (c) => {
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

async function exposeArms(c: Context<AppEnv>, tenantId: string, user: string | null, served: { content: { id: string }; arm?: { id: string; variant: string } }[]): Promise<void> {
  if (!user) return;
  const exposed = served.flatMap((s, position) => (s.arm ? [{ contentId: s.content.id, arm: s.arm, position }] : []));
  await sendExposures(c, exposureEvents(tenantId, user, exposed));
}
