import { z } from 'zod';
import {
  ApiError,
  ApplyTemplateRequest,
  CalendarQuery,
  CalendarResponse,
  CreateScheduleRequest,
  CreateTemplateRequest,
  ImportLegacyRequest,
  PromoteWinnerRequest,
  UpdateTemplateRequest,
  ResumeScheduleRequest,
  ScheduleBatchRequest,
  ScheduleBatchResponse,
  ScheduleHistoryRow,
  ScheduleListQuery,
  ScheduleListResponse,
  ScheduleSettings,
  ScheduleTemplate,
  ScheduleView,
  SchedulingStats,
  SuggestTimeQuery,
  SuggestTimeResponse,
  UpdateScheduleRequest,
  apiErrorFromZod,
} from '@vidplat/contracts';
import { errorBody } from '../../http/errors.js';
import { schedulingConfig } from '../shared/config.js';
import { suggestTimes } from './suggest-time.js';
import { isValidTimeZone } from './zoned-time.js';
import type { Bindings } from '../../env.js';
import { requireKey } from '../../tenancy/auth.js';
import { ApiRoutes, defineRoute, empty, json, jsonBody, type Access, type ErrorStatus } from '../../http/api-routes.js';
import { actorOf, badLimitBody, limitQuery, readJson, reply } from '../shared/http.js';
import type { Outcome } from '../shared/result.js';

const scheduler = (env: Bindings, tenantId: string) => env.SCHEDULER.get(env.SCHEDULER.idFromName(tenantId));

const base = '/v1/admin/scheduling';

/**
 * Content schedules. admin: own schedules; senior: all schedules, execute, rollback;
 * super: everything plus templates and settings. The tenant's Scheduler object enforces it.
 */
const routes = new ApiRoutes();
// One key check for the whole prefix (an unknown path under it is a 401 before a 404, as before).
routes.use(`${base}/*`, requireKey('admin', 'senior', 'super'));
/** Documents the prefix's key check above; the Scheduler enforces the role per action. */
const admins: Access = { scheme: 'apiKey', roles: ['admin', 'senior', 'super'] };
/** What a Scheduler call can answer (Outcome in shared/result.ts). */
const OUTCOME: ErrorStatus[] = [400, 403, 404, 409, 422, 503];
const tags = ['scheduling'];
const id = z.object({ id: z.string() });
const limit = z.object({ limit: z.coerce.number().int().min(1).max(1000).optional() });
const onSchedule = (method: 'get' | 'post' | 'delete', path: string, description: string, body?: z.ZodType) =>
  defineRoute({ method, path: `${base}/schedules/{id}${path}`, tags, access: admins, description, request: { params: id, ...(body ? { body: jsonBody(body) } : {}) }, responses: { 200: json(ScheduleView) }, errors: OUTCOME });
const LegacyImportResult = z.object({ created: z.number().int(), results: z.array(z.object({ index: z.number().int(), ok: z.boolean(), id: z.string().optional(), error: ApiError.optional() })) });

