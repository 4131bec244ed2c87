import { Hono } from 'hono';
import { ImportLegacyRequest, SuggestTimeQuery, apiErrorFromZod, type ScheduleBatchResponse } from '@vidplat/contracts';
import { errorBody } from '../../http/errors.js';
import { schedulingConfig } from '../shared/config.js';
import { suggestTimes } from './suggest-time.js';
import { isValidTimeZone } from './zoned-time.js';
import type { AppEnv, Bindings } from '../../env.js';
import { requireKey } from '../../tenancy/auth.js';
import { actorOf, badLimitBody, limitQuery, readJson, reply } from '../shared/http.js';
import type { Outcome } from '../shared/result.js';

const scheduler = (env: Bindings, tenantId: string) => env.SCHEDULER.get(env.SCHEDULER.idFromName(tenantId));

const base = '/v1/admin/scheduling';

/**
 * Content schedules. admin: own schedules; senior: all schedules, execute, rollback;
 * super: everything plus templates and settings. The tenant's Scheduler object enforces it.
 */
export const scheduleRoutes = new Hono<AppEnv>()
  .use(`${base}/*`, requireKey('admin', 'senior', 'super'))
  .get(`${base}/schedules`, async (c) => reply(c, await scheduler(c.env, c.var.principal.tenantId).list(actorOf(c), { ...c.req.query() })))
  .post(`${base}/schedules`, async (c) => {
    const b = await readJson(c);
    if (b instanceof Response) return b;
    return reply(c, await scheduler(c.env, c.var.principal.tenantId).create(actorOf(c), b.body), 201);
  })
  .get(`${base}/schedules/:id`, async (c) => reply(c, await scheduler(c.env, c.var.principal.tenantId).get(actorOf(c), c.req.param('id'))))
  .patch(`${base}/schedules/:id`, async (c) => {
    const b = await readJson(c);
    if (b instanceof Response) return b;
    return reply(c, await scheduler(c.env, c.var.principal.tenantId).update(actorOf(c), c.req.param('id'), b.body));
  })
  .delete(`${base}/schedules/:id`, async (c) => reply(c, await scheduler(c.env, c.var.principal.tenantId).cancel(actorOf(c), c.req.param('id'))))
  .post(`${base}/schedules/:id/cancel`, async (c) => reply(c, await scheduler(c.env, c.var.principal.tenantId).cancel(actorOf(c), c.req.param('id'))))
  .post(`${base}/schedules/:id/execute`, async (c) => reply(c, await scheduler(c.env, c.var.principal.tenantId).executeNow(actorOf(c), c.req.param('id'))))
  .post(`${base}/schedules/:id/pause`, async (c) => reply(c, await scheduler(c.env, c.var.principal.tenantId).pause(actorOf(c), c.req.param('id'))))
  .post(`${base}/schedules/:id/resume`, async (c) => {
    const text = await c.req.text();
    let body: unknown = {};
    try {
      body = text ? JSON.parse(text) : {};
    } catch {
      return c.json({ error: { code: 'invalid_body', message: 'body is not JSON' } }, 400);
    }
    return reply(c, await scheduler(c.env, c.var.principal.tenantId).resume(actorOf(c), c.req.param('id'), body));
  })
  .post(`${base}/schedules/:id/rollback`, async (c) => reply(c, await scheduler(c.env, c.var.principal.tenantId).rollback(actorOf(c), c.req.param('id'))))
  .get(`${base}/schedules/:id/history`, async (c) => {
    const limit = limitQuery(c.req.query('limit'), 200);
    if (limit === null) return c.json(badLimitBody, 400);
    return reply(c, await scheduler(c.env, c.var.principal.tenantId).historyOf(actorOf(c), c.req.param('id'), limit));
  })
  .get(`${base}/history`, async (c) => {
    const limit = limitQuery(c.req.query('limit'), 200);
    if (limit === null) return c.json(badLimitBody, 400);
    return reply(c, await scheduler(c.env, c.var.principal.tenantId).historyOf(actorOf(c), null, limit));
  })
  .post(`${base}/batch`, async (c) => {
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
  .post(`${base}/execute-due`, async (c) => reply(c, await scheduler(c.env, c.var.principal.tenantId).executeDue(actorOf(c))))
  .get(`${base}/stats`, async (c) => reply(c, await scheduler(c.env, c.var.principal.tenantId).stats(actorOf(c))))
  .get(`${base}/calendar`, async (c) => reply(c, await scheduler(c.env, c.var.principal.tenantId).calendar(actorOf(c), { ...c.req.query() })))
  .get(`${base}/suggest-time`, async (c) => {
    const q = SuggestTimeQuery.safeParse({ ...c.req.query() });
    if (!q.success) return c.json({ error: apiErrorFromZod(q.error, 'invalid_query') }, 400);
    if (!isValidTimeZone(q.data.timeZone)) return c.json(errorBody('invalid_query', `unknown IANA time zone ${q.data.timeZone}`, 'timeZone'), 400);
    const r = await suggestTimes(schedulingConfig(c.env), c.var.principal.tenantId, q.data.timeZone, q.data.days, q.data.n);
    if (!r) return c.json(errorBody('upstream_unavailable', 'analytics unavailable, retry later'), 503, { 'retry-after': '30' });
    return c.json(r);
  })
  .get(`${base}/templates`, async (c) => reply(c, await scheduler(c.env, c.var.principal.tenantId).templates()))
  .post(`${base}/templates`, async (c) => {
    const b = await readJson(c);
    if (b instanceof Response) return b;
    return reply(c, await scheduler(c.env, c.var.principal.tenantId).createTemplate(actorOf(c), b.body), 201);
  })
  .patch(`${base}/templates/:id`, async (c) => {
    const b = await readJson(c);
    if (b instanceof Response) return b;
    return reply(c, await scheduler(c.env, c.var.principal.tenantId).updateTemplate(actorOf(c), c.req.param('id'), b.body));
  })
  .delete(`${base}/templates/:id`, async (c) => {
    const r = await scheduler(c.env, c.var.principal.tenantId).deleteTemplate(actorOf(c), c.req.param('id'));
    return r.ok ? c.body(null, 204) : reply(c, r);
  })
  .post(`${base}/templates/:id/apply`, async (c) => {
    const b = await readJson(c);
    if (b instanceof Response) return b;
    return reply(c, await scheduler(c.env, c.var.principal.tenantId).applyTemplate(actorOf(c), c.req.param('id'), b.body), 201);
  })
  .get(`${base}/settings`, async (c) => c.json(await scheduler(c.env, c.var.principal.tenantId).settings()))
  .put(`${base}/settings`, async (c) => {
    const b = await readJson(c);
    if (b instanceof Response) return b;
    return reply(c, await scheduler(c.env, c.var.principal.tenantId).putSettings(actorOf(c), b.body));
  })
  .post(`${base}/import`, async (c) => {
    const b = await readJson(c);
    if (b instanceof Response) return b;
    const p = ImportLegacyRequest.safeParse(b.body);
    if (!p.success) return c.json({ error: apiErrorFromZod(p.error, 'invalid_body') }, 400);
    const r = await scheduler(c.env, c.var.principal.tenantId).importLegacy(actorOf(c), p.data.rows);
    if (!r.ok) return reply(c, r);
    const firstBad = r.value.results.find((x) => !x.ok);
    return c.json(firstBad ? { error: firstBad.error, ...r.value } : r.value, firstBad ? 400 : 201);
  });
