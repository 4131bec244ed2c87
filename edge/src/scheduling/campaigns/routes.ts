import { Hono } from 'hono';
import { uuidv7, UuidV7 } from '@vidplat/contracts';
import type { AppEnv, Bindings } from '../../env.js';
import { errorBody } from '../../http/errors.js';
import { requireKey } from '../../tenancy/auth.js';
import { actorOf, readJson, reply } from '../shared/http.js';

/** Named by tenant and id: another tenant's key can never reach the object. */
const campaign = (env: Bindings, tenantId: string, id: string) => env.CAMPAIGN.get(env.CAMPAIGN.idFromName(`${tenantId}:${id}`));
const base = '/v1/admin/campaigns';

export const campaignRoutes = new Hono<AppEnv>()
  .use(base, requireKey('admin', 'senior', 'super'))
  .use(`${base}/*`, requireKey('admin', 'senior', 'super'))
  .post(base, async (c) => {
    const b = await readJson(c);
    if (b instanceof Response) return b;
    const id = uuidv7();
    return reply(c, await campaign(c.env, c.var.principal.tenantId, id).create(actorOf(c), id, b.body), 201);
  })
  .get(base, async (c) => {
    const rows = await c.env.CATALOGUE.prepare(
      'SELECT campaign_id, name, status, send_at, sent_count, updated_at FROM campaigns_index WHERE tenant_id = ?1 ORDER BY campaign_id DESC LIMIT 200',
    )
      .bind(c.var.principal.tenantId)
      .all<{ campaign_id: string; name: string; status: string; send_at: string | null; sent_count: number; updated_at: string }>();
    return c.json({
      items: rows.results.map((r) => ({ id: r.campaign_id, name: r.name, status: r.status, sendAt: r.send_at, sentCount: r.sent_count, updatedAt: r.updated_at })),
    });
  })
  .use(`${base}/:id/*`, async (c, next) => {
    if (!UuidV7.safeParse(c.req.param('id')).success) return c.json(errorBody('not_found', 'no such campaign'), 404);
    await next();
  })
  .get(`${base}/:id`, async (c) => {
    if (!UuidV7.safeParse(c.req.param('id')).success) return c.json(errorBody('not_found', 'no such campaign'), 404);
    return reply(c, await campaign(c.env, c.var.principal.tenantId, c.req.param('id')).get());
  })
  .get(`${base}/:id/batches`, async (c) => reply(c, await campaign(c.env, c.var.principal.tenantId, c.req.param('id')).batches()))
  .post(`${base}/:id/schedule`, async (c) => {
    const b = await readJson(c);
    if (b instanceof Response) return b;
    return reply(c, await campaign(c.env, c.var.principal.tenantId, c.req.param('id')).schedule(b.body));
  })
  .post(`${base}/:id/send-now`, async (c) => reply(c, await campaign(c.env, c.var.principal.tenantId, c.req.param('id')).sendNow()))
  .post(`${base}/:id/pause`, async (c) => reply(c, await campaign(c.env, c.var.principal.tenantId, c.req.param('id')).pause()))
  .post(`${base}/:id/resume`, async (c) => reply(c, await campaign(c.env, c.var.principal.tenantId, c.req.param('id')).resume()))
  .post(`${base}/:id/cancel`, async (c) => reply(c, await campaign(c.env, c.var.principal.tenantId, c.req.param('id')).cancel()));
