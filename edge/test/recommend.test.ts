import { env, SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { ErrorBody, mergeRecall, rerankMmr, ScenarioConfig, topKDot, heuristicScores, writeFeatures, RANKING_FEATURE_COUNT, type ItemFeatures } from '@vidplat/contracts';
import { eligible } from '../src/recommend/pipeline.js';
import { pairs, parseItemFeatures } from '../src/recommend/feature-reader.js';
import { buildIvf, embeddingIndex, embeddingKeys, itemVector, searchIvf, userVector } from '../src/recommend/embedding-index.js';
import { json, provisionTenant } from './helpers.js';

const NOW = Date.parse('2026-11-25T12:00:00Z');
const cfg = (over: Partial<ScenarioConfig['rerank']> = {}) =>
  ScenarioConfig.parse({ tenantId: 't', scenario: 's', recall: [{ name: 'hot', weight: 1, size: 10 }], rerank: { filterSeen: true, ...over } });
const feat = (over: Partial<ItemFeatures> = {}): ItemFeatures => ({ s: 'published', p: NOW - 3_600_000, u: null, c: ['news'], a: 'free', ...over });

describe('recall: weighted merge with dedupe', () => {
  it('normalises each channel, sums weights for items several channels found, and dedupes', () => {
    const merged = mergeRecall(
      [
        { channel: 'hot', items: [{ itemId: 'a', score: 100 }, { itemId: 'b', score: 50 }, { itemId: 'a', score: 10 }] },
        { channel: 'item_cf', items: [{ itemId: 'b', score: 0.9 }, { itemId: 'c', score: 0.45 }] },
        { channel: 'fresh', items: [] },
      ],
      { hot: 1, item_cf: 2, fresh: 1 },
    );
    expect(merged.map((m) => m.itemId)).toEqual(['b', 'a', 'c']);
    expect(merged[0]).toEqual({ itemId: 'b', recall: 0.5 * 1 + 1 * 2, channels: { hot: 0.5, item_cf: 1 } });
    expect(merged[1]!.recall).toBe(1);
    expect(merged[2]!.recall).toBeCloseTo(1);
  });

  it('a channel with weight 0 (or not configured) contributes nothing', () => {
    const merged = mergeRecall([{ channel: 'embedding', items: [{ itemId: 'x', score: 1 }] }], { hot: 1 });
    expect(merged).toEqual([]);
  });

  it('brute-force nearest neighbours by dot product skip excluded ids and keep the top k in order', () => {
    const ids = ['a', 'b', 'c', 'd'];
    const m = Float32Array.from([1, 0, 0.9, 0.1, 0, 1, 0.7, 0.7]);
    expect(topKDot(m, 2, ids, Float32Array.from([1, 0]), 2, new Set())).toEqual([
      { itemId: 'a', score: 1 },
      { itemId: 'b', score: expect.closeTo(0.9, 5) },
    ]);
    expect(topKDot(m, 2, ids, Float32Array.from([1, 0]), 2, new Set(['a'])).map((x) => x.itemId)).toEqual(['b', 'd']);
  });

  it('sorted-set replies keep numeric-looking ids as strings', () => {
    expect(pairs(['42', '3.5', '1e5', '2'])).toEqual([{ itemId: '42', score: 3.5 }, { itemId: '1e5', score: 2 }]);
  });
});

describe('embedding recall from KV-versioned vectors', () => {
  async function put(t: string, version: string, ids: string[], vecs: number[][], count = ids.length) {
    await env.MODELS.put(embeddingKeys.ids(t, version), JSON.stringify(ids));
    await env.MODELS.put(embeddingKeys.vectors(t, version), Float32Array.from(vecs.flat()).buffer);
    await env.MODELS.put(embeddingKeys.pointer(t), JSON.stringify({ version, dim: vecs[0]!.length, count, trainedAt: new Date().toISOString() }));
  }

  it('loads the tenant index, builds the taste vector from recent items and finds their neighbours', async () => {
    await put('emb-ok', 'v1', ['rock1', 'rock2', 'rock3', 'jazz1', 'jazz2'], [[1, 0], [0.9, 0.1], [0.8, 0.2], [0, 1], [0.1, 0.9]]);
    const { index } = await embeddingIndex(env.MODELS, 'emb-ok', 5_000);
    expect(index?.ids).toHaveLength(5);
    const q = userVector(index!, ['rock1', 'unknown-item'])!;
    const near = topKDot(index!.matrix, index!.dim, index!.ids, q, 2, new Set(['rock1']));
    expect(near.map((x) => x.itemId)).toEqual(['rock2', 'rock3']);
    expect([...itemVector(index!, 'jazz1')!]).toEqual([0, 1]);
    expect(userVector(index!, ['nothing-known'])).toBeNull();
  });

  it('the IVF index over a large catalogue finds nearly what the exact scan finds', () => {
    // 6000 items in 30 clusters of 16-d vectors; queries near cluster centres.
    let seed = 9;
    const rnd = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296) - 0.5;
    const dim = 16;
    const centres = Array.from({ length: 30 }, () => Array.from({ length: dim }, () => rnd() * 4));
    const n = 6000;
    const matrix = new Float32Array(n * dim);
    for (let r = 0; r < n; r++) for (let j = 0; j < dim; j++) matrix[r * dim + j] = centres[r % 30]![j]! + rnd() * 0.5;
    const ids = Array.from({ length: n }, (_, i) => `i${i}`);
    const ivf = buildIvf(matrix, dim, n);
    expect(ivf.lists.reduce((s, l) => s + l.length, 0)).toBe(n);
    let overlap = 0;
    for (let t = 0; t < 10; t++) {
      const q = Float32Array.from(centres[t * 3]!, (x) => x + rnd() * 0.2);
      const exact = new Set(topKDot(matrix, dim, ids, q, 50, new Set()).map((x) => x.itemId));
      overlap += searchIvf({ matrix, dim, ids, ivf }, q, 50, new Set()).filter((x) => exact.has(x.itemId)).length / 50;
    }
    expect(overlap / 10).toBeGreaterThan(0.9);
  });

  it('an incomplete version is refused and said so; a tenant without embeddings has none', async () => {
    await put('emb-bad', 'v1', ['a', 'b'], [[1, 0], [0, 1]], 3);
    const r = await embeddingIndex(env.MODELS, 'emb-bad', 5_000);
    expect(r.index).toBeNull();
    expect(r.note).toMatch(/incomplete/);
    expect((await embeddingIndex(env.MODELS, 'emb-none', 5_000)).index).toBeNull();
  });

  it('item features from the store are checked field by field', () => {
    expect(parseItemFeatures(JSON.stringify(feat()))).toEqual(feat());
    expect(parseItemFeatures('{"s":"live","p":null,"u":null,"c":[],"a":"free"}')).toBeNull();
    expect(parseItemFeatures('{"s":"published","p":"soon","u":null,"c":[],"a":"free"}')).toBeNull();
    expect(parseItemFeatures('not json')).toBeNull();
    expect(parseItemFeatures(null)).toBeNull();
  });
});

