import { chiSquareSf, normalQuantile, normalSf, studentTQuantile, studentTTwoSidedP } from './distributions.js';
import type { Interval, MeanSummary, ProportionSummary } from './descriptive.js';

export interface TestResult {
  /** Treatment minus control. */
  difference: number;
  /** Difference relative to the control (NaN when the control is 0). */
  relative: number;
  statistic: number;
  pValue: number;
  /** Interval for the difference (treatment − control). */
  interval: Interval;
}

export interface WelchResult extends TestResult {
  df: number;
}

/**
 * Welch's unequal-variances t-test of treatment vs control, two-sided, with the
 * Welch–Satterthwaite degrees of freedom.
 */
export function welchTTest(control: MeanSummary, treatment: MeanSummary, level = 0.95): WelchResult {
  if (control.n < 2 || treatment.n < 2) throw new RangeError('welchTTest needs at least 2 observations per group');
  const va = control.variance / control.n;
  const vb = treatment.variance / treatment.n;
  const se = Math.sqrt(va + vb);
  const difference = treatment.mean - control.mean;
  const df = (va + vb) ** 2 / (va ** 2 / (control.n - 1) + vb ** 2 / (treatment.n - 1));
  if (se === 0) {
    return { difference, relative: rel(difference, control.mean), statistic: difference === 0 ? 0 : Math.sign(difference) * Infinity, pValue: difference === 0 ? 1 : 0, df: control.n + treatment.n - 2, interval: { low: difference, high: difference, level } };
  }
  const t = difference / se;
  const half = studentTQuantile(1 - (1 - level) / 2, df) * se;
  return { difference, relative: rel(difference, control.mean), statistic: t, pValue: studentTTwoSidedP(t, df), df, interval: { low: difference - half, high: difference + half, level } };
}

/**
 * Two-proportion z-test (pooled standard error under H0, as in textbooks and TI-84 2-PropZTest);
 * the interval for the difference uses the unpooled standard error.
 */
export function twoProportionZTest(control: ProportionSummary, treatment: ProportionSummary, level = 0.95): TestResult {
  if (control.n === 0 || treatment.n === 0) throw new RangeError('twoProportionZTest needs at least one unit per group');
  const pa = control.successes / control.n;
  const pb = treatment.successes / treatment.n;
  const pooled = (control.successes + treatment.successes) / (control.n + treatment.n);
  const sePooled = Math.sqrt(pooled * (1 - pooled) * (1 / control.n + 1 / treatment.n));
  const difference = pb - pa;
  const z = sePooled === 0 ? 0 : difference / sePooled;
  const se = Math.sqrt((pa * (1 - pa)) / control.n + (pb * (1 - pb)) / treatment.n);
  const half = normalQuantile(1 - (1 - level) / 2) * se;
  return { difference, relative: rel(difference, pa), statistic: z, pValue: Math.min(1, 2 * normalSf(Math.abs(z))), interval: { low: difference - half, high: difference + half, level } };
}

export interface SrmResult {
  chiSquare: number;
  df: number;
  pValue: number;
  /** True when the observed split is implausible under the configured one (p < threshold). */
  mismatch: boolean;
  expected: number[];
}

/**
 * Sample-ratio mismatch: Pearson's chi-square goodness-of-fit of observed units per variant
 * against the configured weights. The conventional alarm threshold is p < 0.001.
 */
export function sampleRatioMismatch(observed: readonly number[], weights: readonly number[], threshold = 0.001): SrmResult {
  if (observed.length !== weights.length || observed.length < 2) throw new RangeError('SRM needs ≥ 2 variants and one weight per variant');
  const total = observed.reduce((a, b) => a + b, 0);
  const wsum = weights.reduce((a, b) => a + b, 0);
  const expected = weights.map((w) => (total * w) / wsum);
  // A zero-weight arm that received traffic is an infinite mismatch; an empty one contributes nothing.
  const chiSquare = observed.reduce((acc, o, i) => acc + (expected[i]! === 0 ? (o === 0 ? 0 : Infinity) : (o - expected[i]!) ** 2 / expected[i]!), 0);
  const df = observed.length - 1;
  const pValue = total === 0 ? 1 : chiSquare === Infinity ? 0 : chiSquareSf(chiSquare, df);
  return { chiSquare, df, pValue, mismatch: pValue < threshold, expected };
}

/** Pearson chi-square goodness of fit against explicit expected counts. */
export function chiSquareGoodnessOfFit(observed: readonly number[], expected: readonly number[]): { chiSquare: number; df: number; pValue: number } {
  const chiSquare = observed.reduce((acc, o, i) => acc + (o - expected[i]!) ** 2 / expected[i]!, 0);
  const df = observed.length - 1;
  return { chiSquare, df, pValue: chiSquareSf(chiSquare, df) };
}

function rel(diff: number, base: number): number {
  return base === 0 ? NaN : diff / base;
}

