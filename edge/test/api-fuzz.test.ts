import { env, SELF } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ErrorBody } from '@vidplat/contracts';
import { provisionTenant } from './helpers.js';

/**
 * Every route of /v1/openapi.json with generated input (fast-check, a bounded number of runs per
 * route so the suite stays fast): random and wrong-typed JSON, bad JSON, odd and unicode strings,
 * boundary numbers, wrong content types, odd path parameters. A route never answers 500, and
 * every error is the error schema. In this test environment the feature store and the ingest
 * producer are unreachable by design, so a 503 is allowed only as `upstream_unavailable`.
 */
interface Op {
  method: string;
  path: string;
}
let ops: Op[] = [];
let superKey = '';
const RUNS = Number(process.env.FUZZ_RUNS ?? 4);

beforeAll(async () => {
  superKey = (await provisionTenant('fuzz')).apiKey;
  const doc = (await (await SELF.fetch('https://edge.test/v1/openapi.json')).json()) as { paths: Record<string, Record<string, unknown>> };
  ops = Object.entries(doc.paths).flatMap(([path, methods]) => Object.keys(methods).map((m) => ({ method: m.toUpperCase(), path })));
});

const odd = fc.constantFrom('', ' ', 'x', '..', '%00', 'é'.repeat(70), '🙂'.repeat(40), 'a'.repeat(5000), '<script>', "' OR 1=1 --", 'null', '-1', '1e309', 'NaN');
const value: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  v: fc.oneof(
    { depthSize: 'small' },
    fc.constantFrom(null, true, false, 0, -1, 1.5, 2 ** 31, -(2 ** 53), Number.MAX_SAFE_INTEGER, 1e308),
    fc.string(),
    odd,
    fc.array(tie('v'), { maxLength: 4 }),
    fc.dictionary(fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('tenantId', 'itemId', 'events', 'scenario', 'title', 'role', 'name', 'startAt', 'items', '__proto__', 'constructor')), tie('v'), { maxKeys: 6 }),
  ),
})).v;
const body = fc.oneof(
  value.map((v) => ({ text: JSON.stringify(v) ?? 'null', type: 'application/json' })),
  fc.string().map((s) => ({ text: s, type: 'application/json' })), // mostly not JSON
  value.map((v) => ({ text: JSON.stringify(v) ?? 'null', type: 'text/plain' })),
  fc.constant({ text: `{"events":[${'{"x":1},'.repeat(3000)}{}]}`, type: 'application/json' }),
  fc.constant({ text: '', type: '' }),
);
const param = fc.oneof(fc.string({ minLength: 1, maxLength: 40 }), odd.filter((s) => s.length > 0), fc.constantFrom('fuzz', 'it-1', 'feed'));
const queryString = fc.dictionary(fc.constantFrom('tenant', 'scenario', 'user', 'n', 'debug', 'from', 'to', 'limit', 'cursor', 'q', 'timeZone', 'status'), fc.oneof(fc.string({ maxLength: 30 }), odd), { maxKeys: 5 });

async function call(op: Op, params: string[], b: { text: string; type: string }, qs: Record<string, string>, key: string): Promise<void> {
  let i = 0;
  const path = op.path.replace(/\{[^}]+\}/g, () => encodeURIComponent(params[i++ % params.length]!));
  const url = `https://edge.test${path}?${new URLSearchParams(qs)}`;
  const headers: Record<string, string> = { authorization: `Bearer ${key}` };
  if (b.type) headers['content-type'] = b.type;
  const res = await SELF.fetch(url, { method: op.method, headers, ...(op.method === 'GET' || op.method === 'HEAD' ? {} : { body: b.text }) });
  const text = await res.text();
  const where = `${op.method} ${path} (${b.type || 'no type'}, ${b.text.length} bytes) → ${res.status}: ${text.slice(0, 300)}`;
  expect(res.status, where).not.toBe(500);
  // /healthz answers 503 with its own report (dependencies down here); /hls serves files.
  if (res.status >= 400 && !path.startsWith('/hls/') && path !== '/healthz') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = undefined;
    }
    expect(ErrorBody.safeParse(parsed).success, `error body not the error schema: ${where}`).toBe(true);
    if (res.status >= 500) expect((parsed as ErrorBody).error.code, where).toBe('upstream_unavailable');
  }
}

describe('API fuzzing over /v1/openapi.json', () => {
  it('documents the routes it fuzzes', () => {
    expect(ops.length).toBeGreaterThan(40);
  });

  it('no route answers 500 or an error outside the error schema, with a tenant super key', async () => {
    for (const op of ops) {
      if (op.path.startsWith('/v1/platform/')) continue; // needs the platform key: below
      await fc.assert(fc.asyncProperty(fc.array(param, { minLength: 1, maxLength: 3 }), body, queryString, (ps, b, qs) => call(op, ps, b, qs, superKey)), { numRuns: RUNS, seed: 20 });
    }
  }, 600_000);

  it('platform routes with the platform key, and every route with a forged key', async () => {
    for (const op of ops) {
      const key = op.path.startsWith('/v1/platform/') ? env.ADMIN_API_KEY! : 'vp_forged_0123456789';
      await fc.assert(fc.asyncProperty(fc.array(param, { minLength: 1, maxLength: 3 }), body, queryString, (ps, b, qs) => call(op, ps, b, qs, key)), { numRuns: 2, seed: 21 });
    }
  }, 600_000);
});
