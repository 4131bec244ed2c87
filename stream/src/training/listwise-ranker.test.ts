import { describe, expect, it } from 'vitest';
import { RANKING_FEATURE_COUNT, RANKING_FEATURES } from '@vidplat/contracts';
import { chooseRanker, coordinateAscent, meanNdcg, servedModel, type ListwiseGroup } from './listwise-ranker.js';
import { rng } from './interactions.js';

const F = RANKING_FEATURE_COUNT;
const col = (name: (typeof RANKING_FEATURES)[number]) => RANKING_FEATURES.indexOf(name);
const idcg = (n: number) => Array.from({ length: Math.min(10, n) }, (_, i) => 1 / Math.log2(i + 2)).reduce((a, b) => a + b, 0);

/** Groups of 40 candidates where relevance follows `signal(row features)`, features uniform in [0, 1]. */
function groups(n: number, seed: number, relevant: (x: Float32Array, o: number) => boolean): ListwiseGroup[] {
  const rand = rng(seed);
  return Array.from({ length: n }, () => {
    const x = Float32Array.from({ length: 40 * F }, () => rand());
    const rel = Uint8Array.from({ length: 40 }, (_, r) => (relevant(x, r * F) ? 1 : 0));
    return { x, rel, idcg: idcg(Math.max(1, rel.reduce((a, b) => a + b, 0))) };
  });
}

describe('listwise ranker selection', () => {
  it('NDCG@10 of a hand-computed order: relevant rows at ranks 1 and 3 of 2 relevant', () => {
    const x = new Float32Array(4 * F);
    // Order by user_cf: rows 2, 0, 3, 1 (scores 0.9, 0.8, 0.5, 0.1); relevant: rows 2 and 3.
    [0.8, 0.1, 0.9, 0.5].forEach((v, r) => (x[r * F + col('user_cf')] = v));
    const g: ListwiseGroup = { x, rel: Uint8Array.from([0, 0, 1, 1]), idcg: idcg(2) };
    const w = RANKING_FEATURES.map((f) => (f === 'user_cf' ? 1 : 0));
    expect(meanNdcg([g], w)).toBeCloseTo((1 + 1 / Math.log2(4)) / (1 + 1 / Math.log2(3)), 10);
    // A relevant item the recall missed still counts in the ideal DCG.
    expect(meanNdcg([{ ...g, idcg: idcg(3) }], w)).toBeLessThan(meanNdcg([g], w));
  });

  it('coordinate ascent finds the mix of two channels that together decide relevance', () => {
    const gs = groups(200, 3, (x, o) => x[o + col('user_cf')]! + x[o + col('item_cf')]! > 1.5);
    const start = RANKING_FEATURES.map((f) => (f === 'user_cf' ? 1 : 0));
    const fit = coordinateAscent(gs, start);
    expect(fit.ndcg).toBeGreaterThan(meanNdcg(gs, start) + 0.1);
    expect(fit.weights[col('item_cf')]).toBeGreaterThan(0.3 * fit.weights[col('user_cf')]!);
  });

  it('serves a channel order where it is best, a fitted mix where that is better, judged on users it was not fitted on', () => {
    const one = chooseRanker(groups(200, 4, (x, o) => x[o + col('user_cf')]! > 0.85));
    expect(one.kind).toBe('channel:user_cf');
    expect(one.model.weights).toEqual(RANKING_FEATURES.map((f) => (f === 'user_cf' ? 8 : 0)));
    const mix = chooseRanker(groups(200, 5, (x, o) => x[o + col('user_cf')]! + x[o + col('embedding')]! > 1.5));
    expect(mix.kind).toBe('coordinate_ascent');
    expect(mix.check.coordinate_ascent).toBeGreaterThan(mix.check['channel:user_cf']!);
    // Served scale: Σ|w| = 8, so σ(w·x) neither saturates nor flattens.
    expect(mix.model.weights.reduce((a, v) => a + Math.abs(v), 0)).toBeCloseTo(8, 6);
    expect(servedModel([0, 2, -2]).weights).toEqual([0, 4, -4]);
  });
});
