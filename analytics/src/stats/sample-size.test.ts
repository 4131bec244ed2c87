import { describe, expect, it } from 'vitest';
import { powerTwoProportions, sampleSizeTwoMeans, sampleSizeTwoProportions } from './sample-size.js';

describe('sample size', () => {
  /**
   * R documentation of stats::power.prop.test, Examples:
   *   power.prop.test(n = 50, p1 = .50, p2 = .75)      ## => power = 0.740
   *   power.prop.test(p1 = .50, p2 = .75, power = .90) ## => n = 76.7
   */
  it('matches R power.prop.test', () => {
    expect(sampleSizeTwoProportions(0.5, 0.75, { power: 0.9 })).toBeCloseTo(76.7, 1);
    expect(powerTwoProportions(50, 0.5, 0.75)).toBeCloseTo(0.74, 3);
    expect(powerTwoProportions(sampleSizeTwoProportions(0.1, 0.12), 0.1, 0.12)).toBeCloseTo(0.8, 10);
  });

  it('means: n = 2σ²(z₀.₉₇₅ + z₀.₈)²/δ² = 15.7 for δ = σ (normal approximation)', () => {
    expect(sampleSizeTwoMeans(1, 1)).toBeCloseTo(2 * (1.959964 + 0.841621) ** 2, 4);
    expect(() => sampleSizeTwoMeans(0, 1)).toThrow(RangeError);
  });
});
