import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { byRecall, ITEM_CF_SEEDS, itemCfRecallScores, itemCfSeedWeight, mergeRecall, mergeRecallUnsorted, RANKING_FEATURE_COUNT, RECALL_COLUMNS, RecommendQuery, recency, rerankMmr, topKDot, writeFeatureRows, writeFeatureValues, type Candidate, type RerankItem } from '@vidplat/contracts';
import { plainRecommendQuery } from '../src/recommend/query.js';
import { rankLimit } from '../src/recommend/pipeline.js';
import { bestRows, channelScore, channelsOfRow, emptyMerged, sharedChannelsOfRow, itemCfRecall, mergeColumns, rowsByRecall, ScoredColumns, type ChannelColumns, type MergedColumns } from '../src/recommend/candidates.js';
import { itemNumbers } from '../src/recommend/item-numbers.js';
import { kthLargest, sortRowsByScore } from '../src/recommend/select.js';
import { buildIvf, type EmbeddingIndex, type Ivf, embeddingChecksSettled, embeddingIndex, embeddingKeys, nearestInto, nearestItems, rowNumbers, searchIvf } from '../src/recommend/embedding-index.js';

/** Deterministic pseudo-random numbers in [0, 1). */
function rnd(seed: number) {
  return () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 4294967296);
}

/** A recall list as merge columns; keep = its eligible indexes (null: all). */
function columnsOf(channel: ChannelColumns['channel'], items: { itemId: string; score: number }[], feats: ChannelColumns['feats'], keep: Int32Array | null): ChannelColumns {
  const ids = items.map((x) => x.itemId);
  return { channel, ids, scores: Float64Array.from(items, (x) => x.score), feats, nums: itemNumbers.ofIds(ids), gen: itemNumbers.generation, len: items.length, keep, count: keep ? keep.length : items.length };
}

