import { describe, expect, it } from 'vitest';
import { betaDraw, mulberry32 } from './random.js';
import { thompsonMeans, thompsonProportions } from './thompson.js';

describe('Thompson-sampling allocation', () => {
  it('is deterministic for a seed and favours the clearly better arm', () => {
    const arms = [
      { variant: 'control', n: 2000, successes: 100 },
      { variant: 'b', n: 2000, successes: 160 },
    ];
    const a = thompsonProportions(arms, { seed: 7 });
    expect(thompsonProportions(arms, { seed: 7 })).toEqual(a);
    expect(a.find((x) => x.variant === 'b')!.probabilityBest).toBeGreaterThan(0.99);
    const floored = thompsonProportions(arms, { seed: 7, minShare: 0.1 });
    expect(floored.find((x) => x.variant === 'control')!.share).toBeGreaterThan(0.09);
    expect(floored.reduce((s, x) => s + x.share, 0)).toBeCloseTo(1, 12);
  });

  it('splits evenly between identical arms, and honours lowerIsBetter for means', () => {
    const even = thompsonProportions([
      { variant: 'a', n: 500, successes: 50 },
      { variant: 'b', n: 500, successes: 50 },
    ]);
    expect(even[0]!.probabilityBest).toBeGreaterThan(0.45);
    expect(even[0]!.probabilityBest).toBeLessThan(0.55);
    const m = thompsonMeans(
      [
        { variant: 'fast', n: 400, mean: 1.0, variance: 1 },
        { variant: 'slow', n: 400, mean: 1.5, variance: 1 },
      ],
      { lowerIsBetter: true },
    );
    expect(m.find((x) => x.variant === 'fast')!.probabilityBest).toBeGreaterThan(0.99);
  });

  it('Beta sampler has the right mean a/(a+b)', () => {
    const rand = mulberry32(3);
    let s = 0;
    for (let i = 0; i < 20_000; i++) s += betaDraw(2, 8, rand);
    expect(s / 20_000).toBeCloseTo(0.2, 2);
  });
});
