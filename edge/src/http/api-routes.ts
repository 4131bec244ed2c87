import { OpenAPIHono, type RouteConfig, type RouteConfigToTypedResponse, type RouteHandler } from '@hono/zod-openapi';
import type { Handler, MiddlewareHandler } from 'hono';
import type { HandlerResponse, MergePath, Schema, ToSchema } from 'hono/types';
import type { Role } from '@vidplat/contracts';
import type { AppEnv } from '../env.js';
import { requireKey, requireKeyOrUserToken, requirePlatformKey } from '../tenancy/auth.js';

/**
 * Routes declared with their request and response schemas (@hono/zod-openapi), so the OpenAPI
 * document is complete by construction: security from `access`, every status with its body.
 *
 *   export const things = new ApiRoutes()
 *     .endpoint(defineRoute({ method: 'post', path: '/v1/things/{id}', access: access.key('super'),
 *       request: { params: z.object({ id: z.string() }), body: jsonBody(CreateThing) },
 *       responses: { 201: json(Thing, 'created') }, errors: [400, 404, 409] }),
 *       async (c) => { ... })
 *
 * Handlers validate their input as before (the schemas here document it; behaviour stays the
 * handler's), and `c.req.param()` is typed from the path.
 */

/** Who may call a route: the document's security requirement and the middleware that enforces it. */
export type Access = { scheme: 'apiKey' | 'apiKeyOrUserToken' | 'platformKey' | 'internal' | 'public'; roles?: readonly Role[]; middleware?: MiddlewareHandler<AppEnv> };

export const access = {
  /** A tenant API key (any role when none are given); also sets c.var.principal. */
  key: (...roles: Role[]) => ({ scheme: 'apiKey', roles, middleware: requireKey(...roles) }) as const,
  /** A tenant API key or an end-user token the tenant signed. */
  keyOrUserToken: () => ({ scheme: 'apiKeyOrUserToken', middleware: requireKeyOrUserToken() }) as const,
  /** The platform operator's key (ADMIN_API_KEY). */
  platform: () => ({ scheme: 'platformKey', middleware: requirePlatformKey }) as const,
  /** The media-node's internal token or a super/admin key; the handler checks which. */
  internal: () => ({ scheme: 'internal' }) as const,
  public: () => ({ scheme: 'public' }) as const,
};

/** Error statuses a route may document; each answers `ErrorBody` ({ error: { code, message, field? } }). */
export type ErrorStatus = 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 500 | 502 | 503 | 504;

export const ERROR_TEXT: Record<ErrorStatus, string> = {
  400: 'bad input: `code` says what, `field` where',
  401: 'missing, unknown or expired credentials',
  403: 'the credentials may not do this (role, tenant or permission)',
  404: 'not found in this tenant',
  409: 'conflicts with the current state',
  413: 'body larger than this route accepts (payload_too_large)',
  415: 'unsupported media type',
  422: 'well-formed but not processable',
  429: 'rate limited or over quota (Retry-After)',
  500: 'internal error (no internals in the body)',
  502: 'an upstream answered badly',
  503: 'an upstream is unavailable (Retry-After when known)',
  504: 'an upstream timed out',
};

/** Statuses the access middleware itself answers. */
const ACCESS_ERRORS = { apiKey: [401, 403, 429], apiKeyOrUserToken: [401, 403, 429], platformKey: [401, 403], internal: [401, 403], public: [] } as const;
type AccessErrors = typeof ACCESS_ERRORS;

/** Every route may answer these (onError's last resort); a route with a body adds 413 (http/body-limits.ts). */
const ALWAYS = [500] as const;

/** Error responses are shared components (`#/components/responses/E404`), each an ErrorBody. */
type ErrorResponse = { $ref: string };
type ErrorResponses<S extends number> = { [K in S]: ErrorResponse };
export const errorResponseName = (s: ErrorStatus) => `E${s}`;

export type RouteSpec = Omit<RouteConfig, 'responses' | 'security' | 'middleware'> & {
  access: Access;
  responses: RouteConfig['responses'];
  errors?: readonly ErrorStatus[];
  middleware?: MiddlewareHandler<AppEnv>[];
};

