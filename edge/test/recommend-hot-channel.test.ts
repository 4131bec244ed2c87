import { describe, expect, it } from 'vitest';
import { ScenarioConfig, type ItemFeatures } from '@vidplat/contracts';
import { hotForEveryone } from '../src/recommend/hot-channel.js';
import { eligible } from '../src/recommend/pipeline.js';

const cfg = (over: Partial<ScenarioConfig['rerank']> = {}) =>
  ScenarioConfig.parse({ tenantId: 't', scenario: 's', recall: [{ name: 'hot', weight: 1, size: 10 }], rerank: { filterSeen: true, ...over } });
const f = (over: Partial<ItemFeatures> = {}): ItemFeatures => ({ s: 'published', p: 0, u: null, c: ['news'], a: 'free', ...over });
const hot = [
  { itemId: 'a', score: 9 },
  { itemId: 'b', score: 8 },
  { itemId: 'c', score: 7 },
];
const ids = (xs: { itemId: string }[]) => xs.map((x) => x.itemId);

describe('hot channel computed once per version (hotForEveryone)', () => {
  it('applies the user-independent checks and reuses the list within one version', () => {
    let lookups = 0;
    const feats = new Map([['a', f()], ['b', f({ s: 'unpublished' })], ['c', f({ c: ['sport'] })]]);
    const features = { get: (id: string) => (lookups++, feats.get(id)) };
    const c = cfg({ excludeCategories: ['sport'] });
    expect(ids(hotForEveryone('t-h1', 's', hot, 1, 'v1', features, c, 1_000, eligible))).toEqual(['a']);
    const after = lookups;
    expect(ids(hotForEveryone('t-h1', 's', hot, 1, 'v1', features, c, 2_000, eligible))).toEqual(['a']);
    expect(lookups).toBe(after);
    // Other filters (an experiment arm) or a new item-features version: computed again.
    expect(ids(hotForEveryone('t-h1', 's', hot, 1, 'v1', features, cfg(), 2_000, eligible))).toEqual(['a', 'c']);
    feats.set('b', f());
    expect(ids(hotForEveryone('t-h1', 's', hot, 1, 'v2', features, c, 2_000, eligible))).toEqual(['a', 'b']);
  });

  it('an item scheduled for later enters at its publish time and leaves at its unpublish time, with no new version', () => {
    const feats = new Map([['a', f({ u: 5_000 })], ['b', f({ p: 3_000 })], ['c', f()]]);
    const features = { get: (id: string) => feats.get(id) };
    const c = cfg();
    expect(ids(hotForEveryone('t-h2', 's', hot, 1, 'v1', features, c, 1_000, eligible))).toEqual(['a', 'c']);
    expect(ids(hotForEveryone('t-h2', 's', hot, 1, 'v1', features, c, 3_000, eligible))).toEqual(['a', 'b', 'c']);
    expect(ids(hotForEveryone('t-h2', 's', hot, 1, 'v1', features, c, 5_000, eligible))).toEqual(['b', 'c']);
  });

  it('is not cached when an item has no features (a failed read must not stick) or without versions', () => {
    const feats = new Map([['a', f()], ['c', f()]]);
    const features = { get: (id: string) => feats.get(id) };
    expect(ids(hotForEveryone('t-h3', 's', hot, 1, 'v1', features, cfg(), 1_000, eligible))).toEqual(['a', 'c']);
    feats.set('b', f());
    expect(ids(hotForEveryone('t-h3', 's', hot, 1, 'v1', features, cfg(), 1_001, eligible))).toEqual(['a', 'b', 'c']);
    feats.delete('a');
    expect(ids(hotForEveryone('t-h3', 's', hot, null, 'v1', features, cfg(), 1_002, eligible))).toEqual(['b', 'c']);
  });
});
