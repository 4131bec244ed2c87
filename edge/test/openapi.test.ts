import { env, SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { app } from '../src/app.js';
import { json, provisionTenant } from './helpers.js';
import { checkAnswer, type OpenApiDoc } from '@vidplat/contracts/openapi-conformance';

type Operation = {
  'x-undeclared'?: boolean;
  security?: Record<string, string[]>[];
  requestBody?: { content: Record<string, { schema: unknown }> };
  responses: Record<string, DocResponse>;
};
type DocResponse = { $ref?: string; content?: Record<string, { schema: { $ref?: string } }> };
type Doc = { openapi: string; paths: Record<string, Record<string, Operation>>; components: { schemas: Record<string, unknown>; securitySchemes: Record<string, unknown>; responses: Record<string, DocResponse> } };

const resolve = (doc: Doc, r: DocResponse): DocResponse => (r.$ref ? doc.components.responses[r.$ref.split('/').pop()!]! : r);

/**
 * Routes still registered with plain Hono, not yet declared with defineRoute (http/api-routes.ts).
 * This list only shrinks: declaring a route and leaving it here fails, and so does a new plain route.
 */
const UNDECLARED: string[] = [];

/** Routes outside the JSON API: the guarded HLS origin (playlists and segments, any depth). */
const NOT_API = new Set(['GET /hls/*']);

const toOpenApi = (p: string) => p.replace(/:([A-Za-z_]+)/g, '{$1}');

async function document(): Promise<Doc> {
  const res = await SELF.fetch('https://edge.test/v1/openapi.json');
  expect(res.status).toBe(200);
  return (await res.json()) as Doc;
}

function appRoutes(): string[] {
  const keys = app.routes.filter((r) => r.method !== 'ALL').map((r) => `${r.method} ${r.path}`);
  return [...new Set(keys)];
}

describe('GET /v1/openapi.json', () => {
  it('documents the routes with schemas generated from contracts, and every $ref resolves', async () => {
    const doc = await document();
    expect(doc.openapi).toBe('3.0.3');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/v1/events', '/v1/recommend', '/v1/play/{videoId}', '/v1/admin/scheduling/schedules', '/v1/courses', '/v1/scenarios']),
    );
    const play = doc.paths['/v1/play/{videoId}']!.get!;
    expect(play.responses['200']!.content!['application/json']!.schema.$ref).toBe('#/components/schemas/PlayResponse');
    expect(doc.components.responses.E404!.content!['application/json']!.schema.$ref).toBe('#/components/schemas/ErrorBody');
    const refs = JSON.stringify(doc).match(/#\/components\/schemas\/[A-Za-z]+/g) ?? [];
    expect(refs.length).toBeGreaterThan(3);
    for (const r of refs) expect(doc.components.schemas[r.split('/').pop()!], r).toBeDefined();
    expect(JSON.stringify(doc.components.schemas.BehaviourEvent)).toContain('play_complete');
  });

  it('has an operation for every route of the app; only the listed routes are still undeclared', async () => {
    const doc = await document();
    const undeclared: string[] = [];
    for (const key of appRoutes()) {
      if (NOT_API.has(key)) continue;
      const [method, path] = key.split(' ') as [string, string];
      const op = doc.paths[toOpenApi(path)]?.[method.toLowerCase()];
      expect(op, `${key} is missing from the document`).toBeDefined();
      if (op!['x-undeclared']) undeclared.push(key);
    }
    console.log(`openapi: ${appRoutes().length - NOT_API.size - undeclared.length} routes declared, ${undeclared.length} undeclared`);
    expect(undeclared.sort()).toEqual([...UNDECLARED].sort());
  });

  it('declared operations name their security, their request body and an ErrorBody for every error status', async () => {
    const doc = await document();
    let declared = 0;
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        if (op['x-undeclared']) continue;
        declared++;
        const at = `${method.toUpperCase()} ${path}`;
        expect(op.security, at).toBeDefined();
        for (const s of op.security!) for (const name of Object.keys(s)) expect(doc.components.securitySchemes[name], `${at}: ${name}`).toBeDefined();
        expect(Object.keys(op.responses).some((s) => /^[23]/.test(s)), `${at} documents no success status`).toBe(true);
        expect(op.responses['500'], `${at} 500`).toBeDefined();
        for (const [status, r] of Object.entries(op.responses)) {
          if (Number(status) < 400) continue;
          // The shared ErrorBody response of that status, or a body of its own where the route says so
          // (e.g. /healthz 503 lists the failed dependency, /v1/play 403 says why).
          const own = resolve(doc, r);
          expect(JSON.stringify(own.content?.['application/json']?.schema ?? {}), `${at} ${status}`).not.toBe('{}');
          if (r.$ref) expect(r.$ref, `${at} ${status}`).toBe(`#/components/responses/E${status}`);
        }
        if (op.requestBody) {
          expect(op.responses['413'], `${at} takes a body, so documents 413`).toBeDefined();
          for (const [type, c] of Object.entries(op.requestBody.content)) expect(JSON.stringify(c.schema), `${at} ${type}`).not.toBe('{}');
        }
      }
    }
    expect(declared).toBeGreaterThan(0);
  });

  it('routes that need a key say so and answer 401 without one, as documented', async () => {
    const res = await SELF.fetch('https://edge.test/v1/scenarios');
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('unauthorized');
    const doc = await document();
    expect(doc.paths['/v1/scenarios']!.get!.security).toEqual([{ apiKey: [] }]);
    expect(doc.paths['/v1/scenarios']!.get!.responses['401']).toBeDefined();
  });
});

