import { Hono } from 'hono';
import type { AppEnv, Bindings } from '../../env.js';
import { requireKey } from '../../tenancy/auth.js';
import { actorOf, badLimitBody, limitQuery, readJson, reply } from '../shared/http.js';

const broadcaster = (env: Bindings, tenantId: string) => env.BROADCASTER.get(env.BROADCASTER.idFromName(tenantId));
const base = '/v1/admin/broadcaster';

/** Stats broadcaster: tasks (super), start / stop / trigger (senior, super), status and callback log. */
export const broadcasterRoutes = new Hono<AppEnv>()
  .use(`${base}/*`, requireKey('admin', 'senior', 'super'))
  .use(base, requireKey('admin', 'senior', 'super'))
  .get(base, async (c) => reply(c, await broadcaster(c.env, c.var.principal.tenantId).status()))
  .get(`${base}/status`, async (c) => reply(c, await broadcaster(c.env, c.var.principal.tenantId).status()))
  .post(`${base}/tasks`, async (c) => {
    const b = await readJson(c);
    if (b instanceof Response) return b;
    return reply(c, await broadcaster(c.env, c.var.principal.tenantId).putTask(actorOf(c), b.body), 201);
  })
  .delete(`${base}/tasks/:taskId`, async (c) => {
    const r = await broadcaster(c.env, c.var.principal.tenantId).deleteTask(actorOf(c), c.req.param('taskId'));
    return r.ok ? c.body(null, 204) : reply(c, r);
  })
  .post(`${base}/start`, async (c) => reply(c, await broadcaster(c.env, c.var.principal.tenantId).setActive(actorOf(c), true, c.req.query('taskId'))))
  .post(`${base}/stop`, async (c) => reply(c, await broadcaster(c.env, c.var.principal.tenantId).setActive(actorOf(c), false, c.req.query('taskId'))))
  .post(`${base}/trigger`, async (c) => reply(c, await broadcaster(c.env, c.var.principal.tenantId).trigger(actorOf(c), c.req.query('taskId'))))
  .get(`${base}/log`, async (c) => {
    const limit = limitQuery(c.req.query('limit'), 100);
    if (limit === null) return c.json(badLimitBody, 400);
    return reply(c, await broadcaster(c.env, c.var.principal.tenantId).log(c.req.query('taskId') ?? null, limit));
  });
