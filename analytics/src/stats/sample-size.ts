import { normalCdf, normalQuantile } from './distributions.js';

export interface SampleSizeOptions {
  alpha?: number;
  power?: number;
}

/**
 * Units per variant to detect p1 → p2 with a two-sided two-proportion z-test: the formula R's
 * power.prop.test solves (pooled variance under H0, unpooled under H1, one tail), i.e.
 * n = (z_{1−α/2}·sqrt(2 p̄ q̄) + z_{power}·sqrt(p1 q1 + p2 q2))² / (p1 − p2)².
 */
export function sampleSizeTwoProportions(p1: number, p2: number, o: SampleSizeOptions = {}): number {
  const { alpha = 0.05, power = 0.8 } = o;
  if (!(p1 > 0 && p1 < 1 && p2 > 0 && p2 < 1) || p1 === p2) throw new RangeError('need 0 < p1, p2 < 1 and p1 ≠ p2');
  const pbar = (p1 + p2) / 2;
  const za = normalQuantile(1 - alpha / 2);
  const zb = normalQuantile(power);
  const num = za * Math.sqrt(2 * pbar * (1 - pbar)) + zb * Math.sqrt(p1 * (1 - p1) + p2 * (1 - p2));
  return (num * num) / (p1 - p2) ** 2;
}

/** Power of the two-proportion test with n units per variant (the inverse of the above). */
export function powerTwoProportions(n: number, p1: number, p2: number, alpha = 0.05): number {
  const pbar = (p1 + p2) / 2;
  const za = normalQuantile(1 - alpha / 2);
  return normalCdf((Math.sqrt(n) * Math.abs(p1 - p2) - za * Math.sqrt(2 * pbar * (1 - pbar))) / Math.sqrt(p1 * (1 - p1) + p2 * (1 - p2)));
}

/**
 * Units per variant to detect a difference δ in means with common standard deviation σ
 * (normal approximation): n = 2 σ² (z_{1−α/2} + z_{power})² / δ².
 */
export function sampleSizeTwoMeans(delta: number, sd: number, o: SampleSizeOptions = {}): number {
  const { alpha = 0.05, power = 0.8 } = o;
  if (!(delta !== 0 && sd > 0)) throw new RangeError('need δ ≠ 0 and σ > 0');
  const z = normalQuantile(1 - alpha / 2) + normalQuantile(power);
  return (2 * sd * sd * z * z) / (delta * delta);
}
