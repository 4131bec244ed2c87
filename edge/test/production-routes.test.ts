import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { json } from './helpers.js';
import { tenantWithKeys } from './scheduling-support.js';

describe('the production Worker carries no bench scaffolding', () => {
  it('has no hello-world or floor route (they live in the bench Worker, edge/bench/worker.ts)', async () => {
    const hello = await SELF.fetch('https://edge.test/v1/recommend/hello');
    expect(hello.status).toBe(404);
    expect(await hello.json()).toMatchObject({ error: { code: 'not_found' } });
    const t = await tenantWithKeys('no-floor');
    const floor = await SELF.fetch(`https://edge.test/v1/recommend/floor?tenant=${t.tenantId}&scenario=home&user=u1`, json('GET', t.superKey));
    expect(floor.status).toBe(404);
    const doc = (await (await SELF.fetch('https://edge.test/v1/openapi.json')).json()) as { paths: Record<string, unknown> };
    expect(Object.keys(doc.paths)).not.toContain('/v1/recommend/hello');
    expect(Object.keys(doc.paths)).not.toContain('/v1/recommend/floor');
  });
});
