import { Hono } from 'hono';
import type { AppEnv, Bindings } from '../../env.js';
import { requireKey } from '../../tenancy/auth.js';
import { actorOf, readJson, reply } from '../shared/http.js';

/** Named by tenant: another tenant's key can never reach the object. */
const notifier = (env: Bindings, tenantId: string) => env.NOTIFIER.get(env.NOTIFIER.idFromName(tenantId));
const base = '/v1/admin/notifications';

/**
 * The notifier's settings (webhooks, push, retry policy) and its delivery log. Reading is open to
 * admins; changing where notifications go or re-queueing failed ones needs senior or super.
 */
export const notifierRoutes = new Hono<AppEnv>()
  .use(base, requireKey('admin', 'senior', 'super'))
  .use(`${base}/*`, requireKey('admin', 'senior', 'super'))
  .get(`${base}/settings`, async (c) => reply(c, await notifier(c.env, c.var.principal.tenantId).settings(actorOf(c))))
  .put(`${base}/settings`, async (c) => {
    const b = await readJson(c);
    if (b instanceof Response) return b;
    return reply(c, await notifier(c.env, c.var.principal.tenantId).putSettings(actorOf(c), b.body));
  })
  .get(base, async (c) => reply(c, await notifier(c.env, c.var.principal.tenantId).notifications(actorOf(c), { ...c.req.query() })))
  .post(`${base}/retry-failed`, async (c) => reply(c, await notifier(c.env, c.var.principal.tenantId).retryFailed(actorOf(c))))
  .get(`${base}/:id`, async (c) => reply(c, await notifier(c.env, c.var.principal.tenantId).notification(actorOf(c), c.req.param('id'))));