describe('filters: what never reaches the user', () => {
  const seen = new Set(['seen-1']);
  it('drops unpublished, scheduled, scheduled-out, unknown, seen, excluded and not-entitled items', () => {
    const c = cfg({ excludeCategories: ['adult'], access: ['free'] });
    expect(eligible('ok', feat(), c, seen, NOW)).toBe(true);
    expect(eligible('x', undefined, c, seen, NOW)).toBe(false);
    expect(eligible('x', feat({ s: 'unpublished' }), c, seen, NOW)).toBe(false);
    expect(eligible('x', feat({ s: 'scheduled' }), c, seen, NOW)).toBe(false);
    expect(eligible('x', feat({ p: NOW + 60_000 }), c, seen, NOW)).toBe(false);
    expect(eligible('x', feat({ u: NOW - 1 }), c, seen, NOW)).toBe(false);
    expect(eligible('seen-1', feat(), c, seen, NOW)).toBe(false);
    expect(eligible('x', feat({ c: ['news', 'adult'] }), c, seen, NOW)).toBe(false);
    expect(eligible('x', feat({ a: 'paid' }), c, seen, NOW)).toBe(false);
    // filterSeen off (e.g. music replays): seen items stay.
    expect(eligible('seen-1', feat(), cfg({ filterSeen: false }), seen, NOW)).toBe(true);
  });
});

