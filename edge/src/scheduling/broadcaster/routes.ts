import { z } from 'zod';
import { BroadcasterTaskView, CallbackLogRow, CreateBroadcasterTaskRequest } from '@vidplat/contracts';
import type { Bindings } from '../../env.js';
import { requireKey } from '../../tenancy/auth.js';
import { ApiRoutes, defineRoute, empty, json, jsonBody, type Access, type ErrorStatus } from '../../http/api-routes.js';
import { actorOf, badLimitBody, limitQuery, readJson, reply } from '../shared/http.js';

const broadcaster = (env: Bindings, tenantId: string) => env.BROADCASTER.get(env.BROADCASTER.idFromName(tenantId));
const base = '/v1/admin/broadcaster';

/** Stats broadcaster: tasks (super), start / stop / trigger (senior, super), status and callback log. */
const routes = new ApiRoutes();
// One key check for the prefix (an unknown path under it is a 401 before a 404); the object checks roles per action.
routes.use(`${base}/*`, requireKey('admin', 'senior', 'super'));
routes.use(base, requireKey('admin', 'senior', 'super'));
const admins: Access = { scheme: 'apiKey', roles: ['admin', 'senior', 'super'] };
const OUTCOME: ErrorStatus[] = [400, 403, 404, 409, 422, 503];
const tags = ['broadcaster'];
const Status = z.object({ running: z.boolean(), nextAlarmAt: z.string().nullable(), tasks: z.array(BroadcasterTaskView) });
const task = z.object({ taskId: z.string().optional() });
const switchRoute = (path: string, description: string) =>
  defineRoute({ method: 'post', path: `${base}${path}`, tags, access: admins, description, request: { query: task }, responses: { 200: json(z.object({ tasks: z.array(BroadcasterTaskView) })) }, errors: OUTCOME });

export const broadcasterRoutes = routes
  .endpoint(defineRoute({ method: 'get', path: base, tags, access: admins, description: 'Same as /status.', responses: { 200: json(Status) }, errors: OUTCOME }), async (c) => reply(c, await broadcaster(c.env, c.var.principal.tenantId).status()))
  .endpoint(defineRoute({ method: 'get', path: `${base}/status`, tags, access: admins, responses: { 200: json(Status) }, errors: OUTCOME }), async (c) => reply(c, await broadcaster(c.env, c.var.principal.tenantId).status()))
  .endpoint(defineRoute({ method: 'post', path: `${base}/tasks`, tags, access: admins, description: 'super only; creates or replaces a task by id.', request: { body: jsonBody(CreateBroadcasterTaskRequest) }, responses: { 201: json(BroadcasterTaskView, 'stored') }, errors: OUTCOME }), async (c) => {
    const b = await readJson(c);
    if (b instanceof Response) return b;
    return reply(c, await broadcaster(c.env, c.var.principal.tenantId).putTask(actorOf(c), b.body), 201);
  })
  .endpoint(defineRoute({ method: 'delete', path: `${base}/tasks/{taskId}`, tags, access: admins, request: { params: z.object({ taskId: z.string() }) }, responses: { 204: empty('deleted') }, errors: OUTCOME }), async (c) => {
    const r = await broadcaster(c.env, c.var.principal.tenantId).deleteTask(actorOf(c), c.req.param('taskId'));
    return r.ok ? c.body(null, 204) : reply(c, r);
  })
  .endpoint(switchRoute('/start', 'senior, super: every task, or the one named by taskId.'), async (c) => reply(c, await broadcaster(c.env, c.var.principal.tenantId).setActive(actorOf(c), true, c.req.query('taskId'))))
  .endpoint(switchRoute('/stop', 'senior, super: every task, or the one named by taskId.'), async (c) => reply(c, await broadcaster(c.env, c.var.principal.tenantId).setActive(actorOf(c), false, c.req.query('taskId'))))
  .endpoint(defineRoute({ method: 'post', path: `${base}/trigger`, tags, access: admins, description: 'senior, super: posts now; answers the callback log rows written.', request: { query: task }, responses: { 200: json(z.array(CallbackLogRow)) }, errors: OUTCOME }), async (c) => reply(c, await broadcaster(c.env, c.var.principal.tenantId).trigger(actorOf(c), c.req.query('taskId'))))
  .endpoint(defineRoute({ method: 'get', path: `${base}/log`, tags, access: admins, request: { query: task.extend({ limit: z.coerce.number().int().min(1).max(1000).optional() }) }, responses: { 200: json(z.array(CallbackLogRow)) }, errors: OUTCOME }), async (c) => {
    const limit = limitQuery(c.req.query('limit'), 100);
    if (limit === null) return c.json(badLimitBody, 400);
    return reply(c, await broadcaster(c.env, c.var.principal.tenantId).log(c.req.query('taskId') ?? null, limit));
  });
