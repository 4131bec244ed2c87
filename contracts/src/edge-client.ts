import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { paths } from './edge-api.js';
import { checkAnswer, type OpenApiDoc } from './openapi-conformance.js';

/**
 * The typed client of the edge API: openapi-fetch over `paths`, generated from the document the
 * Worker builds from its own route declarations (`npm run gen:edge-api`). Paths, parameters,
 * bodies and every documented answer are typed:
 *
 *   const edge = edgeClient({ baseUrl, key });
 *   const { data, error, response } = await edge.POST('/v1/categories', { body: { id: 'yoga', name: 'Yoga' } });
 *
 * With `strict` (tests), an answer whose status the document does not list for its operation
 * throws, naming the operation: the API never drifts from its description unnoticed.
 */
export type EdgeClient = Client<paths>;
export type EdgePaths = paths;

export interface EdgeClientOptions {
  baseUrl: string;
  /** A tenant API key, the platform key, or an end-user token (sent as Bearer); a function is read per request. */
  key?: string | (() => string);
  /** X-User-Id: the end user a server key with act_as_user acts for. */
  userId?: string;
  headers?: Record<string, string>;
  /** Per-request timeout (every external call has one). */
  timeoutMs?: number;
  /** The OpenAPI document to hold answers to (see edgeOpenApi). */
  strict?: OpenApiDoc;
  fetch?: (input: Request) => Promise<Response>;
}

export class UndocumentedAnswer extends Error {}

export function edgeClient(o: EdgeClientOptions): EdgeClient {
  const timeoutMs = o.timeoutMs ?? 10_000;
  const client = createClient<paths>({
    baseUrl: o.baseUrl,
    headers: { ...(typeof o.key === 'string' ? { authorization: `Bearer ${o.key}` } : {}), ...(o.userId ? { 'x-user-id': o.userId } : {}), ...o.headers },
    fetch: (req) => (o.fetch ?? fetch)(new Request(req, { signal: AbortSignal.timeout(timeoutMs) })),
  });
  const key = o.key;
  if (typeof key === 'function') client.use({ onRequest: ({ request }) => void request.headers.set('authorization', `Bearer ${key()}`) });
  if (o.strict) client.use(conformance(o.strict));
  return client;
}

/** Fetches the edge's document, for `strict`. */
export async function edgeOpenApi(baseUrl: string): Promise<OpenApiDoc> {
  const res = await fetch(`${baseUrl}/v1/openapi.json`, { signal: AbortSignal.timeout(10_000) });
  if (res.status !== 200) throw new Error(`GET ${baseUrl}/v1/openapi.json answered ${res.status}`);
  return (await res.json()) as OpenApiDoc;
}

function conformance(doc: OpenApiDoc): Middleware {
  return {
    onResponse({ request, response }) {
      const v = checkAnswer(doc, request.method, new URL(request.url).pathname, response.status);
      if (v.kind === 'undocumented_status') {
        throw new UndocumentedAnswer(`${request.method} ${v.template} answered ${response.status}; the document lists ${v.documented.join(', ')}`);
      }
      if (v.kind === 'no_operation' && response.status !== 404) {
        throw new UndocumentedAnswer(`${request.method} ${new URL(request.url).pathname} answered ${response.status} but the document has no such operation`);
      }
      return undefined;
    },
  };
}
