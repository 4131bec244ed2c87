import { normalQuantile, studentTQuantile } from './distributions.js';

/** Sufficient statistics of a continuous metric in one variant (what ClickHouse aggregates return). */
export interface MeanSummary {
  n: number;
  mean: number;
  /** Sample variance (n − 1 denominator). */
  variance: number;
}

/** Sufficient statistics of a binary metric (conversions out of units). */
export interface ProportionSummary {
  n: number;
  successes: number;
}

export interface Interval {
  low: number;
  high: number;
  level: number;
}

/** Summary of raw observations; Welford's update keeps the variance stable for large means. */
export function summarize(xs: readonly number[]): MeanSummary {
  let mean = 0;
  let m2 = 0;
  let n = 0;
  for (const x of xs) {
    n++;
    const d = x - mean;
    mean += d / n;
    m2 += d * (x - mean);
  }
  return { n, mean, variance: n > 1 ? m2 / (n - 1) : 0 };
}

/** Summary from a count, sum and sum of squares (the form SQL aggregates give). */
export function summaryFromSums(n: number, sum: number, sumSquares: number): MeanSummary {
  if (n === 0) return { n: 0, mean: 0, variance: 0 };
  const mean = sum / n;
  const variance = n > 1 ? Math.max(0, (sumSquares - n * mean * mean) / (n - 1)) : 0;
  return { n, mean, variance };
}

/** t-based confidence interval for a mean. */
export function meanInterval(s: MeanSummary, level = 0.95): Interval {
  if (s.n < 2) return { low: -Infinity, high: Infinity, level };
  const half = studentTQuantile(1 - (1 - level) / 2, s.n - 1) * Math.sqrt(s.variance / s.n);
  return { low: s.mean - half, high: s.mean + half, level };
}

/**
 * Wilson score interval for a proportion: unlike the Wald interval it stays inside [0, 1] and
 * keeps its coverage for small counts and rates near 0, which CTRs usually are.
 */
export function proportionInterval(s: ProportionSummary, level = 0.95): Interval {
  if (s.n === 0) return { low: 0, high: 1, level };
  const z = normalQuantile(1 - (1 - level) / 2);
  const p = s.successes / s.n;
  const z2n = (z * z) / s.n;
  const centre = (p + z2n / 2) / (1 + z2n);
  const half = (z / (1 + z2n)) * Math.sqrt((p * (1 - p)) / s.n + z2n / (4 * s.n));
  return { low: Math.max(0, centre - half), high: Math.min(1, centre + half), level };
}
