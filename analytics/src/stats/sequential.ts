/**
 * Mixture sequential probability ratio test (mSPRT) with always-valid p-values, after
 * Johari, Koomen, Pekelis & Walsh, "Always Valid Inference: Continuous Monitoring of A/B Tests"
 * (Operations Research 70(3), 2022; arXiv:1512.04922). For an estimate θ̂ of the difference with
 * variance V (normal approximation) and a N(0, τ²) mixing distribution over the alternative:
 *
 *   Λ = sqrt(V / (V + τ²)) · exp( τ² θ̂² / (2 V (V + τ²)) )
 *
 * and the always-valid p-value after each look is p_n = min(p_{n−1}, 1/Λ_n). Rejecting when
 * p_n < α keeps the type-I error ≤ α however often the results are looked at.
 */
export interface SequentialLook {
  /** Treatment − control estimate at this look. */
  estimate: number;
  /** Variance of the estimate at this look (e.g. s₁²/n₁ + s₂²/n₂). */
  variance: number;
}

export function mixtureLikelihoodRatio(look: SequentialLook, tau2: number): number {
  const { estimate: d, variance: v } = look;
  if (!(v > 0)) return 1;
  return Math.sqrt(v / (v + tau2)) * Math.exp((tau2 * d * d) / (2 * v * (v + tau2)));
}

/** Always-valid p-values, one per look, non-increasing. */
export function alwaysValidPValues(looks: readonly SequentialLook[], tau2: number): number[] {
  if (!(tau2 > 0)) throw new RangeError('mSPRT mixing variance τ² must be > 0');
  let p = 1;
  return looks.map((l) => {
    p = Math.min(p, 1 / mixtureLikelihoodRatio(l, tau2));
    return p;
  });
}
