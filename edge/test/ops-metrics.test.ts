import { env, SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { FeatureKeys, ScenarioConfig } from '@vidplat/contracts';
import { runPipeline } from '../src/recommend/pipeline.js';
import { distinctItems } from '../src/recommend/list-quality.js';
import { MemoryStore } from './memory-feature-store.js';
import { provisionTenant } from './helpers.js';
import { createOk, fireAfter, HOUR, inHours, tenantWithKeys } from './scheduling-support.js';

/** The metrics issue 20 asks of the edge beyond requests: coverage/diversity of what recommend serves, alarm lateness. */
const metrics = async () => (await SELF.fetch('https://edge.test/v1/platform/metrics', { headers: { authorization: `Bearer ${env.ADMIN_API_KEY}` } })).text();
const sample = (text: string, series: string): number => {
  const line = text.split('\n').find((l) => l.startsWith(`${series} `));
  return line ? Number(line.split(' ').pop()) : NaN;
};

describe('recommendation coverage and diversity', () => {
  it('counts the distinct items served against the published catalogue, and each list\'s category spread', async () => {
    const t = 'qual-cov';
    const sup = await provisionTenant(t);
    const NOW = Date.now();
    const ids = Array.from({ length: 40 }, (_, i) => `q${i}`);
    const cats = ['news', 'sport', 'music'];
    // 30 published items in the catalogue (the coverage denominator), 10 drafts that do not count.
    const ndjson = ids.map((id, i) => JSON.stringify({ itemId: id, kind: 'video', title: id, categories: [cats[i % 3]], state: i < 30 ? 'published' : 'draft', publishedAt: '2026-01-01T00:00:00.000Z' })).join('\n');
    const imp = await SELF.fetch('https://edge.test/v1/items/import', { method: 'POST', headers: { authorization: `Bearer ${sup.apiKey}`, 'content-type': 'application/x-ndjson' }, body: ndjson });
    expect(imp.status).toBe(200);
    const hot = ids.slice(0, 30);
    const store = new MemoryStore(
      new Map<string, unknown>([
        [FeatureKeys.hotListMeta(t, 'feed'), JSON.stringify({ version: 1, builtAt: new Date(NOW).toISOString(), source: 'test', size: 30 })],
        [FeatureKeys.itemMetaVersion(t), '1'],
        [FeatureKeys.hotList(t, 'feed'), hot.map((id, i) => [id, 100 - i])],
        [FeatureKeys.itemMeta(t), Object.fromEntries(hot.map((id, i) => [id, JSON.stringify({ s: 'published', p: NOW - 3_600_000, u: null, c: [cats[i % 3]], a: 'free' })]))],
      ]),
    );
    const cfg = ScenarioConfig.parse({ tenantId: t, scenario: 'feed', recall: [{ name: 'hot', weight: 1, size: 30 }] });
    const run = (user: string, n: number) => runPipeline(store, env.MODELS, { tenant: t, scenario: 'feed', user, n, cfg, nowMs: NOW, debug: false });
    const a = await run('u1', 10);
    expect(a.items).toHaveLength(10);
    const served = new Set(a.items.map((i) => i.itemId));
    expect(distinctItems(t)).toBe(served.size);
    // Another user's list adds only the items not served yet.
    const b = await run('u2', 6);
    for (const i of b.items) served.add(i.itemId);
    expect(distinctItems(t)).toBe(served.size);

    const text = await metrics();
    expect(sample(text, `edge_recommend_distinct_items{tenant="${t}"}`)).toBe(served.size);
    expect(sample(text, `edge_recommend_coverage_ratio{tenant="${t}"}`)).toBeCloseTo(served.size / 30, 6);
    expect(sample(text, `edge_recommend_lists_total{tenant="${t}"}`)).toBe(2);
    // Two lists; each spans 3 categories: 3/10 and 3/6.
    const catsOf = (items: { itemId: string }[]) => new Set(items.map((i) => cats[Number(i.itemId.slice(1)) % 3])).size;
    expect(sample(text, `edge_recommend_list_diversity_count{tenant="${t}"}`)).toBe(2);
    expect(sample(text, `edge_recommend_list_diversity_sum{tenant="${t}"}`)).toBeCloseTo(catsOf(a.items) / 10 + catsOf(b.items) / 6, 6);
    expect(sample(text, `edge_recommend_list_diversity_bucket{tenant="${t}",le="0.3"}`)).toBe(catsOf(a.items) / 10 <= 0.3 ? 1 : 0);
  });
});

describe('alarm lateness', () => {
  it('a Scheduler action run 30 minutes after its due time is observed as such', async () => {
    const t = await tenantWithKeys('late-alarm');
    const before = await metrics();
    const count = (text: string, le: string) => sample(text, `edge_alarm_lateness_ms_bucket{object="scheduler",le="${le}"}`) || 0;
    await createOk(t.alice, { contentKind: 'banner', contentId: 'late-1', scheduledAt: inHours(1), title: 'late' });
    expect(await fireAfter(t.tenantId, 1.5 * HOUR)).toBe(true);
    const after = await metrics();
    // ≈ 1 800 000 ms late: above the 15-minute bucket, within the hour one.
    expect(count(after, '900000') - count(before, '900000')).toBe(0);
    expect(count(after, '3600000') - count(before, '3600000')).toBe(1);
    expect(after).toMatch(/^# TYPE edge_alarm_lateness_ms histogram$/m);
  });
});
