import { z } from 'zod';
import { CampaignBatchListResponse, CampaignListResponse, CampaignView, CreateCampaignRequest, ScheduleCampaignRequest, uuidv7, UuidV7 } from '@vidplat/contracts';
import type { Bindings } from '../../env.js';
import { errorBody } from '../../http/errors.js';
import { ApiRoutes, defineRoute, json, jsonBody, type Access, type ErrorStatus } from '../../http/api-routes.js';
import { requireKey } from '../../tenancy/auth.js';
import { actorOf, readJson, reply } from '../shared/http.js';

/** Named by tenant and id: another tenant's key can never reach the object. */
const campaign = (env: Bindings, tenantId: string, id: string) => env.CAMPAIGN.get(env.CAMPAIGN.idFromName(`${tenantId}:${id}`));
const base = '/v1/admin/campaigns';

const routes = new ApiRoutes();
// One key check for the prefix (an unknown path under it is a 401 before a 404, as before).
routes.use(base, requireKey('admin', 'senior', 'super'));
routes.use(`${base}/*`, requireKey('admin', 'senior', 'super'));
// An id that is not a UUIDv7 names no campaign: 404 before any object is reached.
routes.use(`${base}/:id/*`, async (c, next) => {
  if (!UuidV7.safeParse(c.req.param('id')).success) return c.json(errorBody('not_found', 'no such campaign'), 404);
  await next();
});
/** Documents the prefix's key check above. */
const admins: Access = { scheme: 'apiKey', roles: ['admin', 'senior', 'super'] };
const tags = ['campaigns'];
const params = z.object({ id: z.string() });
/** What a Campaign call can answer (Outcome in shared/result.ts). */
const OUTCOME: ErrorStatus[] = [400, 404, 409];
const action = (verb: string, description: string) =>
  defineRoute({ method: 'post', path: `${base}/{id}/${verb}`, tags, access: admins, description, request: { params }, responses: { 200: json(CampaignView) }, errors: OUTCOME });

export const campaignRoutes = routes
  .endpoint(defineRoute({ method: 'post', path: base, tags, access: admins, request: { body: jsonBody(CreateCampaignRequest) }, responses: { 201: json(CampaignView, 'created') }, errors: OUTCOME }), async (c) => {
    const b = await readJson(c);
    if (b instanceof Response) return b;
    const id = uuidv7();
    return reply(c, await campaign(c.env, c.var.principal.tenantId, id).create(actorOf(c), id, b.body), 201);
  })
  .endpoint(defineRoute({ method: 'get', path: base, tags, access: admins, description: 'The latest 200 campaigns, newest first.', responses: { 200: json(CampaignListResponse) } }), async (c) => {
    const rows = await c.env.CATALOGUE.prepare(
      'SELECT campaign_id, name, status, send_at, sent_count, updated_at FROM campaigns_index WHERE tenant_id = ?1 ORDER BY campaign_id DESC LIMIT 200',
    )
      .bind(c.var.principal.tenantId)
      .all<{ campaign_id: string; name: string; status: string; send_at: string | null; sent_count: number; updated_at: string }>();
    return c.json({
      items: rows.results.map((r) => ({ id: r.campaign_id, name: r.name, status: r.status, sendAt: r.send_at, sentCount: r.sent_count, updatedAt: r.updated_at })),
    });
  })
  .endpoint(defineRoute({ method: 'get', path: `${base}/{id}`, tags, access: admins, request: { params }, responses: { 200: json(CampaignView) }, errors: [404] }), async (c) => {
    if (!UuidV7.safeParse(c.req.param('id')).success) return c.json(errorBody('not_found', 'no such campaign'), 404);
    return reply(c, await campaign(c.env, c.var.principal.tenantId, c.req.param('id')).get());
  })
  .endpoint(defineRoute({ method: 'get', path: `${base}/{id}/batches`, tags, access: admins, request: { params }, responses: { 200: json(CampaignBatchListResponse) }, errors: [404] }), async (c) =>
    reply(c, await campaign(c.env, c.var.principal.tenantId, c.req.param('id')).batches()),
  )
  .endpoint(defineRoute({ method: 'post', path: `${base}/{id}/schedule`, tags, access: admins, request: { params, body: jsonBody(ScheduleCampaignRequest) }, responses: { 200: json(CampaignView) }, errors: OUTCOME }), async (c) => {
    const b = await readJson(c);
    if (b instanceof Response) return b;
    return reply(c, await campaign(c.env, c.var.principal.tenantId, c.req.param('id')).schedule(b.body));
  })
  .endpoint(action('send-now', 'Starts sending now (a draft or scheduled campaign).'), async (c) => reply(c, await campaign(c.env, c.var.principal.tenantId, c.req.param('id')).sendNow()))
  .endpoint(action('pause', 'Pauses a sending or scheduled campaign.'), async (c) => reply(c, await campaign(c.env, c.var.principal.tenantId, c.req.param('id')).pause()))
  .endpoint(action('resume', 'Resumes a paused or failed campaign.'), async (c) => reply(c, await campaign(c.env, c.var.principal.tenantId, c.req.param('id')).resume()))
  .endpoint(action('cancel', 'Cancels the campaign.'), async (c) => reply(c, await campaign(c.env, c.var.principal.tenantId, c.req.param('id')).cancel()));
