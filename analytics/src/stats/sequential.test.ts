import { describe, expect, it } from 'vitest';
import { normalSf } from './distributions.js';
import { mulberry32, normalDraw } from './random.js';
import { alwaysValidPValues, mixtureLikelihoodRatio } from './sequential.js';

describe('mSPRT always-valid p-values (Johari et al., Operations Research 2022, eq. for the normal mixture)', () => {
  it('evaluates the closed-form mixture likelihood ratio', () => {
    // θ̂ = 0.5, V = 0.04, τ² = 0.25: sqrt(0.04/0.29) · exp(0.25·0.25 / (2·0.04·0.29))
    const lr = mixtureLikelihoodRatio({ estimate: 0.5, variance: 0.04 }, 0.25);
    expect(lr).toBeCloseTo(Math.sqrt(0.04 / 0.29) * Math.exp(0.0625 / 0.0232), 9);
    expect(lr).toBeCloseTo(5.4929, 4);
    // No evidence → Λ < 1 → p stays at 1.
    expect(alwaysValidPValues([{ estimate: 0, variance: 0.04 }], 0.25)).toEqual([1]);
  });

  it('is non-increasing over looks, and 1/Λ at each look is never below the fixed-horizon p-value', () => {
    const looks = [0.2, 0.9, 0.1, 0.6].map((d, i) => ({ estimate: d, variance: 0.1 / (i + 1) }));
    const p = alwaysValidPValues(looks, 0.1);
    for (let i = 1; i < p.length; i++) expect(p[i]!).toBeLessThanOrEqual(p[i - 1]!);
    expect(p[3]!).toBeLessThan(p[0]!);
    for (const l of looks) {
      const fixed = 2 * normalSf(Math.abs(l.estimate) / Math.sqrt(l.variance));
      expect(Math.min(1, 1 / mixtureLikelihoodRatio(l, 0.1))).toBeGreaterThanOrEqual(fixed);
    }
  });

  it('keeps the type-I error under α when peeking after every batch, where naive peeking does not', () => {
    // 400 A/A experiments, 50 looks each after 20 more users per arm (seeded, deterministic).
    const rand = mulberry32(42);
    let msprtRejects = 0;
    let naiveRejects = 0;
    for (let e = 0; e < 400; e++) {
      let sa = 0;
      let sb = 0;
      let n = 0;
      const looks = [];
      let naive = false;
      for (let k = 0; k < 50; k++) {
        for (let j = 0; j < 20; j++) {
          sa += normalDraw(rand);
          sb += normalDraw(rand);
        }
        n += 20;
        const look = { estimate: sb / n - sa / n, variance: 2 / n };
        looks.push(look);
        if (2 * normalSf(Math.abs(look.estimate) / Math.sqrt(look.variance)) < 0.05) naive = true;
      }
      if (alwaysValidPValues(looks, 0.01).at(-1)! < 0.05) msprtRejects++;
      if (naive) naiveRejects++;
    }
    expect(msprtRejects / 400).toBeLessThanOrEqual(0.05);
    expect(naiveRejects / 400).toBeGreaterThan(0.15);
  });
});
