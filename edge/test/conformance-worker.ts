import type { OpenAPIHono } from '@hono/zod-openapi';
import { app } from '../src/app.js';
import type { AppEnv, Bindings } from '../src/env.js';
import worker from '../src/index.js';
import { declaredOperations } from '../src/openapi.js';
import { checkAnswer, type OpenApiDoc } from '@vidplat/contracts/openapi-conformance';

// Every Durable Object class the production Worker exports (its default export is replaced below).
export * from '../src/index.js';

/**
 * The edge tests' Worker: the production Worker unchanged, and every answer of a declared route
 * checked against the OpenAPI document. A status the document does not list for that operation
 * becomes a 500 naming it, so the test that provoked it fails.
 */
export default {
  async fetch(req, env, ctx) {
    const res = await worker.fetch(req, env, ctx);
    const doc: OpenApiDoc = declaredOperations(app as unknown as OpenAPIHono<AppEnv>);
    const verdict = checkAnswer(doc, req.method, new URL(req.url).pathname, res.status);
    if (verdict.kind !== 'undocumented_status') return res;
    const message = `${req.method} ${verdict.template} answered ${res.status}, which its OpenAPI operation does not document (documented: ${verdict.documented.join(', ')})`;
    console.error(message);
    return Response.json({ error: { code: 'internal', message } }, { status: 500, headers: { 'x-undocumented-status': String(res.status) } });
  },
} satisfies ExportedHandler<Bindings>;