type Defined<R extends RouteSpec> = Omit<R, 'responses' | 'errors' | 'access'> & {
  responses: R['responses'] & ErrorResponses<AccessErrors[R['access']['scheme']][number] | NonNullable<R['errors']>[number] | (typeof ALWAYS)[number] | 413>;
  access: Access;
  security: Record<string, string[]>[];
};

const SECURITY: Record<Access['scheme'], Record<string, string[]>[]> = {
  apiKey: [{ apiKey: [] }],
  apiKeyOrUserToken: [{ apiKey: [] }, { userToken: [] }],
  platformKey: [{ platformKey: [] }],
  internal: [{ internalToken: [] }, { apiKey: [] }],
  public: [],
};

const errorResponse = (s: ErrorStatus): ErrorResponse => ({ $ref: `#/components/responses/${errorResponseName(s)}` });

/** The shared error responses, registered once on the app that serves the document. */
export const errorResponses = () =>
  (Object.keys(ERROR_TEXT) as unknown as ErrorStatus[]).map((s) => [errorResponseName(Number(s) as ErrorStatus), { description: ERROR_TEXT[s], content: { 'application/json': { schema: { $ref: '#/components/schemas/ErrorBody' } } } }] as const);

/** createRoute plus what every route shares: the security requirement and its error responses. */
export function defineRoute<const R extends RouteSpec>(spec: R): Defined<R> {
  const { errors = [], access: acc, responses, ...rest } = spec;
  const statuses = new Set<ErrorStatus>([...ACCESS_ERRORS[acc.scheme], ...errors, ...ALWAYS]);
  if (spec.request?.body) statuses.add(413);
  const roles = acc.roles?.length ? ` Roles: ${acc.roles.join(', ')}.` : '';
  return {
    ...rest,
    access: acc,
    security: SECURITY[acc.scheme],
    ...(roles ? { description: `${spec.description ?? ''}${roles}`.trim() } : {}),
    responses: { ...Object.fromEntries([...statuses].sort().map((s) => [s, errorResponse(s)])), ...responses },
  } as unknown as Defined<R>;
}

/** A JSON request body documented from a contracts schema. */
export const jsonBody = <T>(schema: T, description?: string) => ({ required: true, ...(description ? { description } : {}), content: { 'application/json': { schema } } }) as const;
/** A JSON response documented from a contracts schema. */
export const json = <T>(schema: T, description = 'ok') => ({ description, content: { 'application/json': { schema } } }) as const;
/** A response without a body (204, redirects). */
export const empty = (description: string) => ({ description }) as const;

/** `{id}` (OpenAPI) to `:id` (Hono), as a type so `c.req.param('id')` is typed. */
type HonoPath<P extends string> = P extends `${infer A}{${infer N}}${infer B}` ? `${A}:${N}${HonoPath<B>}` : P;
type InputOf<R extends RouteConfig> = RouteHandler<R> extends Handler<never, never, infer I, never> ? I : never;

/**
 * A Hono sub-app whose routes are declared with `endpoint(route, handler)`: the route goes into the
 * document; its route middleware, then its access middleware, run before the handler. Mount with
 * `.route('/', x)` on another ApiRoutes (or the app) so the definitions travel up.
 */
export class ApiRoutes<S extends Schema = {}, BP extends string = '/'> extends OpenAPIHono<AppEnv, S, BP> {
  endpoint<R extends RouteConfig & { access: Access }>(
    route: R,
    handler: Handler<AppEnv, HonoPath<R['path']>, InputOf<R>, HandlerResponse<unknown>>,
  ): ApiRoutes<S & ToSchema<R['method'], MergePath<BP, HonoPath<R['path']>>, InputOf<R>, RouteConfigToTypedResponse<R>>, BP> {
    const { access: acc, middleware, ...doc } = route;
    this.openAPIRegistry.registerPath(doc);
    // Route middleware wraps everything (timing, metrics), then the access check, then the handler.
    const mw = [...((middleware as MiddlewareHandler<AppEnv>[] | undefined) ?? []), ...(acc.middleware ? [acc.middleware] : [])];
    this.on([route.method.toUpperCase()], [route.path.replaceAll(/\{([^}]+)\}/g, ':$1')], ...mw, handler as Handler<AppEnv>);
    return this as never;
  }
}