describe('recommend hot path: the fast paths give what the plain algorithms give', () => {
  it('the rank cut (bestRows) keeps the same candidates as sorting by byRecall and slicing, ties at the cut by id', () => {
    const r = rnd(5);
    // Scores on a coarse grid, so many candidates tie (also at the cut-off).
    const cands: Candidate[] = Array.from({ length: 450 }, (_, i) => ({ itemId: `i${(i * 7919) % 1000}`, recall: Math.floor(r() * 40) / 10, channels: {} }));
    const m: MergedColumns = { count: cands.length, ids: cands.map((c) => c.itemId), nums: new Int32Array(cands.length), feats: [], recall: Float64Array.from(cands, (c) => c.recall), ch: new Float64Array(cands.length * RECALL_COLUMNS) };
    for (const limit of [1, 100, 200, 449, 450, 500]) {
      const expected = [...cands].sort(byRecall).slice(0, limit).map((c) => c.itemId).sort();
      expect(Array.from(bestRows(m, limit), (row) => m.ids[row]!).sort()).toEqual(expected);
    }
    expect(Array.from(rowsByRecall(m), (row) => m.ids[row]!)).toEqual([...cands].sort(byRecall).map((c) => c.itemId));
  });

  it('quickselect finds the k-th largest as a sort does (duplicates, sorted and reversed input)', () => {
    const r = rnd(3);
    const inputs = [
      Array.from({ length: 450 }, () => Math.floor(r() * 30) / 10),
      Array.from({ length: 300 }, (_, i) => i),
      Array.from({ length: 300 }, (_, i) => 300 - i),
      Array.from({ length: 50 }, () => 1),
    ];
    for (const xs of inputs) {
      const desc = [...xs].sort((a, b) => b - a);
      for (const k of [1, 2, 17, xs.length >> 1, xs.length - 1, xs.length]) expect(kthLargest(Float64Array.from(xs), xs.length, k)).toBe(desc[k - 1]);
    }
  });

  it('the hand-checked query gives what the zod schema gives, and leaves everything else to it', () => {
    const r = rnd(21);
    const pick = <T,>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
    const slugs = [undefined, '', 'a', 'u1', 'rec-bad', 'x.y:z_w-1', 'bad id', 'f/x', 'é', 'a'.repeat(128), 'a'.repeat(129)];
    const ns = [undefined, '', '0', '1', '20', '200', '201', '999', '07', '1.5', '1e2', ' 5', '-1', 'abc'];
    const debugs = [undefined, '', '0', '1', 'true', 'false', 'yes', 'TRUE'];
    let plain = 0;
    for (let i = 0; i < 8000; i++) {
      const q: Record<string, string> = {};
      for (const [k, v] of [['tenant', pick(slugs)], ['scenario', pick(slugs)], ['user', pick(slugs)], ['n', pick(ns)], ['debug', pick(debugs)], ['extra', pick(slugs)]] as const) if (v !== undefined) q[k] = v;
      const fast = plainRecommendQuery(q);
      const z = RecommendQuery.safeParse(q);
      if (fast) {
        plain++;
        expect(z.success, JSON.stringify(q)).toBe(true);
        expect(fast).toEqual(z.data);
      }
    }
    expect(plain).toBeGreaterThan(50);
    expect(plainRecommendQuery({ tenant: 't', scenario: 's', user: 'u' })).toEqual({ tenant: 't', scenario: 's', user: 'u', n: 20, debug: false });
  });

  it('the merge sort of rows by score equals the comparator sort (ties by row, any length)', () => {
    const r = rnd(37);
    for (let t = 0; t < 50; t++) {
      const n = Math.floor(r() * 400);
      const scores = Float64Array.from({ length: n + 5 }, () => (t % 2 ? Math.floor(r() * 6) / 3 : r()));
      // Distinct rows in some order (as item-CF hands over: ascending, or a subset).
      const rows = Int32Array.from({ length: n }, (_, i) => i).filter(() => r() < 0.8);
      if (t % 3 === 0) rows.reverse();
      const want = Array.from(rows).sort((a, b) => scores[b]! - scores[a]! || a - b);
      const got = Int32Array.from(rows);
      sortRowsByScore(got, got.length, scores, new Int32Array(got.length));
      expect(Array.from(got)).toEqual(want);
    }
  });

  it('rank limit: 10 per requested item, at least 100, at most 500; the scenario may set per item and minimum', () => {
    expect([1, 10, 20, 50, 200].map((n) => rankLimit(n))).toEqual([100, 100, 200, 500, 500]);
    const rerank = { diversityLambda: 0.7, freshnessBoost: 0.2, freshnessHalfLifeHours: 48, filterSeen: true };
    expect([1, 10, 20, 50, 200].map((n) => rankLimit(n, rerank))).toEqual([100, 100, 200, 500, 500]);
    expect([1, 10, 20, 50, 200].map((n) => rankLimit(n, { ...rerank, rankPerItem: 5, rankMin: 50 }))).toEqual([50, 50, 100, 250, 500]);
  });

  it('the unsorted merge holds the same candidates as the sorted one', () => {
    const results = [
      { channel: 'hot' as const, items: [{ itemId: 'a', score: 3 }, { itemId: 'b', score: 1 }] },
      { channel: 'item_cf' as const, items: [{ itemId: 'b', score: 0.5 }, { itemId: 'c', score: 0.2 }] },
    ];
    const w = { hot: 1, item_cf: 2 };
    expect([...mergeRecallUnsorted(results, w)].sort(byRecall)).toEqual(mergeRecall(results, w));
  });

  it('top-k over row lists equals top-k over those rows copied out; IVF probing every cell is exact', () => {
    const r = rnd(11);
    const dim = 16;
    const n = 6000;
    const matrix = Float32Array.from({ length: n * dim }, () => r() - 0.5);
    const ids = Array.from({ length: n }, (_, i) => `v${i}`);
    const q = Float32Array.from({ length: dim }, () => r() - 0.5);
    const exclude = new Set(['v1', 'v2', 'v3']);
    const rows = [Int32Array.from([5, 9, 100, 3, 2]), Int32Array.from([4000, 17])];
    const flat = rows.flatMap((x) => [...x]);
    const sub = new Float32Array(flat.length * dim);
    flat.forEach((row, i) => sub.set(matrix.subarray(row * dim, (row + 1) * dim), i * dim));
    expect(topKDot(matrix, dim, ids, q, 4, exclude, rows)).toEqual(topKDot(sub, dim, flat.map((x) => ids[x]!), q, 4, exclude));

    const ivf = buildIvf(matrix, dim, n);
    expect([...ivf.rows].sort((a, b) => a - b)).toEqual(ids.map((_, i) => i));
    expect(searchIvf({ matrix, dim, ids, ivf }, q, 50, exclude, ivf.k).map((x) => x.itemId).sort()).toEqual(
      topKDot(matrix, dim, ids, q, 50, exclude).map((x) => x.itemId).sort(),
    );
  });

  it('the merge carrying features gives the same candidates, order, recall and channels as mergeRecallUnsorted', () => {
    const r = rnd(9);
    const names = ['hot', 'item_cf', 'embedding', 'fresh', 'user_cf'] as const;
    const feat = (id: string) => ({ s: 'published' as const, p: null, u: null, c: [`c${id.length}`], a: 'free' as const, au: id });
    const results = names.map((channel) => {
      // Overlapping ids across channels, negative and zero scores included.
      const items = Array.from({ length: 60 }, (_, i) => ({ itemId: `i${Math.floor(r() * 120)}`, score: channel === 'fresh' && i % 7 === 0 ? -1 : Math.floor(r() * 20) / 4 }));
      return { channel, items, feats: items.map((x) => feat(x.itemId)) };
    });
    // One output reused across merges (as a request's scratch is): stale rows must not leak.
    const into = emptyMerged();
    for (const w of [{ hot: 1, item_cf: 1.5, embedding: 0, fresh: 0.6, user_cf: 1 }, { hot: 0.3, item_cf: 1, embedding: 1.2, fresh: 2, user_cf: 0 }]) {
      const plain = mergeRecallUnsorted(results, w);
      const m = mergeColumns(results.map((x) => columnsOf(x.channel, x.items, x.feats, null)), w, into);
      expect(m.count).toBe(plain.length);
      plain.forEach((c, row) => {
        expect(m.ids[row]).toBe(c.itemId);
        expect(m.recall[row]).toBe(c.recall); // bit-identical sums
        expect(m.feats[row]!.au).toBe(c.itemId);
        expect(channelsOfRow(m, row)).toEqual(Object.keys(c.channels));
        (['hot', 'item_cf', 'embedding', 'fresh', 'user_cf'] as const).forEach((k, col) => expect(channelScore(m, row, col)).toBe(c.channels[k]));
      });
    }
  });

  it('the merge over eligible indexes (nothing copied) equals the merge of the filtered lists', () => {
    const r = rnd(29);
    const names = ['hot', 'item_cf', 'embedding', 'fresh', 'user_cf'] as const;
    const feat = (id: string) => ({ s: 'published' as const, p: null, u: null, c: ['c'], a: 'free' as const, au: id });
    const into = emptyMerged();
    for (let t = 0; t < 20; t++) {
      const all = names.map((channel) => {
        const items = Array.from({ length: Math.floor(r() * 80) }, (_, i) => ({ itemId: `i${Math.floor(r() * 150)}`, score: channel === 'fresh' && i % 5 === 0 ? -1 : Math.floor(r() * 20) / 4 }));
        // Eligible: a random subset, in recall order (the best-scored item dropped sometimes, so the channel max moves).
        const keep = Int32Array.from(items.flatMap((_, i) => (r() < 0.7 ? [i] : [])));
        return { channel, items, feats: items.map((x) => feat(x.itemId)), keep };
      });
      const w = { hot: 1, item_cf: 1.5, embedding: t % 3 ? 1.2 : 0, fresh: 0.6, user_cf: t % 2 ? 0.8 : 0 };
      const filtered = all.map((c) => ({ channel: c.channel, items: Array.from(c.keep, (i) => c.items[i]!), feats: Array.from(c.keep, (i) => c.feats[i]!) }));
      const plain = mergeRecallUnsorted(filtered, w);
      const m = mergeColumns(all.map((c) => columnsOf(c.channel, c.items, c.feats, c.keep)), w, into);
      expect(m.count).toBe(plain.length);
      plain.forEach((c, row) => {
        expect(m.ids[row]).toBe(c.itemId);
        expect(m.recall[row]).toBe(c.recall);
        expect(m.feats[row]!.au).toBe(c.itemId);
        expect(channelsOfRow(m, row)).toEqual(Object.keys(c.channels));
        (['hot', 'item_cf', 'embedding', 'fresh'] as const).forEach((k, col) => expect(channelScore(m, row, col)).toBe(c.channels[k]));
      });
      // The rank cut into a reused buffer keeps what a fresh one keeps.
      const limit = 1 + Math.floor(r() * 60);
      expect(Array.from(bestRows(m, limit, new Int32Array(512)))).toEqual(Array.from(bestRows(m, limit)));
    }
  });

  it('feature rows written from columns equal writeFeatureValues row by row, bit for bit, with the same recency', () => {
    const r = rnd(31);
    const now = Date.parse('2026-11-25T12:00:00Z');
    const cats = ['a', 'b', 'c', 'd'];
    const userCats = new Map([['a', 3], ['c', 1]]);
    for (let t = 0; t < 10; t++) {
      const n = 1 + Math.floor(r() * 300);
      const ch = Float64Array.from({ length: n * RECALL_COLUMNS }, () => (r() < 0.5 ? NaN : r() < 0.1 ? 0 : r()));
      const recall = Float64Array.from({ length: n }, () => r() * 3);
      const feats = Array.from({ length: n }, (_, i) => (i % 13 === 0 ? undefined : { p: r() < 0.1 ? null : now - Math.floor(r() * 1000) * 3_600_000, c: r() < 0.1 ? [] : [cats[i % 4]!, cats[(i * 3) % 4]!] }));
      const rows = Int32Array.from({ length: Math.floor(n / 2) + 1 }, () => Math.floor(r() * n));
      const totalWeight = t % 4 === 0 ? 0 : 4.3;
      const hl = 24 + t;
      const got = new Float32Array(rows.length * RANKING_FEATURE_COUNT);
      const gotRec = new Float64Array(rows.length);
      writeFeatureRows(got, gotRec, rows, rows.length, ch, recall, feats, userCats, totalWeight, now, hl, 4);
      const want = new Float32Array(rows.length * RANKING_FEATURE_COUNT);
      rows.forEach((row, j) => {
        const f = feats[row];
        const v = (k: number) => (Number.isNaN(ch[row * RECALL_COLUMNS + k]!) ? undefined : ch[row * RECALL_COLUMNS + k]!);
        const rec = f ? recency(f.p, now, hl) : 0;
        expect(gotRec[j]).toBe(rec);
        writeFeatureValues(want, j, v(0), v(1), v(2), v(3), recall[row]!, f ? { publishedAt: f.p, categories: f.c } : undefined, userCats, totalWeight, now, hl, 4, rec, v(4));
      });
      expect(Array.from(got)).toEqual(Array.from(want));
    }
  });

  it('shared channel lists equal channelsOfRow and cannot be changed', () => {
    const m = emptyMerged();
    m.ch = Float64Array.from({ length: 64 }, (_, i) => ((Math.floor(i / 4) >> i % 4) & 1 ? 0.5 : NaN));
    for (let row = 0; row < 16; row++) {
      expect(sharedChannelsOfRow(m, row)).toEqual(channelsOfRow(m, row));
      expect(Object.isFrozen(sharedChannelsOfRow(m, row))).toBe(true);
    }
  });

  it('IVF search (16-d unrolled and generic dot products) equals the exact top-k over the probed cells, scores and order', () => {
    for (const dim of [16, 12]) {
      const r = rnd(dim);
      const n = 6000;
      const matrix = Float32Array.from({ length: n * dim }, () => r() - 0.5);
      const ids = Array.from({ length: n }, (_, i) => `v${i}`);
      const ivf = buildIvf(matrix, dim, n);
      for (let t = 0; t < 20; t++) {
        const q = Float32Array.from({ length: dim }, () => r() - 0.5);
        const exclude = new Set(Array.from({ length: t }, (_, i) => `v${(i * 37 + t) % n}`));
        // The 8 cells whose centroids score highest (ties: lower cell first), in that order.
        const score = (c: number) => {
          let s = 0;
          for (let j = 0; j < dim; j++) s += ivf.centroids[c * dim + j]! * q[j]!;
          return s;
        };
        const cells = Array.from({ length: ivf.k }, (_, c) => c).sort((a, b) => score(b) - score(a) || a - b).slice(0, 8);
        const got = searchIvf({ matrix, dim, ids, ivf }, q, 100, exclude, 8);
        expect(got).toEqual(topKDot(matrix, dim, ids, q, 100, exclude, cells.map((c) => ivf.lists[c]!)));
        expect(got).toHaveLength(100);
      }
    }
  });

  it('re-rank with embeddings looked up for the pool only equals re-rank with embeddings on every item', () => {
    const r = rnd(3);
    const now = Date.parse('2026-11-25T12:00:00Z');
    const cats = ['a', 'b', 'c', 'd', 'e'];
    const vec = new Map<string, Float32Array>();
    const items = Array.from({ length: 300 }, (_, i) => {
      const itemId = `i${i}`;
      vec.set(itemId, Float32Array.from({ length: 8 }, () => r() - 0.3));
      return { itemId, score: r(), categories: [cats[i % 5]!], publishedAt: now - Math.floor(r() * 200) * 3_600_000 };
    });
    const o = { n: 20, lambda: 0.6, freshnessBoost: 0.3, freshnessHalfLifeHours: 48, maxPerCategory: 5, nowMs: now };
    const carried = rerankMmr(items.map((x) => ({ ...x, embedding: vec.get(x.itemId) })), o);
    expect(rerankMmr(items, { ...o, embeddingOf: (id) => vec.get(id) })).toEqual(carried);
    expect(carried).toHaveLength(20);
    // Rows of one matrix read in place (some items without a row: category similarity for them).
    const ids = [...vec.keys()].filter((_, i) => i % 11 !== 0);
    const matrix = new Float32Array(ids.length * 8);
    ids.forEach((id, i) => matrix.set(vec.get(id)!, i * 8));
    const rowOf = new Map(ids.map((id, i) => [id, i]));
    const partial = rerankMmr(items.map((x) => ({ ...x, embedding: rowOf.has(x.itemId) ? vec.get(x.itemId) : undefined })), o);
    expect(rerankMmr(items, { ...o, embeddingRows: { matrix, dim: 8, rowOf } })).toEqual(partial);
    // Rows, squared norms and recency handed over by the caller: the same picks and scores.
    const norm2 = Float64Array.from(ids, (_, row) => {
      let s = 0;
      for (let d = 0; d < 8; d++) s += matrix[row * 8 + d]! ** 2;
      return s;
    });
    const withRows = items.map((x) => ({ ...x, embeddingRow: rowOf.get(x.itemId) ?? -1, recency: recency(x.publishedAt, now, o.freshnessHalfLifeHours) }));
    expect(rerankMmr(withRows, { ...o, embeddingRows: { matrix, dim: 8, norm2 } })).toEqual(partial);
  });

  it("item-CF recall equals contracts' itemCfRecallScores bit for bit (recency-weighted sums over up to 100 seeds)", () => {
    const r = rnd(17);
    const reused = new ScoredColumns();
    for (let t = 0; t < 30; t++) {
      // 1 to 5 seeds, and some histories past ITEM_CF_SEEDS (the 101st seed onwards counts nothing).
      const nLists = t % 6 === 5 ? ITEM_CF_SEEDS + 20 : 1 + (t % 5);
      const lists = Array.from({ length: nLists }, () => {
        const len = Math.floor(r() * (nLists > 5 ? 30 : 100));
        return { ids: Array.from({ length: len }, () => `i${Math.floor(r() * 300)}`), scores: Float64Array.from({ length: len }, () => Math.floor(r() * 8) / 8 - (t % 7 === 0 ? 0.2 : 0)) };
      });
      const seen = new Set(Array.from({ length: t }, (_, i) => `i${i * 7}`));
      const size = [0, 1, 50, 150, 1000][t % 5]!;
      const expected = itemCfRecallScores(
        lists.map((l) => l.ids.map((itemId, j) => ({ itemId, score: l.scores[j]! }))),
        seen,
        size,
      );
      if (size && expected.length && t % 6 !== 5) {
        // The rule itself: a weighted sum (seed r weighing 2^(−r/ITEM_CF_SEED_HALF_LIFE)).
        const id = expected[0]!.itemId;
        let sum = 0;
        lists.forEach((l, i) => l.ids.forEach((x, j) => x === id && (sum += l.scores[j]! * itemCfSeedWeight(i))));
        expect(expected[0]!.score).toBeCloseTo(sum, 12);
      }
      // Into one reused output (as a request's scratch): the same as into a fresh one.
      const got = itemCfRecall(lists, seen, size, reused);
      expect(got.toScored()).toEqual(expected);
      expect(Array.from(got.nums.subarray(0, got.count))).toEqual(expected.map((x) => itemNumbers.of(x.itemId)));
      expect(itemCfRecall(lists, seen, size).toScored()).toEqual(expected);
    }
  });

  it('IVF search with excluded rows marked equals the search with the excluded id set', () => {
    const r = rnd(23);
    const dim = 16;
    const n = 6000;
    const matrix = Float32Array.from({ length: n * dim }, () => r() - 0.5);
    const ids = Array.from({ length: n }, (_, i) => `v${i}`);
    const ix: EmbeddingIndex & { ivf: Ivf } = { version: 'x', dim, ids, matrix, rowOf: new Map(ids.map((id, i) => [id, i])), ivf: buildIvf(matrix, dim, n) };
    const reused = new ScoredColumns();
    for (let t = 0; t < 20; t++) {
      const q = Float32Array.from({ length: dim }, () => r() - 0.5);
      const exclude = new Set(Array.from({ length: t * 3 }, (_, i) => (i % 4 === 3 ? `unknown${i}` : `v${Math.floor(r() * n)}`)));
      expect(nearestItems(ix, q, 100, exclude)).toEqual(searchIvf(ix, q, 100, exclude));
      // Into reused columns: the same items, scores and order, and the rows' item numbers.
      const cols = nearestInto(ix, q, 100, exclude, reused);
      const plain = searchIvf(ix, q, 100, exclude);
      expect(cols.toScored()).toEqual(plain);
      expect(Array.from(cols.nums.subarray(0, cols.count))).toEqual(plain.map((x) => rowNumbers(ix).nums[ix.rowOf.get(x.itemId)!]!));
      // Fewer or more probed cells (the embedding channel's `probes`): the plain search with that nprobe.
      const probes = 1 + (t % 12);
      expect(nearestInto(ix, q, 100, exclude, reused, probes).toScored()).toEqual(searchIvf(ix, q, 100, exclude, probes));
    }
    expect(ix.excludeScratch!.every((x) => x === 0)).toBe(true);
  });
});

