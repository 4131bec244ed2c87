import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';

type Doc = { openapi: string; paths: Record<string, Record<string, { responses: Record<string, { content?: { 'application/json': { schema: { $ref: string } } } }> }>>; components: { schemas: Record<string, unknown> } };

describe('GET /v1/openapi.json', () => {
  it('documents the routes with schemas generated from contracts, and every $ref resolves', async () => {
    const res = await SELF.fetch('https://edge.test/v1/openapi.json');
    expect(res.status).toBe(200);
    const doc = (await res.json()) as Doc;
    expect(doc.openapi).toBe('3.0.3');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/v1/events', '/v1/recommend', '/v1/play/{videoId}', '/v1/admin/scheduling/schedules', '/v1/courses', '/v1/scenarios']),
    );
    const play = doc.paths['/v1/play/{videoId}']!.get!;
    expect(play.responses['200']!.content!['application/json'].schema.$ref).toBe('#/components/schemas/PlayResponse');
    const refs = JSON.stringify(doc).match(/#\/components\/schemas\/[A-Za-z]+/g) ?? [];
    expect(refs.length).toBeGreaterThan(3);
    for (const r of refs) expect(doc.components.schemas[r.split('/').pop()!], r).toBeDefined();
    expect(JSON.stringify(doc.components.schemas.BehaviourEvent)).toContain('play_complete');
  });
});
