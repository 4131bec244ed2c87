import { Hono } from 'hono';
import { apiErrorFromZod, CreateScenarioRequest, ScenarioBody, ScenarioTemplateName, SCENARIO_TEMPLATES, Slug } from '@vidplat/contracts';
import type { AppEnv } from '../env.js';
import { errorBody, sendError } from '../http/errors.js';
import { requireKey } from '../tenancy/auth.js';
import { ScenarioStore, templateConfig } from './store.js';

const editors = requireKey('super', 'admin');

/** Scenario CRUD. The tenant is always the API key's; another tenant's scenario is a 404. */
export const scenarioRoutes = new Hono<AppEnv>()
  .get('/v1/scenario-templates', requireKey(), (c) =>
    c.json({ templates: ScenarioTemplateName.options.map((name) => ({ name, config: templateConfig(name) })) }),
  )
  .get('/v1/scenarios', requireKey(), async (c) => c.json({ scenarios: await new ScenarioStore(c.env.CATALOGUE).list(c.var.principal.tenantId) }))
  .get('/v1/scenarios/:scenario', requireKey(), async (c) => {
    const rec = await new ScenarioStore(c.env.CATALOGUE).get(c.var.principal.tenantId, c.req.param('scenario'));
    return rec ? c.json(rec) : c.json(errorBody('not_found', 'no such scenario in this tenant', 'scenario'), 404);
  })
  .post('/v1/scenarios', editors, async (c) => {
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
  .put('/v1/scenarios/:scenario', editors, async (c) => {
    const name = Slug.safeParse(c.req.param('scenario'));
    if (!name.success) return sendError(c, 400, apiErrorFromZod(name.error, 'invalid_field', 'scenario'));
    const body = ScenarioBody.safeParse(await c.req.json().catch(() => undefined));
    if (!body.success) return sendError(c, 400, apiErrorFromZod(body.error, 'invalid_body'));
    const rec = await new ScenarioStore(c.env.CATALOGUE).replace(c.var.principal.tenantId, name.data, body.data);
    return rec ? c.json(rec) : c.json(errorBody('not_found', 'no such scenario in this tenant', 'scenario'), 404);
  })
  .delete('/v1/scenarios/:scenario', editors, async (c) => {
    const ok = await new ScenarioStore(c.env.CATALOGUE).delete(c.var.principal.tenantId, c.req.param('scenario'));
    return ok ? c.body(null, 204) : c.json(errorBody('not_found', 'no such scenario in this tenant', 'scenario'), 404);
  });