describe('ranking features and the heuristic fallback', () => {
  it('writes the documented feature layout and scores it with the heuristic weights', () => {
    const f = new Float32Array(RANKING_FEATURE_COUNT * 2);
    const userCats = new Map([['news', 3], ['sport', 1]]);
    writeFeatures(f, 0, { itemId: 'a', recall: 2, channels: { hot: 1, item_cf: 0.5 } }, { publishedAt: NOW, categories: ['news'] }, userCats, 4, NOW, 24);
    writeFeatures(f, 1, { itemId: 'b', recall: 0.2, channels: { fresh: 0.2 } }, { publishedAt: NOW - 48 * 3_600_000, categories: ['cooking'] }, userCats, 4, NOW, 24);
    expect([...f.slice(0, RANKING_FEATURE_COUNT)]).toEqual([1, 0.5, 0, 0, 1, 0.75, 0.5, 0.5, 0]);
    expect(f[RANKING_FEATURE_COUNT + 4]).toBeCloseTo(0.25);
    // user_cf has its own column (last); channel_count counts the first four channels.
    const g = new Float32Array(RANKING_FEATURE_COUNT);
    writeFeatures(g, 0, { itemId: 'c', recall: 1, channels: { hot: 1, user_cf: 0.5 } }, { publishedAt: NOW, categories: [] }, userCats, 4, NOW, 24);
    expect(g[8]).toBe(0.5);
    expect(g[6]).toBe(0.25);
    const s = heuristicScores(f, 2);
    expect(s[0]).toBeGreaterThan(s[1]!);
  });
});

describe('re-rank: freshness boost, MMR diversity, per-category cap', () => {
  const items = [
    { itemId: 'n1', score: 1.0, categories: ['news'], publishedAt: NOW - 100 * 3_600_000 },
    { itemId: 'n2', score: 0.99, categories: ['news'], publishedAt: NOW - 100 * 3_600_000 },
    { itemId: 'n3', score: 0.98, categories: ['news'], publishedAt: NOW - 100 * 3_600_000 },
    { itemId: 's1', score: 0.9, categories: ['sport'], publishedAt: NOW - 100 * 3_600_000 },
    { itemId: 'f1', score: 0.5, categories: ['food'], publishedAt: NOW },
  ];
  const base = { n: 3, lambda: 1, freshnessBoost: 0, freshnessHalfLifeHours: 24, nowMs: NOW };

  it('λ = 1 and no boost keeps pure relevance order', () => {
    expect(rerankMmr(items, base).map((x) => x.itemId)).toEqual(['n1', 'n2', 'n3']);
  });
  it('MMR with λ < 1 pulls in other categories instead of near-duplicates', () => {
    expect(rerankMmr(items, { ...base, lambda: 0.5 }).map((x) => x.itemId)).toEqual(['n1', 's1', 'f1']);
  });
  it('maxPerCategory caps a category', () => {
    expect(rerankMmr(items, { ...base, maxPerCategory: 1 }).map((x) => x.itemId)).toEqual(['n1', 's1', 'f1']);
  });
  it('freshness boost lifts a brand-new item', () => {
    expect(rerankMmr(items, { ...base, freshnessBoost: 1.5 }).map((x) => x.itemId)).toEqual(['f1', 'n1', 'n2']);
  });
  it('a dominant category cannot starve the cap: n items come back when enough exist', () => {
    const many = [
      ...Array.from({ length: 50 }, (_, i) => ({ itemId: `pop${i}`, score: 10 - i * 0.01, categories: ['pop'], publishedAt: null })),
      ...['a', 'b', 'c', 'd'].map((c, i) => ({ itemId: `x${c}`, score: 1 - i * 0.1, categories: [c], publishedAt: null })),
    ];
    const out = rerankMmr(many, { ...base, n: 6, maxPerCategory: 2 });
    expect(out.map((x) => x.itemId)).toEqual(['pop0', 'pop1', 'xa', 'xb', 'xc', 'xd']);
  });
  it('returns fewer than n when fewer candidates exist, and nothing for nothing', () => {
    expect(rerankMmr(items.slice(0, 2), { ...base, n: 5 })).toHaveLength(2);
    expect(rerankMmr([], base)).toEqual([]);
  });
});

