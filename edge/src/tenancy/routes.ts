import { z } from 'zod';
import { apiErrorFromZod, applyLimitsPatch, CreateApiKeyRequest, CreatedApiKey, CreateTenantRequest, TenantLimits, TenantLimitsPatch } from '@vidplat/contracts';
import { readTenantLimits, writeTenantLimits } from '../guardrails/tenant-limits.js';
import { access, ApiRoutes, defineRoute, empty, json, jsonBody } from '../http/api-routes.js';
import { errorBody, sendError } from '../http/errors.js';
import { forgetKeyId, insertApiKey } from './api-keys.js';
import { userTokenKeyRoutes } from './user-token-key-routes.js';

/** Tenant provisioning (platform key) and key management (the tenant's super key). */
const tags = ['tenancy'];

export const tenancyRoutes = new ApiRoutes()
  .endpoint(defineRoute({ method: 'post', path: '/v1/platform/tenants', tags, access: access.platform(), request: { body: jsonBody(CreateTenantRequest) }, responses: { 201: json(CreatedApiKey, 'the tenant and its first super key (shown once)') }, errors: [400, 409] }), async (c) => {
    const body = CreateTenantRequest.safeParse(await c.req.json().catch(() => undefined));
    if (!body.success) return sendError(c, 400, apiErrorFromZod(body.error, 'invalid_body'));
    const { tenantId, name, permissions } = body.data;
    const existing = await c.env.CATALOGUE.prepare('SELECT 1 FROM tenants WHERE tenant_id = ?1').bind(tenantId).first();
    if (existing) return c.json(errorBody('conflict', `tenant ${tenantId} exists`, 'tenantId'), 409);
    await c.env.CATALOGUE.prepare('INSERT INTO tenants (tenant_id, name, created_at) VALUES (?1, ?2, ?3)').bind(tenantId, name, new Date().toISOString()).run();
    const k = await insertApiKey(c.env.CATALOGUE, tenantId, 'super', null, permissions);
    return c.json({ ...k, role: 'super', tenantId, permissions } satisfies CreatedApiKey, 201);
  })
  // Rate limits and quotas of a tenant (platform operator): GET the effective limits, PUT a patch.
  .endpoint(defineRoute({ method: 'get', path: '/v1/platform/tenants/{tenantId}/limits', tags, access: access.platform(), request: { params: z.object({ tenantId: z.string() }) }, responses: { 200: json(TenantLimits) }, errors: [404] }), async (c) => {
    const tenantId = c.req.param('tenantId');
    const t = await c.env.CATALOGUE.prepare('SELECT 1 FROM tenants WHERE tenant_id = ?1').bind(tenantId).first();
    if (!t) return c.json(errorBody('not_found', `no tenant ${tenantId}`, 'tenantId'), 404);
    return c.json(await readTenantLimits(c.env.CATALOGUE, tenantId));
  })
  .endpoint(defineRoute({ method: 'put', path: '/v1/platform/tenants/{tenantId}/limits', tags, access: access.platform(), request: { params: z.object({ tenantId: z.string() }), body: jsonBody(TenantLimitsPatch) }, responses: { 200: json(TenantLimits) }, errors: [400, 404] }), async (c) => {
    const body = TenantLimitsPatch.safeParse(await c.req.json().catch(() => undefined));
    if (!body.success) return sendError(c, 400, apiErrorFromZod(body.error, 'invalid_body'));
    const tenantId = c.req.param('tenantId');
    const t = await c.env.CATALOGUE.prepare('SELECT 1 FROM tenants WHERE tenant_id = ?1').bind(tenantId).first();
    if (!t) return c.json(errorBody('not_found', `no tenant ${tenantId}`, 'tenantId'), 404);
    const next = applyLimitsPatch(await readTenantLimits(c.env.CATALOGUE, tenantId), body.data);
    await writeTenantLimits(c.env.CATALOGUE, tenantId, next);
    return c.json(next);
  })
  .endpoint(defineRoute({ method: 'post', path: '/v1/admin/api-keys', tags, access: access.key('super'), request: { body: jsonBody(CreateApiKeyRequest) }, responses: { 201: json(CreatedApiKey, 'the key (shown once)') }, errors: [400] }), async (c) => {
    const body = CreateApiKeyRequest.safeParse(await c.req.json().catch(() => undefined));
    if (!body.success) return sendError(c, 400, apiErrorFromZod(body.error, 'invalid_body'));
    const { tenantId } = c.var.principal;
    const { role, userId, permissions } = body.data;
    const k = await insertApiKey(c.env.CATALOGUE, tenantId, role, userId, permissions);
    return c.json({ ...k, role, tenantId, permissions } satisfies CreatedApiKey, 201);
  })
  .endpoint(defineRoute({ method: 'delete', path: '/v1/admin/api-keys/{keyId}', tags, access: access.key('super'), request: { params: z.object({ keyId: z.string() }) }, responses: { 204: empty('revoked') }, errors: [404] }), async (c) => {
    const r = await c.env.CATALOGUE.prepare('UPDATE api_keys SET revoked_at = ?1 WHERE key_id = ?2 AND tenant_id = ?3 AND revoked_at IS NULL')
      .bind(new Date().toISOString(), c.req.param('keyId'), c.var.principal.tenantId)
      .run();
    if (!r.meta.changes) return c.json(errorBody('not_found', 'no such active key in this tenant', 'keyId'), 404);
    forgetKeyId(c.req.param('keyId'));
    return c.body(null, 204);
  })
  .route('/', userTokenKeyRoutes);