export const scheduleRoutes = routes
  .endpoint(defineRoute({ method: 'get', path: `${base}/schedules`, tags, access: admins, request: { query: ScheduleListQuery }, responses: { 200: json(ScheduleListResponse) }, errors: OUTCOME }), async (c) => reply(c, await scheduler(c.env, c.var.principal.tenantId).list(actorOf(c), { ...c.req.query() })))
  .endpoint(defineRoute({ method: 'post', path: `${base}/schedules`, tags, access: admins, request: { body: jsonBody(CreateScheduleRequest) }, responses: { 201: json(ScheduleView, 'created') }, errors: OUTCOME }), async (c) => {
    const b = await readJson(c);
    if (b instanceof Response) return b;
    return reply(c, await scheduler(c.env, c.var.principal.tenantId).create(actorOf(c), b.body), 201);
  })
  .endpoint(onSchedule('get', '', 'One schedule.'), async (c) => reply(c, await scheduler(c.env, c.var.principal.tenantId).get(actorOf(c), c.req.param('id'))))
  .endpoint(defineRoute({ method: 'patch', path: `${base}/schedules/{id}`, tags, access: admins, request: { params: id, body: jsonBody(UpdateScheduleRequest) }, responses: { 200: json(ScheduleView) }, errors: OUTCOME }), async (c) => {
    const b = await readJson(c);
    if (b instanceof Response) return b;
    return reply(c, await scheduler(c.env, c.var.principal.tenantId).update(actorOf(c), c.req.param('id'), b.body));
  })
  .endpoint(onSchedule('delete', '', 'Cancels the schedule (as POST …/cancel).'), async (c) => reply(c, await scheduler(c.env, c.var.principal.tenantId).cancel(actorOf(c), c.req.param('id'))))
  .endpoint(onSchedule('post', '/cancel', 'Cancels the schedule.'), async (c) => reply(c, await scheduler(c.env, c.var.principal.tenantId).cancel(actorOf(c), c.req.param('id'))))
  .endpoint(onSchedule('post', '/execute', 'Runs the next action now (senior, super).'), async (c) => reply(c, await scheduler(c.env, c.var.principal.tenantId).executeNow(actorOf(c), c.req.param('id'))))
  .endpoint(onSchedule('post', '/pause', 'Pauses: no action or step fires until resumed.'), async (c) => reply(c, await scheduler(c.env, c.var.principal.tenantId).pause(actorOf(c), c.req.param('id'))))
  .endpoint(onSchedule('post', '/resume', 'Resumes; the body is optional.', ResumeScheduleRequest), async (c) => {
    const text = await c.req.text();
    let body: unknown = {};
    try {
      body = text ? JSON.parse(text) : {};
    } catch {
      return c.json({ error: { code: 'invalid_body', message: 'body is not JSON' } }, 400);
    }
    return reply(c, await scheduler(c.env, c.var.principal.tenantId).resume(actorOf(c), c.req.param('id'), body));
  })
  .endpoint(onSchedule('post', '/promote', 'A/B publish: the winner to everyone from now on (senior, super).', PromoteWinnerRequest), async (c) => {
    const b = await readJson(c);
    if (b instanceof Response) return b;
    return reply(c, await scheduler(c.env, c.var.principal.tenantId).promote(actorOf(c), c.req.param('id'), b.body));
  })
  .endpoint(onSchedule('post', '/rollback', 'Reverts the last action (senior, super).'), async (c) => reply(c, await scheduler(c.env, c.var.principal.tenantId).rollback(actorOf(c), c.req.param('id'))))
  .endpoint(defineRoute({ method: 'get', path: `${base}/schedules/{id}/history`, tags, access: admins, request: { params: id, query: limit }, responses: { 200: json(z.array(ScheduleHistoryRow)) }, errors: OUTCOME }), async (c) => {
    const limit = limitQuery(c.req.query('limit'), 200);
    if (limit === null) return c.json(badLimitBody, 400);
    return reply(c, await scheduler(c.env, c.var.principal.tenantId).historyOf(actorOf(c), c.req.param('id'), limit));
  })
  .endpoint(defineRoute({ method: 'get', path: `${base}/history`, tags, access: admins, request: { query: limit }, responses: { 200: json(z.array(ScheduleHistoryRow)) }, errors: OUTCOME }), async (c) => {
    const limit = limitQuery(c.req.query('limit'), 200);
    if (limit === null) return c.json(badLimitBody, 400);
    return reply(c, await scheduler(c.env, c.var.principal.tenantId).historyOf(actorOf(c), null, limit));
  })
  .endpoint(defineRoute({ method: 'post', path: `${base}/batch`, tags, access: admins, description: 'Each item on its own; a rejected item makes the status that of the first rejection, with the whole report beside the error.', request: { body: jsonBody(ScheduleBatchRequest) }, responses: { 200: json(ScheduleBatchResponse) }, errors: OUTCOME }), async (c) => {
    const b = await readJson(c);
    if (b instanceof Response) return b;
    const r = (await scheduler(c.env, c.var.principal.tenantId).batch(actorOf(c), b.body)) as Outcome<ScheduleBatchResponse>;
    if (!r.ok) return reply(c, r);
    // Every item is handled on its own; the status is that of the first rejected item, if any.
    const rejected = [...r.value.create, ...r.value.update, ...r.value.cancel].find((x) => !x.ok);
    if (!rejected) return c.json(r.value, 200);
    const status = rejected.error?.code === 'conflict' ? 409 : rejected.error?.code === 'not_found' ? 404 : rejected.error?.code === 'forbidden' ? 403 : 400;
    return c.json({ error: rejected.error, ...r.value }, status);
  })
  .endpoint(defineRoute({ method: 'post', path: `${base}/execute-due`, tags, access: admins, responses: { 200: json(z.object({ ran: z.number().int() })) }, errors: OUTCOME }), async (c) => reply(c, await scheduler(c.env, c.var.principal.tenantId).executeDue(actorOf(c))))
  .endpoint(defineRoute({ method: 'get', path: `${base}/stats`, tags, access: admins, responses: { 200: json(SchedulingStats) }, errors: OUTCOME }), async (c) => reply(c, await scheduler(c.env, c.var.principal.tenantId).stats(actorOf(c))))
  .endpoint(defineRoute({ method: 'get', path: `${base}/calendar`, tags, access: admins, request: { query: CalendarQuery }, responses: { 200: json(CalendarResponse) }, errors: OUTCOME }), async (c) => reply(c, await scheduler(c.env, c.var.principal.tenantId).calendar(actorOf(c), { ...c.req.query() })))
  .endpoint(defineRoute({ method: 'get', path: `${base}/suggest-time`, tags, access: admins, request: { query: SuggestTimeQuery }, responses: { 200: json(SuggestTimeResponse) }, errors: [400, 503] }), async (c) => {
    const q = SuggestTimeQuery.safeParse({ ...c.req.query() });
    if (!q.success) return c.json({ error: apiErrorFromZod(q.error, 'invalid_query') }, 400);
    if (!isValidTimeZone(q.data.timeZone)) return c.json(errorBody('invalid_query', `unknown IANA time zone ${q.data.timeZone}`, 'timeZone'), 400);
    const r = await suggestTimes(schedulingConfig(c.env), c.var.principal.tenantId, q.data.timeZone, q.data.days, q.data.n);
    if (!r) return c.json(errorBody('upstream_unavailable', 'analytics unavailable, retry later'), 503, { 'retry-after': '30' });
    return c.json(r);
  })
  .endpoint(defineRoute({ method: 'get', path: `${base}/templates`, tags, access: admins, responses: { 200: json(z.array(ScheduleTemplate)) }, errors: OUTCOME }), async (c) => reply(c, await scheduler(c.env, c.var.principal.tenantId).templates()))
  .endpoint(defineRoute({ method: 'post', path: `${base}/templates`, tags, access: admins, request: { body: jsonBody(CreateTemplateRequest) }, responses: { 201: json(ScheduleTemplate, 'created') }, errors: OUTCOME }), async (c) => {
    const b = await readJson(c);
    if (b instanceof Response) return b;
    return reply(c, await scheduler(c.env, c.var.principal.tenantId).createTemplate(actorOf(c), b.body), 201);
  })
  .endpoint(defineRoute({ method: 'patch', path: `${base}/templates/{id}`, tags, access: admins, description: 'Edits a tenant template (super; system templates answer 409).', request: { params: id, body: jsonBody(UpdateTemplateRequest) }, responses: { 200: json(ScheduleTemplate) }, errors: OUTCOME }), async (c) => {
    const b = await readJson(c);
    if (b instanceof Response) return b;
    return reply(c, await scheduler(c.env, c.var.principal.tenantId).updateTemplate(actorOf(c), c.req.param('id'), b.body));
  })
  .endpoint(defineRoute({ method: 'delete', path: `${base}/templates/{id}`, tags, access: admins, request: { params: id }, responses: { 204: empty('deleted') }, errors: OUTCOME }), async (c) => {
    const r = await scheduler(c.env, c.var.principal.tenantId).deleteTemplate(actorOf(c), c.req.param('id'));
    return r.ok ? c.body(null, 204) : reply(c, r);
  })
  .endpoint(defineRoute({ method: 'post', path: `${base}/templates/{id}/apply`, tags, access: admins, request: { params: id, body: jsonBody(ApplyTemplateRequest) }, responses: { 201: json(ScheduleView, 'created from the template') }, errors: OUTCOME }), async (c) => {
    const b = await readJson(c);
    if (b instanceof Response) return b;
    return reply(c, await scheduler(c.env, c.var.principal.tenantId).applyTemplate(actorOf(c), c.req.param('id'), b.body), 201);
  })
  .endpoint(defineRoute({ method: 'get', path: `${base}/settings`, tags, access: admins, responses: { 200: json(ScheduleSettings) } }), async (c) => c.json(await scheduler(c.env, c.var.principal.tenantId).settings()))
  .endpoint(defineRoute({ method: 'put', path: `${base}/settings`, tags, access: admins, description: 'super only; a partial update; an unknown field is a 400 naming it.', request: { body: jsonBody(ScheduleSettings.partial().strict()) }, responses: { 200: json(ScheduleSettings) }, errors: OUTCOME }), async (c) => {
    const b = await readJson(c);
    if (b instanceof Response) return b;
    return reply(c, await scheduler(c.env, c.var.principal.tenantId).putSettings(actorOf(c), b.body));
  })
  .endpoint(defineRoute({ method: 'post', path: `${base}/import`, tags, access: admins, description: 'Legacy rows; a rejected row makes it a 400 with the per-row report beside the error.', request: { body: jsonBody(ImportLegacyRequest) }, responses: { 201: json(LegacyImportResult, 'imported') }, errors: OUTCOME }), async (c) => {
    const b = await readJson(c);
    if (b instanceof Response) return b;
    const p = ImportLegacyRequest.safeParse(b.body);
    if (!p.success) return c.json({ error: apiErrorFromZod(p.error, 'invalid_body') }, 400);
    const r = await scheduler(c.env, c.var.principal.tenantId).importLegacy(actorOf(c), p.data.rows);
    if (!r.ok) return reply(c, r);
    const firstBad = r.value.results.find((x) => !x.ok);
    return c.json(firstBad ? { error: firstBad.error, ...r.value } : r.value, firstBad ? 400 : 201);
  });
