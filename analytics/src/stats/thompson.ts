import type { MeanSummary, ProportionSummary } from './descriptive.js';
import { betaDraw, mulberry32, normalDraw } from './random.js';

export interface ThompsonOptions {
  /** Monte Carlo draws; the suggestion's noise is about 1/sqrt(draws). */
  draws?: number;
  seed?: number;
  /** Floor per arm so no variant is starved of traffic while evidence accumulates. */
  minShare?: number;
  /** Whether a lower metric is better (e.g. error rate). */
  lowerIsBetter?: boolean;
}

export interface Allocation {
  variant: string;
  /** Posterior probability this variant is best. */
  probabilityBest: number;
  /** Suggested traffic share (probabilityBest with the floor applied, renormalised). */
  share: number;
}

/**
 * Thompson-sampling allocation for a binary metric: Beta(1 + successes, 1 + failures)
 * posteriors, share ∝ P(variant is best), estimated by seeded Monte Carlo.
 */
export function thompsonProportions(arms: ReadonlyArray<{ variant: string } & ProportionSummary>, o: ThompsonOptions = {}): Allocation[] {
  return allocate(arms.map((a) => a.variant), (i, rand) => betaDraw(1 + arms[i]!.successes, 1 + arms[i]!.n - arms[i]!.successes, rand), o);
}

/** Same for a continuous metric, with the normal approximation N(mean, s²/n) as the posterior. */
export function thompsonMeans(arms: ReadonlyArray<{ variant: string } & MeanSummary>, o: ThompsonOptions = {}): Allocation[] {
  return allocate(
    arms.map((a) => a.variant),
    (i, rand) => {
      const a = arms[i]!;
      return a.n < 2 ? rand() * 1e-9 : a.mean + Math.sqrt(a.variance / a.n) * normalDraw(rand);
    },
    o,
  );
}

function allocate(variants: string[], draw: (i: number, rand: () => number) => number, o: ThompsonOptions): Allocation[] {
  const { draws = 10_000, seed = 1, minShare = 0, lowerIsBetter = false } = o;
  const rand = mulberry32(seed);
  const wins = new Array<number>(variants.length).fill(0);
  for (let d = 0; d < draws; d++) {
    let best = 0;
    let bestValue = -Infinity;
    for (let i = 0; i < variants.length; i++) {
      const v = draw(i, rand) * (lowerIsBetter ? -1 : 1);
      if (v > bestValue) {
        bestValue = v;
        best = i;
      }
    }
    wins[best]!++;
  }
  const prob = wins.map((w) => w / draws);
  const floored = prob.map((p) => Math.max(p, minShare));
  const sum = floored.reduce((a, b) => a + b, 0);
  return variants.map((variant, i) => ({ variant, probabilityBest: prob[i]!, share: floored[i]! / sum }));
}
