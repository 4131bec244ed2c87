import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { ErrorBody, ScenarioRecord } from '@vidplat/contracts';
import { createKey, json, provisionTenant } from './helpers.js';

const api = (path: string, init: RequestInit) => SELF.fetch(`https://edge.test${path}`, init);

describe('scenarios: CRUD with validated configs and templates', () => {
  it('creates from each template, overrides fields, and validates the merged config', async () => {
    const sup = await provisionTenant('scn-crud');
    for (const template of ['vlog', 'news', 'ecommerce', 'music']) {
      const res = await api('/v1/scenarios', json('POST', sup.apiKey, { scenario: `feed-${template}`, template }));
      expect(res.status).toBe(201);
      const rec = ScenarioRecord.parse(await res.json());
      expect(rec).toMatchObject({ tenantId: 'scn-crud', scenario: `feed-${template}`, template, version: 1 });
      expect(rec.recall.length).toBeGreaterThan(1);
    }
    const news = ScenarioRecord.parse(await (await api('/v1/scenarios/feed-news', json('GET', sup.apiKey))).json());
    expect(news.recall[0]!.name).toBe('fresh');
    expect(news.rerank.freshnessHalfLifeHours).toBe(6);

    const over = await api('/v1/scenarios', json('POST', sup.apiKey, { scenario: 'shop', template: 'ecommerce', rankingModel: 'ctr-lr' }));
    expect(ScenarioRecord.parse(await over.json())).toMatchObject({ rankingModel: 'ctr-lr', template: 'ecommerce' });

    const dup = await api('/v1/scenarios', json('POST', sup.apiKey, { scenario: 'shop', template: 'vlog' }));
    expect(dup.status).toBe(409);

    const list = (await (await api('/v1/scenarios', json('GET', sup.apiKey))).json()) as { scenarios: unknown[] };
    expect(list.scenarios).toHaveLength(5);
  });

  it('rejects bad configs naming the field', async () => {
    const sup = await provisionTenant('scn-bad');
    const cases: [unknown, string][] = [
      [{ scenario: 'x', recall: [] }, 'recall'],
      [{ scenario: 'x', recall: [{ name: 'telepathy', weight: 1, size: 10 }] }, 'recall.0.name'],
      [{ scenario: 'x', recall: [{ name: 'hot', weight: 1, size: 0 }] }, 'recall.0.size'],
      [{ scenario: 'x', template: 'vlog', rerank: { diversityLambda: 2 } }, 'rerank.diversityLambda'],
      [{ scenario: 'bad name!', template: 'vlog' }, 'scenario'],
      [{ scenario: 'x', template: 'podcast' }, 'template'],
    ];
    for (const [body, field] of cases) {
      const res = await api('/v1/scenarios', json('POST', sup.apiKey, body));
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect(ErrorBody.parse(await res.json()).error.field).toBe(field);
    }
    const dupChannel = await api('/v1/scenarios', json('POST', sup.apiKey, { scenario: 'x', recall: [{ name: 'hot', weight: 1, size: 10 }, { name: 'hot', weight: 2, size: 5 }] }));
    expect(dupChannel.status).toBe(400);
  });

  it('updates bump the version; delete; a reader key cannot write', async () => {
    const sup = await provisionTenant('scn-upd');
    const created = ScenarioRecord.parse(await (await api('/v1/scenarios', json('POST', sup.apiKey, { scenario: 'home', template: 'vlog' }))).json());
    const { tenantId, scenario, version, updatedAt, ...body } = created;
    const put = await api('/v1/scenarios/home', json('PUT', sup.apiKey, { ...body, rankingModel: 'm2' }));
    expect(ScenarioRecord.parse(await put.json())).toMatchObject({ version: 2, rankingModel: 'm2' });
    const reader = await createKey(sup.apiKey, 'tenant');
    expect((await api('/v1/scenarios/home', json('DELETE', reader.apiKey))).status).toBe(403);
    expect((await api('/v1/scenarios/home', json('GET', reader.apiKey))).status).toBe(200);
    expect((await api('/v1/scenarios/home', json('DELETE', sup.apiKey))).status).toBe(204);
    expect((await api('/v1/scenarios/home', json('GET', sup.apiKey))).status).toBe(404);
    expect((await api('/v1/scenarios/home', json('PUT', sup.apiKey, body))).status).toBe(404);
  });

  it('isolation: another tenant key neither reads, lists, edits nor deletes a scenario', async () => {
    const a = await provisionTenant('scn-iso-a');
    const b = await provisionTenant('scn-iso-b');
    await api('/v1/scenarios', json('POST', a.apiKey, { scenario: 'secret', template: 'music' }));
    expect((await api('/v1/scenarios/secret', json('GET', b.apiKey))).status).toBe(404);
    const list = (await (await api('/v1/scenarios', json('GET', b.apiKey))).json()) as { scenarios: unknown[] };
    expect(list.scenarios).toEqual([]);
    expect((await api('/v1/scenarios/secret', json('DELETE', b.apiKey))).status).toBe(404);
    // B may create its own scenario with the same name; A's stays untouched.
    expect((await api('/v1/scenarios', json('POST', b.apiKey, { scenario: 'secret', template: 'news' }))).status).toBe(201);
    const mine = ScenarioRecord.parse(await (await api('/v1/scenarios/secret', json('GET', a.apiKey))).json());
    expect(mine.template).toBe('music');
    expect((await api('/v1/scenarios', { method: 'GET' })).status).toBe(401);
  });
});
