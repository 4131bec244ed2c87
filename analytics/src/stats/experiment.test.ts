import { describe, expect, it } from 'vitest';
import { ExperimentReport } from '@vidplat/contracts';
import { analyzeExperiment, type ExperimentLook } from './experiment.js';

/** Cumulative looks for a two-arm test: per look, `perLook` users per arm with the given rates. */
function looks(rates: Record<string, { click: number; complete: number; units?: number }>, nLooks: number, perLook: number): ExperimentLook[] {
  const out: ExperimentLook[] = [];
  for (let k = 1; k <= nLooks; k++) {
    const variants: ExperimentLook['variants'] = {};
    for (const [v, r] of Object.entries(rates)) {
      const n = Math.round(k * (r.units ?? perLook));
      variants[v] = {
        units: n,
        click_rate: { n, successes: Math.round(n * r.click) },
        completion_rate: { n, successes: Math.round(n * r.complete) },
        watch_seconds: { n, sum: n * 60, sumSquares: n * (60 * 60 + 400) },
      };
    }
    out.push({ at: `2026-11-${String(k).padStart(2, '0')}`, variants });
  }
  return out;
}

const base = { experimentId: 'exp-1', from: '2026-11-01', to: '2026-11-14', primary: 'click_rate', secondary: ['watch_seconds'], guardrail: ['completion_rate'] } as const;
const opts = { ...base, secondary: [...base.secondary], guardrail: [...base.guardrail] };

describe('experiment verdict', () => {
  it('ships a treatment that wins the primary metric without hurting the guardrail; the report fits the contract', () => {
    const r = analyzeExperiment(looks({ control: { click: 0.1, complete: 0.3 }, b: { click: 0.13, complete: 0.3 } }, 14, 500), opts);
    expect(() => ExperimentReport.parse(r)).not.toThrow();
    expect(r.control).toBe('control');
    expect(r.verdict).toMatchObject({ decision: 'ship', variant: 'b' });
    const primary = r.metrics.find((m) => m.role === 'primary')!;
    expect(primary.comparisons[0]).toMatchObject({ variant: 'b', test: 'two_proportion_z', outcome: 'better' });
    expect(primary.comparisons[0]!.interval.low).toBeGreaterThan(0);
    expect(primary.comparisons[0]!.alwaysValidPValue).toBeGreaterThanOrEqual(primary.comparisons[0]!.pValue);
    expect(r.metrics.find((m) => m.metric === 'watch_seconds')!.comparisons[0]!.test).toBe('welch_t');
    expect(r.allocation.find((a) => a.variant === 'b')!.probabilityBest).toBeGreaterThan(0.95);
    expect(r.looks).toBe(14);
  });

  it('stops a treatment whose guardrail degrades even if the primary wins', () => {
    const r = analyzeExperiment(looks({ control: { click: 0.1, complete: 0.3 }, b: { click: 0.13, complete: 0.22 } }, 14, 500), opts);
    expect(r.verdict).toMatchObject({ decision: 'stop_guardrail', variant: 'b' });
  });

  it('refuses a verdict under sample-ratio mismatch', () => {
    const r = analyzeExperiment(looks({ control: { click: 0.1, complete: 0.3, units: 500 }, b: { click: 0.13, complete: 0.3, units: 440 } }, 14, 500), opts);
    expect(r.srm.mismatch).toBe(true);
    expect(r.verdict.decision).toBe('invalid_srm');
  });

  it('ignores a weight map that does not name every observed variant', () => {
    const l = looks({ control: { click: 0.1, complete: 0.3 }, b: { click: 0.13, complete: 0.3 } }, 14, 500);
    expect(analyzeExperiment(l, { ...opts, weights: { control: 50, c: 50 } }).srm.mismatch).toBe(false);
    expect(analyzeExperiment(l, { ...opts, weights: { control: 90, b: 10 } }).verdict.decision).toBe('invalid_srm');
  });

  it('says keep running with too little evidence, and insufficient data with too few users', () => {
    expect(analyzeExperiment(looks({ control: { click: 0.1, complete: 0.3 }, b: { click: 0.102, complete: 0.3 } }, 3, 300), opts).verdict.decision).toBe('keep_running');
    expect(analyzeExperiment(looks({ control: { click: 0.1, complete: 0.3 }, b: { click: 0.2, complete: 0.3 } }, 1, 40), opts).verdict.decision).toBe('insufficient_data');
  });

  it('rolls back when the only treatment is significantly worse on the primary', () => {
    const r = analyzeExperiment(looks({ control: { click: 0.12, complete: 0.3 }, b: { click: 0.08, complete: 0.3 } }, 14, 500), opts);
    expect(r.verdict).toMatchObject({ decision: 'rollback', variant: 'control' });
  });
});
