import { z } from 'zod';
import { apiErrorFromZod, CreateExperimentRequest, Experiment, ExperimentAssignment, ExperimentBody, Slug, UserId } from '@vidplat/contracts';
import { access, ApiRoutes, defineRoute, empty, json, jsonBody } from '../http/api-routes.js';
import { errorBody, sendError } from '../http/errors.js';
import { ScenarioStore } from '../scenarios/store.js';
import { assignVariant } from './assignment.js';
import { ExperimentStore } from './store.js';

const editors = access.key('super', 'admin');
const tags = ['experiments'];
const params = z.object({ id: z.string() });
const notFound = (what: string, field: string) => errorBody('not_found', `no such ${what} in this tenant`, field);

/** A/B experiments on scenarios; the tenant is always the API key's. */
export const experimentRoutes = new ApiRoutes()
  .endpoint(defineRoute({ method: 'get', path: '/v1/experiments', tags, access: access.key(), responses: { 200: json(z.object({ experiments: z.array(Experiment) })) } }), async (c) => c.json({ experiments: await new ExperimentStore(c.env.CATALOGUE).list(c.var.principal.tenantId) }))
  .endpoint(defineRoute({ method: 'get', path: '/v1/experiments/{id}', tags, access: access.key(), request: { params }, responses: { 200: json(Experiment) }, errors: [404] }), async (c) => {
    const e = await new ExperimentStore(c.env.CATALOGUE).get(c.var.principal.tenantId, c.req.param('id'));
    return e ? c.json(e) : c.json(notFound('experiment', 'experimentId'), 404);
  })
  .endpoint(defineRoute({ method: 'get', path: '/v1/experiments/{id}/assignment', tags, access: access.key(), request: { params, query: z.object({ user: UserId }) }, responses: { 200: json(ExperimentAssignment) }, errors: [400, 404] }), async (c) => {
    const user = UserId.safeParse(c.req.query('user'));
    if (!user.success) return sendError(c, 400, apiErrorFromZod(user.error, 'invalid_query', 'user'));
    const e = await new ExperimentStore(c.env.CATALOGUE).get(c.var.principal.tenantId, c.req.param('id'));
    if (!e) return c.json(notFound('experiment', 'experimentId'), 404);
    return c.json({ experimentId: e.experimentId, userId: user.data, variant: assignVariant(e, user.data).name });
  })
  .endpoint(defineRoute({ method: 'post', path: '/v1/experiments', tags, access: editors, request: { body: jsonBody(CreateExperimentRequest) }, responses: { 201: json(Experiment, 'created') }, errors: [400, 404, 409] }), async (c) => {
    const req = CreateExperimentRequest.safeParse(await c.req.json().catch(() => undefined));
    if (!req.success) return sendError(c, 400, apiErrorFromZod(req.error, 'invalid_body'));
    const { experimentId, ...body } = req.data;
    const store = new ExperimentStore(c.env.CATALOGUE);
    const { tenantId } = c.var.principal;
    if (await store.get(tenantId, experimentId)) return c.json(errorBody('conflict', `experiment ${experimentId} exists`, 'experimentId'), 409);
    if (!(await new ScenarioStore(c.env.CATALOGUE).get(tenantId, body.scenario))) return c.json(notFound('scenario', 'scenario'), 404);
    const e = await store.put(tenantId, experimentId, body);
    if (e === 'conflict') return c.json(errorBody('conflict', 'another experiment is running on this scenario', 'status'), 409);
    return c.json(e, 201);
  })
  .endpoint(defineRoute({ method: 'put', path: '/v1/experiments/{id}', tags, access: editors, request: { params, body: jsonBody(ExperimentBody) }, responses: { 200: json(Experiment) }, errors: [400, 404, 409] }), async (c) => {
    const id = Slug.safeParse(c.req.param('id'));
    if (!id.success) return sendError(c, 400, apiErrorFromZod(id.error, 'invalid_field', 'experimentId'));
    const body = ExperimentBody.safeParse(await c.req.json().catch(() => undefined));
    if (!body.success) return sendError(c, 400, apiErrorFromZod(body.error, 'invalid_body'));
    const store = new ExperimentStore(c.env.CATALOGUE);
    const { tenantId } = c.var.principal;
    if (!(await store.get(tenantId, id.data))) return c.json(notFound('experiment', 'experimentId'), 404);
    if (!(await new ScenarioStore(c.env.CATALOGUE).get(tenantId, body.data.scenario))) return c.json(notFound('scenario', 'scenario'), 404);
    const e = await store.put(tenantId, id.data, body.data);
    if (e === 'conflict') return c.json(errorBody('conflict', 'another experiment is running on this scenario', 'status'), 409);
    return c.json(e);
  })
  .endpoint(defineRoute({ method: 'delete', path: '/v1/experiments/{id}', tags, access: editors, request: { params }, responses: { 204: empty('deleted') }, errors: [404] }), async (c) => {
    const ok = await new ExperimentStore(c.env.CATALOGUE).delete(c.var.principal.tenantId, c.req.param('id'));
    return ok ? c.body(null, 204) : c.json(notFound('experiment', 'experimentId'), 404);
  });
