import { env, SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { ErrorBody, Experiment, ScenarioConfig } from '@vidplat/contracts';
import { applyOverrides, assignVariant, hash32 } from '../src/experiments/assignment.js';
import { cachedRunningExperiment } from '../src/experiments/store.js';
import { cachedScenario } from '../src/scenarios/store.js';
import { json, provisionTenant } from './helpers.js';

const api = (path: string, init: RequestInit) => SELF.fetch(`https://edge.test${path}`, init);
const exp = (salt: string, weights: number[]) => ({ salt, variants: weights.map((weight, i) => ({ name: `v${i}`, weight, overrides: {} })) });

describe('A/B assignment', () => {
  it('is deterministic per (salt, user) and independent of call order', () => {
    const e = exp('salt-1', [1, 1]);
    const first = Array.from({ length: 200 }, (_, i) => assignVariant(e, `user-${i}`).name);
    const again = Array.from({ length: 200 }, (_, i) => assignVariant(e, `user-${199 - i}`).name).reverse();
    expect(again).toEqual(first);
  });

  it('splits traffic by weight (10k users, 70/20/10 within 2 points)', () => {
    const e = exp('weights', [70, 20, 10]);
    const counts = [0, 0, 0];
    for (let i = 0; i < 10_000; i++) counts[Number(assignVariant(e, `u${i}`).name.slice(1))]!++;
    expect(Math.abs(counts[0]! - 7000)).toBeLessThan(200);
    expect(Math.abs(counts[1]! - 2000)).toBeLessThan(200);
    expect(Math.abs(counts[2]! - 1000)).toBeLessThan(200);
  });

  it('a different salt reshuffles users; a zero-weight arm gets nobody', () => {
    const a = Array.from({ length: 1000 }, (_, i) => assignVariant(exp('s-a', [1, 1]), `u${i}`).name);
    const b = Array.from({ length: 1000 }, (_, i) => assignVariant(exp('s-b', [1, 1]), `u${i}`).name);
    const same = a.filter((v, i) => v === b[i]).length;
    expect(same).toBeGreaterThan(400);
    expect(same).toBeLessThan(600);
    const zero = Array.from({ length: 1000 }, (_, i) => assignVariant(exp('z', [0, 1]), `u${i}`).name);
    expect(new Set(zero)).toEqual(new Set(['v1']));
    expect(hash32('abc')).toBe(hash32('abc'));
  });

  it('variant overrides replace recall/model and merge re-rank rules', () => {
    const base = ScenarioConfig.parse({ tenantId: 't', scenario: 's', recall: [{ name: 'hot', weight: 1, size: 10 }], rankingModel: 'm1' });
    const out = applyOverrides(base, { recall: [{ name: 'fresh', weight: 2, size: 5 }], rankingModel: null, rerank: { diversityLambda: 0.3 } });
    expect(out.recall).toEqual([{ name: 'fresh', weight: 2, size: 5 }]);
    expect(out.rankingModel).toBeNull();
    expect(out.rerank).toMatchObject({ diversityLambda: 0.3, freshnessBoost: base.rerank.freshnessBoost, filterSeen: true });
    expect(applyOverrides(base, {})).toEqual(base);
  });
});

describe('experiments API', () => {
  it('creates with weighted variants, keeps the salt across edits, serves stable assignments', async () => {
    const sup = await provisionTenant('exp-api');
    await api('/v1/scenarios', json('POST', sup.apiKey, { scenario: 'feed', template: 'vlog' }));
    const body = {
      experimentId: 'mmr-test',
      scenario: 'feed',
      variants: [
        { name: 'control', weight: 50 },
        { name: 'diverse', weight: 50, overrides: { rerank: { diversityLambda: 0.4 } } },
      ],
    };
    const res = await api('/v1/experiments', json('POST', sup.apiKey, body));
    expect(res.status).toBe(201);
    const created = Experiment.parse(await res.json());
    expect(created.salt).toMatch(/^mmr-test:/);

    const assigned = async (u: string) => ((await (await api(`/v1/experiments/mmr-test/assignment?user=${u}`, json('GET', sup.apiKey))).json()) as { variant: string }).variant;
    const before = await Promise.all(['a', 'b', 'c', 'd', 'e'].map(assigned));
    const { experimentId, ...rest } = body;
    const put = await api('/v1/experiments/mmr-test', json('PUT', sup.apiKey, { ...rest, variants: [{ name: 'control', weight: 50 }, { name: 'diverse', weight: 50, overrides: { rerank: { diversityLambda: 0.3 } } }] }));
    expect(Experiment.parse(await put.json()).salt).toBe(created.salt);
    expect(await Promise.all(['a', 'b', 'c', 'd', 'e'].map(assigned))).toEqual(before);

    // One running experiment per scenario.
    const second = await api('/v1/experiments', json('POST', sup.apiKey, { ...body, experimentId: 'other' }));
    expect(second.status).toBe(409);
  });

  it('a variant overriding only rerank.diversityLambda keeps the scenario\'s freshness rules (issue 15)', async () => {
    const sup = await provisionTenant('exp-deep');
    // The news template: freshnessBoost 1 and a 6 h half-life, far from the schema defaults (0.2, 48 h).
    expect((await api('/v1/scenarios', json('POST', sup.apiKey, { scenario: 'news', template: 'news' }))).status).toBe(201);
    const body = { experimentId: 'lambda-only', scenario: 'news', variants: [{ name: 'control', weight: 1 }, { name: 'lambda', weight: 1, overrides: { rerank: { diversityLambda: 0.4 } } }] };
    expect((await api('/v1/experiments', json('POST', sup.apiKey, body))).status).toBe(201);
    // Stored as the variant named it: nothing filled in.
    const stored = Experiment.parse(await (await api('/v1/experiments/lambda-only', json('GET', sup.apiKey))).json());
    expect(stored.variants[1]!.overrides).toEqual({ rerank: { diversityLambda: 0.4 } });
    // What recommend serves that arm: the same loads and merge as the recommend route.
    const scn = (await cachedScenario(env.CATALOGUE, 'exp-deep', 'news'))!;
    const running = (await cachedRunningExperiment(env.CATALOGUE, 'exp-deep', 'news'))!;
    const served = applyOverrides(scn, running.variants.find((v) => v.name === 'lambda')!.overrides);
    expect(served.rerank).toEqual({ ...scn.rerank, diversityLambda: 0.4 });
    expect(served.rerank).toMatchObject({ freshnessBoost: 1, freshnessHalfLifeHours: 6, maxPerCategory: 4, filterSeen: true });
    expect(served.recall).toEqual(scn.recall);
  });

  it('validates variants, scenario existence and isolates tenants', async () => {
    const sup = await provisionTenant('exp-bad');
    await api('/v1/scenarios', json('POST', sup.apiKey, { scenario: 'feed', template: 'news' }));
    const one = await api('/v1/experiments', json('POST', sup.apiKey, { experimentId: 'x', scenario: 'feed', variants: [{ name: 'a', weight: 1 }] }));
    expect(ErrorBody.parse(await one.json()).error.field).toBe('variants');
    const dup = await api('/v1/experiments', json('POST', sup.apiKey, { experimentId: 'x', scenario: 'feed', variants: [{ name: 'a', weight: 1 }, { name: 'a', weight: 1 }] }));
    expect(dup.status).toBe(400);
    const noScn = await api('/v1/experiments', json('POST', sup.apiKey, { experimentId: 'x', scenario: 'ghost', variants: [{ name: 'a', weight: 1 }, { name: 'b', weight: 1 }] }));
    expect(noScn.status).toBe(404);
    const ok = await api('/v1/experiments', json('POST', sup.apiKey, { experimentId: 'x', scenario: 'feed', variants: [{ name: 'a', weight: 1 }, { name: 'b', weight: 1 }] }));
    expect(ok.status).toBe(201);
    const other = await provisionTenant('exp-bad-other');
    expect((await api('/v1/experiments/x', json('GET', other.apiKey))).status).toBe(404);
    expect((await api('/v1/experiments/x', json('DELETE', other.apiKey))).status).toBe(404);
    expect((await api('/v1/experiments/x', json('DELETE', sup.apiKey))).status).toBe(204);
  });
});
