import { z } from 'zod';
import { apiErrorFromZod, CreateScenarioRequest, ScenarioBody, ScenarioRecord, ScenarioTemplateName, SCENARIO_TEMPLATES, Slug } from '@vidplat/contracts';
import { errorBody, sendError } from '../http/errors.js';
import { access, ApiRoutes, defineRoute, empty, json, jsonBody } from '../http/api-routes.js';
import { ScenarioStore, templateConfig } from './store.js';

const editors = access.key('super', 'admin');
const params = z.object({ scenario: z.string() });
const tag = ['scenarios'];

/** Scenario CRUD. The tenant is always the API key's; another tenant's scenario is a 404. */
export const scenarioRoutes = new ApiRoutes()
  .endpoint(defineRoute({ method: 'get', path: '/v1/scenario-templates', tags: tag, access: access.key(), responses: { 200: json(z.object({ templates: z.array(z.object({ name: ScenarioTemplateName, config: ScenarioBody })) })) } }), (c) =>
    c.json({ templates: ScenarioTemplateName.options.map((name) => ({ name, config: templateConfig(name) })) }),
  )
  .endpoint(defineRoute({ method: 'get', path: '/v1/scenarios', tags: tag, access: access.key(), responses: { 200: json(z.object({ scenarios: z.array(ScenarioRecord) })) } }), async (c) => c.json({ scenarios: await new ScenarioStore(c.env.CATALOGUE).list(c.var.principal.tenantId) }))
  .endpoint(defineRoute({ method: 'get', path: '/v1/scenarios/{scenario}', tags: tag, access: access.key(), request: { params }, responses: { 200: json(ScenarioRecord) }, errors: [404] }), async (c) => {
    const rec = await new ScenarioStore(c.env.CATALOGUE).get(c.var.principal.tenantId, c.req.param('scenario'));
    return rec ? c.json(rec) : c.json(errorBody('not_found', 'no such scenario in this tenant', 'scenario'), 404);
  })
  .endpoint(defineRoute({ method: 'post', path: '/v1/scenarios', tags: tag, access: editors, request: { body: jsonBody(CreateScenarioRequest, 'a template and/or the fields to set over it') }, responses: { 201: json(ScenarioRecord, 'created') }, errors: [400, 409] }), async (c) => {
    const raw: unknown = await c.req.json().catch(() => undefined);
    const req = CreateScenarioRequest.safeParse(raw);
    if (!req.success) return sendError(c, 400, apiErrorFromZod(req.error, 'invalid_body'));
    const { scenario, template } = req.data;
    // Template first, then the fields the caller actually sent (not schema defaults); the merged
    // config is validated as a whole.
    const { scenario: _s, template: _t, ...over } = raw as Record<string, unknown>;
    const base = template && template !== 'custom' ? SCENARIO_TEMPLATES[template] : {};
    const merged = ScenarioBody.safeParse({ ...base, ...over, template: template ?? 'custom' });
    if (!merged.success) return sendError(c, 400, apiErrorFromZod(merged.error, 'invalid_body'));
    const rec = await new ScenarioStore(c.env.CATALOGUE).create(c.var.principal.tenantId, scenario, merged.data);
    if (!rec) return c.json(errorBody('conflict', `scenario ${scenario} exists`, 'scenario'), 409);
    return c.json(rec, 201);
  })
  .endpoint(defineRoute({ method: 'put', path: '/v1/scenarios/{scenario}', tags: tag, access: editors, request: { params, body: jsonBody(ScenarioBody) }, responses: { 200: json(ScenarioRecord) }, errors: [400, 404] }), async (c) => {
    const name = Slug.safeParse(c.req.param('scenario'));
    if (!name.success) return sendError(c, 400, apiErrorFromZod(name.error, 'invalid_field', 'scenario'));
    const body = ScenarioBody.safeParse(await c.req.json().catch(() => undefined));
    if (!body.success) return sendError(c, 400, apiErrorFromZod(body.error, 'invalid_body'));
    const rec = await new ScenarioStore(c.env.CATALOGUE).replace(c.var.principal.tenantId, name.data, body.data);
    return rec ? c.json(rec) : c.json(errorBody('not_found', 'no such scenario in this tenant', 'scenario'), 404);
  })
  .endpoint(defineRoute({ method: 'delete', path: '/v1/scenarios/{scenario}', tags: tag, access: editors, request: { params }, responses: { 204: empty('deleted') }, errors: [404] }), async (c) => {
    const ok = await new ScenarioStore(c.env.CATALOGUE).delete(c.var.principal.tenantId, c.req.param('scenario'));
    return ok ? c.body(null, 204) : c.json(errorBody('not_found', 'no such scenario in this tenant', 'scenario'), 404);
  });
