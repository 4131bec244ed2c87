import { apiErrorFromZod, TenantEventPolicy } from '@vidplat/contracts';
import { access, ApiRoutes, defineRoute, json, jsonBody } from '../http/api-routes.js';
import { errorBody, sendError } from '../http/errors.js';
import { SwrCache, type WaitUntil } from './swr-cache.js';

/** Per isolate, like API keys: a change made through another isolate applies within 30 s. */
const policies = new SwrCache<TenantEventPolicy>(15_000, 30_000);

class PolicyLoader {
  constructor(
    private readonly db: D1Database,
    private readonly tenantId: string,
  ) {}
  async load(): Promise<TenantEventPolicy> {
    const row = await this.db.prepare('SELECT event_horizon_days FROM tenants WHERE tenant_id = ?1').bind(this.tenantId).first<{ event_horizon_days: number | null }>();
    return { eventHorizonDays: row?.event_horizon_days ?? null };
  }
}

/** The tenant's event policy (tenant configuration in D1, cached per isolate). */
export async function tenantEventPolicy(db: D1Database, tenantId: string, waitUntil?: WaitUntil): Promise<TenantEventPolicy> {
  const hit = policies.peek(tenantId);
  if (hit) return hit;
  const loader = new PolicyLoader(db, tenantId);
  return policies.get(tenantId, loader.load.bind(loader), waitUntil);
}

/** A settings body: an unknown field is a 400 naming it, never silently ignored. */
const PolicyBody = TenantEventPolicy.strict();

/** GET/PUT /v1/admin/event-policy (super key): the tenant's live-event horizon. */
export const eventPolicyRoutes = new ApiRoutes()
  .endpoint(defineRoute({ method: 'get', path: '/v1/admin/event-policy', tags: ['tenancy'], access: access.key('super', 'admin'), responses: { 200: json(TenantEventPolicy) } }), async (c) => {
    return c.json(await new PolicyLoader(c.env.CATALOGUE, c.var.principal.tenantId).load());
  })
  .endpoint(defineRoute({ method: 'put', path: '/v1/admin/event-policy', tags: ['tenancy'], access: access.key('super'), request: { body: jsonBody(PolicyBody) }, responses: { 200: json(TenantEventPolicy) }, errors: [400, 404] }), async (c) => {
    const body = PolicyBody.safeParse(await c.req.json().catch(() => undefined));
    if (!body.success) return sendError(c, 400, apiErrorFromZod(body.error, 'invalid_body'));
    const { tenantId } = c.var.principal;
    const r = await c.env.CATALOGUE.prepare('UPDATE tenants SET event_horizon_days = ?1 WHERE tenant_id = ?2').bind(body.data.eventHorizonDays, tenantId).run();
    if (!r.meta.changes) return c.json(errorBody('not_found', `tenant ${tenantId} not found`), 404);
    policies.delete(tenantId);
    return c.json(body.data);
  });