/** The re-rank as first written (full sort, eager similarities): the reference for the fast one. */
function referenceRerank(items: RerankItem[], o: { n: number; poolPerItem?: number; lambda: number; freshnessBoost: number; freshnessHalfLifeHours: number; maxPerCategory?: number; nowMs: number }) {
  const sim = (a: RerankItem, b: RerankItem) => {
    if (a.embedding && b.embedding && a.embedding.length === b.embedding.length) {
      let dot = 0;
      let na = 0;
      let nb = 0;
      for (let i = 0; i < a.embedding.length; i++) {
        dot += a.embedding[i]! * b.embedding[i]!;
        na += a.embedding[i]! ** 2;
        nb += b.embedding[i]! ** 2;
      }
      return na && nb ? Math.max(0, dot / Math.sqrt(na * nb)) : 0;
    }
    if (!a.categories.length || !b.categories.length) return 0;
    let inter = 0;
    for (const c of a.categories) if (b.categories.includes(c)) inter++;
    return inter / (a.categories.length + b.categories.length - inter);
  };
  const sorted = items
    .map((it) => ({ it, s: it.score * (1 + o.freshnessBoost * recency(it.publishedAt, o.nowMs, o.freshnessHalfLifeHours)) }))
    .sort((a, b) => b.s - a.s || (a.it.itemId < b.it.itemId ? -1 : 1));
  const boosted: typeof sorted = [];
  const inPool = new Map<string, number>();
  for (const x of sorted) {
    if (boosted.length >= o.n * (o.poolPerItem ?? 4)) break;
    const cat = x.it.categories[0];
    if (o.maxPerCategory && cat !== undefined) {
      const k = inPool.get(cat) ?? 0;
      if (k >= o.maxPerCategory * 2) continue;
      inPool.set(cat, k + 1);
    }
    boosted.push(x);
  }
  if (!boosted.length) return [];
  const max = boosted[0]!.s;
  const min = boosted[boosted.length - 1]!.s;
  const rel = (s: number) => (max > min ? (s - min) / (max - min) : 1);
  const taken: typeof boosted = [];
  const perCat = new Map<string, number>();
  const maxSim = new Float64Array(boosted.length);
  const used = new Uint8Array(boosted.length);
  while (taken.length < o.n) {
    let best = -1;
    let bestVal = -Infinity;
    for (let i = 0; i < boosted.length; i++) {
      if (used[i]) continue;
      const cat = boosted[i]!.it.categories[0];
      if (o.maxPerCategory && cat !== undefined && (perCat.get(cat) ?? 0) >= o.maxPerCategory) continue;
      const v = o.lambda * rel(boosted[i]!.s) - (1 - o.lambda) * maxSim[i]!;
      if (v > bestVal) {
        bestVal = v;
        best = i;
      }
    }
    if (best < 0) break;
    used[best] = 1;
    const pick = boosted[best]!;
    taken.push(pick);
    const cat = pick.it.categories[0];
    if (cat !== undefined) perCat.set(cat, (perCat.get(cat) ?? 0) + 1);
    if (o.lambda < 1) for (let i = 0; i < boosted.length; i++) if (!used[i]) maxSim[i] = Math.max(maxSim[i]!, sim(boosted[i]!.it, pick.it));
  }
  return taken.map((t) => ({ itemId: t.it.itemId, score: t.s }));
}

