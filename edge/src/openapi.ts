import { z } from 'zod';
import type { OpenAPIHono } from '@hono/zod-openapi';
import { zodToOpenAPIRegistry } from '@asteasolutions/zod-to-openapi';
import * as contracts from '@vidplat/contracts';
import { publishedSchemas } from '@vidplat/contracts/json-schema';
import type { AppEnv } from './env.js';
import { UNDECLARED_BODIES } from './openapi-undeclared.js';
import { errorResponses } from './http/api-routes.js';

/**
 * The OpenAPI document of the edge, generated from the routes declared with `defineRoute` (see
 * http/api-routes.ts): each carries its zod schemas from contracts, its security and its statuses.
 * Contract schemas keep their contracts name as a component (`#/components/schemas/Course`).
 */

const names = new Map<z.ZodType, string>();
const nameable = (v: unknown): v is z.ZodType => v instanceof z.ZodType && ['object', 'union', 'discriminated_union', 'intersection'].includes((v as z.ZodType).def.type);
for (const [name, schema] of Object.entries(contracts)) if (nameable(schema) && !names.has(schema)) names.set(schema, name);
for (const [name, schema] of Object.entries(publishedSchemas)) names.set(schema, name);

let named = false;
/** Contract schemas become named components wherever a route uses them (the instance is the key). */
function nameContractSchemas(): void {
  if (named) return;
  named = true;
  for (const [schema, name] of names) zodToOpenAPIRegistry.add(schema, { _internal: { refId: name } } as never);
  // `d` of a public JWK is refused by z.never(): documented as a field that must be absent.
  zodToOpenAPIRegistry.add(contracts.EcPublicJwk.shape.d.unwrap(), { type: 'string', description: 'refused: send the public key only', not: {} } as never);
}

const SECURITY_SCHEMES = {
  apiKey: { type: 'http', scheme: 'bearer', description: 'tenant API key `vp_…` (roles per operation)' },
  userToken: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'end-user token signed by the tenant (see /v1/admin/user-token-keys)' },
  platformKey: { type: 'http', scheme: 'bearer', description: "the platform operator's key (ADMIN_API_KEY)" },
  internalToken: { type: 'http', scheme: 'bearer', description: "the media-node's EDGE_INTERNAL_TOKEN" },
} as const;

type Doc = ReturnType<OpenAPIHono['getOpenAPIDocument']>;
let cached: Doc | undefined;

/** The document (built once per isolate): declared routes, plus the routes not yet declared from the route table. */
export function openApiDocument(app: OpenAPIHono<AppEnv>): Doc {
  if (cached) return cached;
  nameContractSchemas();
  for (const [name, scheme] of Object.entries(SECURITY_SCHEMES)) app.openAPIRegistry.registerComponent('securitySchemes', name, scheme);
  for (const [name, response] of errorResponses()) app.openAPIRegistry.registerComponent('responses', name, response);
  for (const [name, schema] of Object.entries(publishedSchemas)) app.openAPIRegistry.register(name, schema);
  const doc = app.getOpenAPIDocument({
    openapi: '3.0.3',
    info: { title: 'vidplat edge API', version: '1.0.0', description: 'Errors answer `{ "error": { "code", "message", "field"? } }` (ErrorBody).' },
  });
  addUndeclared(doc, app.routes);
  cached = doc;
  return doc;
}

const ERRORS = { '400': 'bad input (code and field)', '401': 'missing or unknown credentials', '403': 'role or tenant not allowed', '404': 'not found', '500': 'internal error' };
const ref = (name: string) => ({ content: { 'application/json': { schema: { $ref: `#/components/schemas/${name}` } } } });

/**
 * Routes still registered with plain Hono (`UNDECLARED` in test/openapi.test.ts, shrinking):
 * listed from the route table with the bodies known for them and `x-undeclared: true`, so the
 * document has every path while their modules move to defineRoute.
 */
function addUndeclared(doc: Doc, routes: readonly { method: string; path: string }[]): void {
  doc.paths ??= {};
  for (const { method, path } of routes) {
    if (method === 'ALL' || path.includes('*')) continue;
    const p = path.replace(/:([A-Za-z_]+)/g, '{$1}');
    const op = method.toLowerCase() as 'get';
    if (doc.paths[p]?.[op]) continue;
    const body = UNDECLARED_BODIES[`${method} ${path}`];
    const params = [...path.matchAll(/:([A-Za-z_]+)/g)].map((m) => ({ name: m[1]!, in: 'path' as const, required: true, schema: { type: 'string' as const } }));
    (doc.paths[p] ??= {})[op] = {
      summary: `${method} ${path}`,
      'x-undeclared': true,
      ...(params.length ? { parameters: params } : {}),
      ...(body?.request ? { requestBody: { required: true, ...ref(body.request) } } : {}),
      responses: {
        '200': { description: 'ok', ...(body?.response ? ref(body.response) : {}) },
        ...Object.fromEntries(Object.entries(ERRORS).map(([s, d]) => [s, { description: d, ...ref('ErrorBody') }])),
      },
    };
  }
}

type Declared = { paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
let declared: Declared | undefined;

/**
 * The declared operations and their statuses straight from the route registry, without building
 * the document (no schema conversion): what the edge tests' Worker checks every answer against.
 */
export function declaredOperations(app: OpenAPIHono<AppEnv>): Declared {
  if (declared) return declared;
  const paths: Declared['paths'] = {};
  for (const def of app.openAPIRegistry.definitions) {
    if (def.type !== 'route') continue;
    (paths[def.route.path] ??= {})[def.route.method] = { responses: def.route.responses };
  }
  declared = { paths };
  return declared;
}
