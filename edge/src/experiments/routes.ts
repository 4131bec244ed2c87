import { Hono } from 'hono';
import { apiErrorFromZod, CreateExperimentRequest, ExperimentBody, Slug, UserId } from '@vidplat/contracts';
import type { AppEnv } from '../env.js';
import { errorBody, sendError } from '../http/errors.js';
import { requireKey } from '../tenancy/auth.js';
import { ScenarioStore } from '../scenarios/store.js';
import { assignVariant } from './assignment.js';
import { ExperimentStore } from './store.js';

const editors = requireKey('super', 'admin');
const notFound = (what: string, field: string) => errorBody('not_found', `no such ${what} in this tenant`, field);

/** A/B experiments on scenarios; the tenant is always the API key's. */
export const experimentRoutes = new Hono<AppEnv>()
  .get('/v1/experiments', requireKey(), async (c) => c.json({ experiments: await new ExperimentStore(c.env.CATALOGUE).list(c.var.principal.tenantId) }))
  .get('/v1/experiments/:id', requireKey(), async (c) => {
    const e = await new ExperimentStore(c.env.CATALOGUE).get(c.var.principal.tenantId, c.req.param('id'));
    return e ? c.json(e) : c.json(notFound('experiment', 'experimentId'), 404);
  })
  .get('/v1/experiments/:id/assignment', requireKey(), async (c) => {
    const user = UserId.safeParse(c.req.query('user'));
    if (!user.success) return sendError(c, 400, apiErrorFromZod(user.error, 'invalid_query', 'user'));
    const e = await new ExperimentStore(c.env.CATALOGUE).get(c.var.principal.tenantId, c.req.param('id'));
    if (!e) return c.json(notFound('experiment', 'experimentId'), 404);
    return c.json({ experimentId: e.experimentId, userId: user.data, variant: assignVariant(e, user.data).name });
  })
  .post('/v1/experiments', editors, async (c) => {
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
  .put('/v1/experiments/:id', editors, async (c) => {
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
  .delete('/v1/experiments/:id', editors, async (c) => {
    const ok = await new ExperimentStore(c.env.CATALOGUE).delete(c.var.principal.tenantId, c.req.param('id'));
    return ok ? c.body(null, 204) : c.json(notFound('experiment', 'experimentId'), 404);
  });
