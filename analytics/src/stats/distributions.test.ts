import { describe, expect, it } from 'vitest';
import { chiSquareCdf, chiSquareSf, lnGamma, normalCdf, normalQuantile, studentTCdf, studentTQuantile } from './distributions.js';

/**
 * Reference values from published tables:
 * - NIST/SEMATECH e-Handbook of Statistical Methods, §1.3.6.7.1 (cumulative standard normal),
 *   §1.3.6.7.2 (upper critical values of Student's t), §1.3.6.7.4 (upper critical values of χ²).
 *   https://www.itl.nist.gov/div898/handbook/eda/section3/eda367.htm
 */
describe('distribution functions against the NIST/SEMATECH e-Handbook tables', () => {
  it('normal CDF and quantile (§1.3.6.7.1)', () => {
    expect(normalCdf(1.96)).toBeCloseTo(0.975, 4);
    expect(normalCdf(1)).toBeCloseTo(0.84134, 5);
    expect(normalCdf(-2.5)).toBeCloseTo(0.00621, 5);
    expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 6);
    expect(normalQuantile(0.95)).toBeCloseTo(1.644854, 6);
    expect(normalQuantile(0.999)).toBeCloseTo(3.090232, 6);
    for (const p of [1e-10, 0.001, 0.3, 0.5, 0.77, 0.999999]) expect(normalCdf(normalQuantile(p))).toBeCloseTo(p, 12);
  });

  it("Student's t upper critical values (§1.3.6.7.2)", () => {
    expect(studentTQuantile(0.975, 1)).toBeCloseTo(12.706, 3);
    expect(studentTQuantile(0.975, 10)).toBeCloseTo(2.228, 3);
    expect(studentTQuantile(0.95, 20)).toBeCloseTo(1.725, 3);
    expect(studentTQuantile(0.995, 30)).toBeCloseTo(2.75, 3);
    expect(studentTQuantile(0.975, 100)).toBeCloseTo(1.984, 3);
    expect(studentTCdf(2.228, 10)).toBeCloseTo(0.975, 4);
    expect(studentTCdf(0, 7.3)).toBeCloseTo(0.5, 12);
  });

  it('chi-square upper critical values (§1.3.6.7.4)', () => {
    expect(chiSquareCdf(3.841, 1)).toBeCloseTo(0.95, 4);
    expect(chiSquareCdf(11.07, 5)).toBeCloseTo(0.95, 4);
    expect(chiSquareCdf(23.209, 10)).toBeCloseTo(0.99, 4);
    expect(chiSquareSf(18.307, 10)).toBeCloseTo(0.05, 4);
    // Far tail stays accurate (SRM alarms live at p < 0.001).
    expect(chiSquareSf(10.828, 1)).toBeCloseTo(0.001, 6);
  });

  it('ln Γ matches factorials', () => {
    expect(lnGamma(10)).toBeCloseTo(Math.log(362880), 10);
    expect(lnGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 10);
  });
});
