import { describe, expect, it } from 'vitest';
import { meanInterval, proportionInterval, summarize } from './descriptive.js';
import { chiSquareGoodnessOfFit, sampleRatioMismatch, twoProportionZTest, welchTTest } from './tests.js';

describe("Welch's t-test", () => {
  /**
   * R's documented example `t.test(extra ~ group, data = sleep)` (R datasets::sleep, Cushny &
   * Peebles 1905) prints:
   *   Welch Two Sample t-test; t = -1.8608, df = 17.776, p-value = 0.07939
   *   95 percent confidence interval: -3.3654832  0.2054832; means 0.75 and 2.33
   * R computes group1 − group2; we compute treatment − control, so group 2 is the control.
   */
  const group1 = [0.7, -1.6, -0.2, -1.2, -0.1, 3.4, 3.7, 0.8, 0.0, 2.0];
  const group2 = [1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4];

  it('matches R t.test on the sleep data', () => {
    const r = welchTTest(summarize(group2), summarize(group1));
    expect(summarize(group1).mean).toBeCloseTo(0.75, 10);
    expect(summarize(group2).mean).toBeCloseTo(2.33, 10);
    expect(r.statistic).toBeCloseTo(-1.8608, 4);
    expect(r.df).toBeCloseTo(17.776, 3);
    expect(r.pValue).toBeCloseTo(0.07939, 5);
    expect(r.interval.low).toBeCloseTo(-3.3654832, 6);
    expect(r.interval.high).toBeCloseTo(0.2054832, 6);
  });

  it('rejects groups that are too small', () => {
    expect(() => welchTTest({ n: 1, mean: 1, variance: 0 }, summarize(group1))).toThrow(RangeError);
  });
});

describe('two-proportion z-test', () => {
  /**
   * Illowsky & Dean, Collaborative Statistics / OpenStax Introductory Statistics, "Comparing Two
   * Independent Population Proportions" (cnx.org m17043): medication A 20/200 and medication B
   * 12/200 still had hives; pooled p = 0.08, two-sided p-value = 0.1404.
   */
  it('matches the OpenStax hives example', () => {
    const r = twoProportionZTest({ n: 200, successes: 12 }, { n: 200, successes: 20 });
    expect(r.difference).toBeCloseTo(0.04, 12);
    expect(r.statistic).toBeCloseTo(0.04 / Math.sqrt(0.08 * 0.92 * (2 / 200)), 10);
    expect(r.pValue).toBeCloseTo(0.1404, 4);
    expect(r.interval.low).toBeLessThan(0);
    expect(r.interval.high).toBeGreaterThan(0.04);
  });
});

describe('sample-ratio mismatch (chi-square goodness of fit)', () => {
  /**
   * Mendel's dihybrid cross (1866): 315 round-yellow, 108 round-green, 101 wrinkled-yellow,
   * 32 wrinkled-green against 9:3:3:1, the classic textbook goodness-of-fit example:
   * χ² = 0.470 with 3 df, p ≈ 0.925.
   */
  it("matches Mendel's 9:3:3:1 example", () => {
    const r = sampleRatioMismatch([315, 108, 101, 32], [9, 3, 3, 1]);
    expect(r.chiSquare).toBeCloseTo(0.47, 2);
    expect(r.df).toBe(3);
    expect(r.pValue).toBeCloseTo(0.925, 3);
    expect(r.mismatch).toBe(false);
  });

  it('flags a 50/50 experiment that delivered 50.8/49.2 over 100k users', () => {
    const r = sampleRatioMismatch([50_800, 49_200], [1, 1]);
    expect(r.chiSquare).toBeCloseTo(25.6, 6);
    expect(r.pValue).toBeLessThan(0.001);
    expect(r.mismatch).toBe(true);
  });

  it('treats traffic to a zero-weight arm as a mismatch', () => {
    expect(sampleRatioMismatch([100, 3], [1, 0])).toMatchObject({ mismatch: true, pValue: 0 });
    expect(sampleRatioMismatch([100, 0], [1, 0])).toMatchObject({ mismatch: false, chiSquare: 0 });
  });

  it('goodness of fit with explicit expectations equals the weighted form', () => {
    expect(chiSquareGoodnessOfFit([315, 108, 101, 32], [312.75, 104.25, 104.25, 34.75]).chiSquare).toBeCloseTo(0.470024, 5);
  });
});

describe('intervals', () => {
  it('mean interval equals the t interval from R (sleep group 2: 2.33 ± t(0.975, 9)·s/√10)', () => {
    const s = summarize([1.9, 0.8, 1.1, 0.1, -0.1, 4.4, 5.5, 1.6, 4.6, 3.4]);
    const ci = meanInterval(s);
    // R: t.test(sleep$extra[sleep$group == 2]) → 95 percent confidence interval 0.8976775 3.7623225
    expect(ci.low).toBeCloseTo(0.8976775, 6);
    expect(ci.high).toBeCloseTo(3.7623225, 6);
  });

  it('Wilson interval stays within [0,1] and contains the estimate', () => {
    const zero = proportionInterval({ n: 50, successes: 0 });
    expect(zero.low).toBe(0);
    expect(zero.high).toBeGreaterThan(0.05);
    const ci = proportionInterval({ n: 200, successes: 20 });
    expect(ci.low).toBeLessThan(0.1);
    expect(ci.high).toBeGreaterThan(0.1);
  });
});