describe('GET /v1/recommend: bad input, isolation, fallbacks', () => {
  const get = (qs: string, key?: string) => SELF.fetch(`https://edge.test/v1/recommend?${qs}`, key ? json('GET', key) : {});

  it('bad parameters → 400 naming the field', async () => {
    const sup = await provisionTenant('rec-bad');
    for (const [qs, field] of [
      ['tenant=rec-bad&scenario=feed&user=u1&n=0', 'n'],
      ['tenant=rec-bad&scenario=feed&user=u1&n=201', 'n'],
      ['tenant=rec-bad&scenario=feed&user=bad%20id', 'user'],
      ['tenant=rec-bad&scenario=f%2Fx&user=u1', 'scenario'],
      ['tenant=rec-bad&scenario=feed', 'user'],
    ] as const) {
      const res = await get(qs, sup.apiKey);
      expect(res.status, qs).toBe(400);
      expect(ErrorBody.parse(await res.json()).error).toMatchObject({ code: 'invalid_query', field });
    }
  });

  it('isolation: a key asking for another tenant gets 404 as if the tenant did not exist', async () => {
    const a = await provisionTenant('rec-iso-a');
    const b = await provisionTenant('rec-iso-b');
    await SELF.fetch('https://edge.test/v1/scenarios', json('POST', a.apiKey, { scenario: 'feed', template: 'vlog' }));
    const cross = await get('tenant=rec-iso-a&scenario=feed&user=u1', b.apiKey);
    expect(cross.status).toBe(404);
    expect(ErrorBody.parse(await cross.json()).error).toMatchObject({ code: 'not_found', field: 'tenant' });
    const ghost = await get('tenant=no-such-tenant&scenario=feed&user=u1', b.apiKey);
    expect(ghost.status).toBe(404);
    const bad = await SELF.fetch('https://edge.test/v1/recommend?tenant=rec-iso-a&scenario=feed&user=u1', { headers: { authorization: 'Bearer vp_forged_key' } });
    expect(bad.status).toBe(401);
  });

  it('unknown scenario → 404 with code and field', async () => {
    const sup = await provisionTenant('rec-noscn');
    const res = await get('tenant=rec-noscn&scenario=nope&user=u1', sup.apiKey);
    expect(res.status).toBe(404);
    expect(ErrorBody.parse(await res.json()).error).toMatchObject({ code: 'not_found', field: 'scenario' });
  });

  it('feature store unreachable → 503 with Retry-After (nothing to serve from)', async () => {
    const sup = await provisionTenant('rec-down');
    await SELF.fetch('https://edge.test/v1/scenarios', json('POST', sup.apiKey, { scenario: 'feed', template: 'news' }));
    const res = await get('tenant=rec-down&scenario=feed&user=u1&debug=1', sup.apiKey);
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('1');
    expect(ErrorBody.parse(await res.json()).error.code).toBe('upstream_unavailable');
  });
});
