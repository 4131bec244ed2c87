import { edgeClient, edgeOpenApi, type EdgeClient } from '@vidplat/contracts/edge-client';
import { checkAnswer, type OpenApiDoc } from '@vidplat/contracts/openapi-conformance';

/**
 * The integration tests' way to the edge: the typed client (contracts/src/edge-client.ts) in strict
 * mode, so an answer whose status the edge's OpenAPI document does not list for its operation
 * fails the test that provoked it.
 */
const docs = new Map<string, Promise<OpenApiDoc>>();

export async function edgeApi(baseUrl: string, key: string, o: { userId?: string; timeoutMs?: number } = {}): Promise<EdgeClient> {
  let doc = docs.get(baseUrl);
  if (!doc) docs.set(baseUrl, (doc = edgeOpenApi(baseUrl)));
  return edgeClient({ baseUrl, key, strict: await doc, timeoutMs: o.timeoutMs ?? 30_000, ...(o.userId ? { userId: o.userId } : {}) });
}

/** A new tenant through the platform API; its super key may act for end users. */
export async function provisionTenant(baseUrl: string, platformKey: string, tenantId: string): Promise<EdgeClient> {
  return (await provisionTenantKey(baseUrl, platformKey, tenantId)).edge;
}

/** provisionTenant, with the tenant's super key itself (for checkedCaller). */
export async function provisionTenantKey(baseUrl: string, platformKey: string, tenantId: string): Promise<{ edge: EdgeClient; key: string }> {
  const platform = await edgeApi(baseUrl, platformKey);
  const { data, response } = await platform.POST('/v1/platform/tenants', { body: { tenantId, name: tenantId, permissions: ['act_as_user'] } });
  if (response.status !== 201 || !data) throw new Error(`provisioning ${tenantId}: ${response.status}`);
  return { edge: await edgeApi(baseUrl, data.apiKey), key: data.apiKey };
}

/** JSON calls with a key, held to the document like checkedFetch: `{status, body}` (body parsed, null when empty). */
export async function checkedCaller(baseUrl: string, key: string): Promise<(method: string, path: string, body?: unknown) => Promise<{ status: number; body: unknown }>> {
  const f = await checkedFetch(baseUrl);
  return async (method, path, body) => {
    const headers: Record<string, string> = { authorization: `Bearer ${key}` };
    if (body !== undefined) headers['content-type'] = 'application/json';
    const res = await f(path, { method, headers, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as unknown) : null };
  };
}

/**
 * Plain fetch to the edge held to the same document: for tests that send what the typed client
 * would not let them (malformed events, wrong types). An undocumented status throws.
 */
export async function checkedFetch(baseUrl: string): Promise<(path: string, init?: RequestInit) => Promise<Response>> {
  let doc = docs.get(baseUrl);
  if (!doc) docs.set(baseUrl, (doc = edgeOpenApi(baseUrl)));
  const d = await doc;
  return async (path, init = {}) => {
    const res = await fetch(`${baseUrl}${path}`, { signal: AbortSignal.timeout(30_000), ...init });
    const v = checkAnswer(d, init.method ?? 'GET', new URL(path, baseUrl).pathname, res.status);
    if (v.kind === 'undocumented_status') throw new Error(`${init.method ?? 'GET'} ${v.template} answered ${res.status}; the document lists ${v.documented.join(', ')}`);
    return res;
  };
}
