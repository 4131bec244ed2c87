import { describe, expect, inject, it } from 'vitest';
import { edgeClient } from '@vidplat/contracts/edge-client';
import type {} from '../src/vitest-global-setup.js';
import { seedCatalogue } from '../src/demo/catalogue.js';

/**
 * The demo catalogue seeder (`npm start`) against the real edge (wrangler dev): it goes through the
 * typed client, so a body the API no longer takes fails to compile; here it must also seed a tenant
 * a user can then browse and play, and seeding again (a restart) must pass.
 */
const { env, urls } = inject('stack');

describe('demo catalogue seeder', () => {
  it('seeds courses, lessons and entitlements through the typed client, idempotently', async () => {
    const tenantId = `demo-cat-${Date.now()}`;
    const platform = edgeClient({ baseUrl: urls.edge!, key: env.ADMIN_API_KEY! });
    const created = await platform.POST('/v1/platform/tenants', { body: { tenantId, name: tenantId, permissions: ['act_as_user'] } });
    expect(created.response.status).toBe(201);
    const ctx = { edgeUrl: urls.edge!, env, tenants: [{ tenantId, name: tenantId, template: 'vlog' as const, superKey: created.data!.apiKey }], log: () => {} };
    await seedCatalogue(ctx);
    await seedCatalogue(ctx); // a restart re-seeds: 409s are "already there"

    const learner = edgeClient({ baseUrl: urls.edge!, key: created.data!.apiKey, userId: 'demo-learner' });
    const courses = await learner.GET('/v1/courses', { params: { query: {} } });
    expect(courses.response.status).toBe(200);
    expect(courses.data!.items.map((c) => c.id).sort()).toEqual(['mobility-basics', 'strength-101', 'yoga-flow']);
    const play = await learner.GET('/v1/play/{videoId}', { params: { path: { videoId: 'str-2' } } });
    expect(play.response.status, JSON.stringify(play.error)).toBe(200);
    expect(play.data).toMatchObject({ allowed: true });
  }, 120_000);
});
