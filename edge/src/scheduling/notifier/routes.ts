import { z } from 'zod';
import { NotificationListQuery, NotificationListResponse, NotificationView, NotifierSettings, RetryFailedResponse } from '@vidplat/contracts';
import type { Bindings } from '../../env.js';
import { ApiRoutes, defineRoute, json, jsonBody, type Access, type ErrorStatus } from '../../http/api-routes.js';
import { requireKey } from '../../tenancy/auth.js';
import { actorOf, readJson, reply } from '../shared/http.js';

/** Named by tenant: another tenant's key can never reach the object. */
const notifier = (env: Bindings, tenantId: string) => env.NOTIFIER.get(env.NOTIFIER.idFromName(tenantId));
const base = '/v1/admin/notifications';

/**
 * The notifier's settings (webhooks, push, retry policy) and its delivery log. Reading is open to
 * admins; changing where notifications go or re-queueing failed ones needs senior or super.
 */
const routes = new ApiRoutes();
// One key check for the prefix (an unknown path under it is a 401 before a 404, as before).
routes.use(base, requireKey('admin', 'senior', 'super'));
routes.use(`${base}/*`, requireKey('admin', 'senior', 'super'));
/** Documents the prefix's key check above; the Notifier enforces senior/super where it says so. */
const admins: Access = { scheme: 'apiKey', roles: ['admin', 'senior', 'super'] };
const tags = ['notifications'];
const WRITE: ErrorStatus[] = [400, 403];

export const notifierRoutes = routes
  .endpoint(defineRoute({ method: 'get', path: `${base}/settings`, tags, access: admins, responses: { 200: json(NotifierSettings) } }), async (c) =>
    reply(c, await notifier(c.env, c.var.principal.tenantId).settings(actorOf(c))),
  )
  .endpoint(
    defineRoute({ method: 'put', path: `${base}/settings`, tags, access: admins, description: 'Replaces the settings (senior, super).', request: { body: jsonBody(NotifierSettings) }, responses: { 200: json(NotifierSettings) }, errors: WRITE }),
    async (c) => {
      const b = await readJson(c);
      if (b instanceof Response) return b;
      return reply(c, await notifier(c.env, c.var.principal.tenantId).putSettings(actorOf(c), b.body));
    },
  )
  .endpoint(defineRoute({ method: 'get', path: base, tags, access: admins, request: { query: NotificationListQuery }, responses: { 200: json(NotificationListResponse) }, errors: [400] }), async (c) =>
    reply(c, await notifier(c.env, c.var.principal.tenantId).notifications(actorOf(c), { ...c.req.query() })),
  )
  .endpoint(
    defineRoute({ method: 'post', path: `${base}/retry-failed`, tags, access: admins, description: 'Re-queues failed deliveries and runs due ones now (senior, super).', responses: { 200: json(RetryFailedResponse) }, errors: [403] }),
    async (c) => reply(c, await notifier(c.env, c.var.principal.tenantId).retryFailed(actorOf(c))),
  )
  .endpoint(defineRoute({ method: 'get', path: `${base}/{id}`, tags, access: admins, request: { params: z.object({ id: z.string() }) }, responses: { 200: json(NotificationView) }, errors: [404] }), async (c) =>
    reply(c, await notifier(c.env, c.var.principal.tenantId).notification(actorOf(c), c.req.param('id'))),
  );