describe('re-rank: the heap-fed, lazily updated MMR equals the plain algorithm', () => {
  it('same items, order and scores over random pools (embeddings or categories, caps, ties, any λ)', () => {
    const r = rnd(21);
    const now = Date.parse('2026-11-25T12:00:00Z');
    for (let trial = 0; trial < 60; trial++) {
      const withEmb = trial % 3 !== 0;
      const cats = ['a', 'b', 'c', 'd', 'e', 'f'].slice(0, 2 + (trial % 5));
      const items: RerankItem[] = Array.from({ length: 20 + Math.floor(r() * 300) }, (_, i) => ({
        itemId: `i${Math.floor(r() * 1e6)}-${i}`,
        score: trial % 4 === 0 ? Math.floor(r() * 5) / 5 : r(), // coarse scores: many ties
        categories: r() < 0.1 ? [] : [cats[Math.floor(r() * cats.length)]!, ...(r() < 0.3 ? [cats[0]!] : [])],
        publishedAt: r() < 0.2 ? null : now - Math.floor(r() * 500) * 3_600_000,
        embedding: withEmb && r() < 0.9 ? Float32Array.from({ length: 8 }, () => r() - 0.4) : undefined,
      }));
      const o = {
        n: 1 + Math.floor(r() * 30),
        lambda: [0, 0.3, 0.5, 0.7, 0.9, 1][trial % 6]!,
        freshnessBoost: r() < 0.5 ? 0 : r(),
        freshnessHalfLifeHours: 24 + Math.floor(r() * 100),
        ...(r() < 0.6 ? { maxPerCategory: 1 + Math.floor(r() * 5) } : {}),
        nowMs: now,
      };
      const expected = referenceRerank(items, o);
      expect(rerankMmr(items, o)).toEqual(expected);
      // A reused, longer array with `count` (the pipeline's per-request items): the extra items are not candidates.
      const longer = [...items, ...items.slice(0, 7).map((x) => ({ ...x, itemId: `extra-${x.itemId}`, score: 10 }))];
      expect(rerankMmr(longer, { ...o, count: items.length })).toEqual(expected);
      // A smaller or larger pool (scenario rerank.mmrPoolPerItem): the reference with that pool.
      const poolPerItem = 1 + (trial % 6);
      expect(rerankMmr(items, { ...o, poolPerItem })).toEqual(referenceRerank(items, { ...o, poolPerItem }));
    }
  });
});