describe('checkAnswer (the edge tests\' Worker and the strict client use it on every answer)', () => {
  const doc: OpenApiDoc = {
    paths: {
      '/v1/courses/{courseId}': { get: { responses: { '200': {}, '404': {} } } },
      '/v1/courses/hot': { get: { responses: { '200': {} } } },
      '/v1/legacy': { get: { 'x-undeclared': true, responses: {} } },
      '/admin': { get: { responses: { '200': {} } } },
      '/admin/': { get: { responses: { '301': {} } } },
    },
  };
  it('accepts a documented status, names an undocumented one, and prefers literal segments', () => {
    expect(checkAnswer(doc, 'GET', '/v1/courses/c1', 404)).toEqual({ kind: 'documented', template: '/v1/courses/{courseId}' });
    expect(checkAnswer(doc, 'GET', '/v1/courses/c1', 409)).toEqual({ kind: 'undocumented_status', template: '/v1/courses/{courseId}', documented: ['200', '404'] });
    expect(checkAnswer(doc, 'GET', '/v1/courses/hot', 404)).toMatchObject({ kind: 'undocumented_status', template: '/v1/courses/hot' });
    expect(checkAnswer(doc, 'GET', '/v1/legacy', 418)).toEqual({ kind: 'undeclared', template: '/v1/legacy' });
    expect(checkAnswer(doc, 'POST', '/v1/courses/c1', 200)).toEqual({ kind: 'no_operation' });
    // Paths match exactly, as Hono routes them: a trailing slash is another route.
    expect(checkAnswer(doc, 'GET', '/admin/', 301)).toEqual({ kind: 'documented', template: '/admin/' });
    expect(checkAnswer(doc, 'GET', '/admin', 301)).toMatchObject({ kind: 'undocumented_status', template: '/admin' });
  });
});

describe('settings bodies', () => {
  it('refuse an unknown field with a 400 naming it (event policy, scheduling settings, tenant limits), and take the known ones', async () => {
    const { apiKey } = await provisionTenant('strict-settings');
    const put = async (path: string, key: string, body: unknown) => {
      const res = await SELF.fetch(`https://edge.test${path}`, json('PUT', key, body));
      return { status: res.status, body: (await res.json()) as { error?: { field?: string } } };
    };
    expect(await put('/v1/admin/event-policy', apiKey, { eventHorizonDays: 3, eventHorizon: 5 })).toMatchObject({ status: 400, body: { error: { code: 'invalid_body', field: 'eventHorizon' } } });
    expect(await put('/v1/admin/event-policy', apiKey, { eventHorizonDays: 3 })).toMatchObject({ status: 200, body: { eventHorizonDays: 3 } });
    expect(await put('/v1/admin/scheduling/settings', apiKey, { retryBaseMs: 1000, retryBase: 5 })).toMatchObject({ status: 400, body: { error: { field: 'retryBase' } } });
    expect(await put('/v1/admin/scheduling/settings', apiKey, { retryBaseMs: 1000 })).toMatchObject({ status: 200, body: { retryBaseMs: 1000 } });
    expect(await put('/v1/platform/tenants/strict-settings/limits', env.ADMIN_API_KEY!, { burstSeconds: 3, burst: 3 })).toMatchObject({ status: 400, body: { error: { field: 'burst' } } });
    expect(await put('/v1/platform/tenants/strict-settings/limits', env.ADMIN_API_KEY!, { burstSeconds: 3 })).toMatchObject({ status: 200, body: { burstSeconds: 3 } });
  });
});