describe('embedding index refresh', () => {
  async function put(t: string, version: string, ids: string[], vecs: number[][]) {
    await env.MODELS.put(embeddingKeys.ids(t, version), JSON.stringify(ids));
    await env.MODELS.put(embeddingKeys.vectors(t, version), Float32Array.from(vecs.flat()).buffer);
    await env.MODELS.put(embeddingKeys.pointer(t), JSON.stringify({ version, dim: vecs[0]!.length, count: ids.length, trainedAt: new Date().toISOString() }));
  }

  it('a periodic check keeps the loaded index when the version has not moved, and swaps it when it has', async () => {
    const t0 = 1_000_000;
    await put('emb-refresh', 'v1', ['a', 'b'], [[1, 0], [0, 1]]);
    const first = (await embeddingIndex(env.MODELS, 'emb-refresh', 5_000, t0)).index;
    expect(first?.version).toBe('v1');
    await embeddingIndex(env.MODELS, 'emb-refresh', 5_000, t0 + 61_000); // due: re-reads the pointer
    await embeddingChecksSettled();
    expect((await embeddingIndex(env.MODELS, 'emb-refresh', 5_000, t0 + 61_001)).index).toBe(first); // same object: not rebuilt
    await put('emb-refresh', 'v2', ['a', 'b', 'c'], [[1, 0], [0, 1], [1, 1]]);
    await embeddingIndex(env.MODELS, 'emb-refresh', 5_000, t0 + 122_000);
    await embeddingChecksSettled();
    const swapped = (await embeddingIndex(env.MODELS, 'emb-refresh', 5_000, t0 + 122_001)).index;
    expect(swapped?.version).toBe('v2');
    expect(swapped?.ids).toEqual(['a', 'b', 'c']);
  });
});
