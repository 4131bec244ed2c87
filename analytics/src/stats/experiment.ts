import type { Decision, ExperimentMetric, ExperimentReport, MetricReport } from '@vidplat/contracts';
import { meanInterval, proportionInterval, summaryFromSums, type MeanSummary, type ProportionSummary } from './descriptive.js';
import { sampleSizeTwoMeans, sampleSizeTwoProportions } from './sample-size.js';
import { alwaysValidPValues } from './sequential.js';
import { sampleRatioMismatch, twoProportionZTest, welchTTest } from './tests.js';
import { thompsonMeans, thompsonProportions } from './thompson.js';

/** How each experiment metric is aggregated per exposed user, and which direction is good. */
export const METRIC_DEFS: Record<ExperimentMetric, { kind: 'proportion' | 'mean'; higherIsBetter: boolean }> = {
  click_rate: { kind: 'proportion', higherIsBetter: true },
  play_rate: { kind: 'proportion', higherIsBetter: true },
  completion_rate: { kind: 'proportion', higherIsBetter: true },
  purchase_rate: { kind: 'proportion', higherIsBetter: true },
  watch_seconds: { kind: 'mean', higherIsBetter: true },
  revenue_cents: { kind: 'mean', higherIsBetter: true },
  events_per_user: { kind: 'mean', higherIsBetter: true },
};

/** Cumulative per-variant aggregates at one look (e.g. the end of each day). */
export type MetricAggregate = { n: number; successes: number } | { n: number; sum: number; sumSquares: number };
export interface ExperimentLook {
  at: string;
  /** variant → metric → aggregate over users exposed so far. */
  variants: Record<string, Partial<Record<ExperimentMetric, MetricAggregate>> & { units: number }>;
}

export interface AnalyzeOptions {
  experimentId: string;
  from: string;
  to: string;
  control?: string;
  primary: ExperimentMetric;
  secondary: ExperimentMetric[];
  guardrail: ExperimentMetric[];
  weights?: Record<string, number>;
  alpha?: number;
  mde?: number;
  /** Units per variant below which no verdict is given. */
  minUnitsPerVariant?: number;
  seed?: number;
}

const asProportion = (a: MetricAggregate | undefined): ProportionSummary => (a && 'successes' in a ? a : { n: a?.n ?? 0, successes: 0 });
const asMean = (a: MetricAggregate | undefined): MeanSummary => (a && 'sum' in a ? summaryFromSums(a.n, a.sum, a.sumSquares) : { n: a?.n ?? 0, mean: 0, variance: 0 });

/**
 * The experiment report: per-variant estimates with intervals, fixed-horizon tests, always-valid
 * (mSPRT) p-values over the looks, SRM check, sample-size target, Thompson allocation and a verdict.
 * Decisions use the always-valid p-values so looking at the dashboard every day is safe.
 */
export function analyzeExperiment(looks: readonly ExperimentLook[], o: AnalyzeOptions): ExperimentReport {
  const alpha = o.alpha ?? 0.05;
  const mde = o.mde ?? 0.1;
  const minUnits = o.minUnitsPerVariant ?? 100;
  const last = looks.at(-1);
  const names = last ? Object.keys(last.variants).sort() : [];
  const control = o.control && names.includes(o.control) ? o.control : (names.find((v) => /^(control|ctrl|a|baseline)$/i.test(v)) ?? names[0] ?? 'control');
  const treatments = names.filter((v) => v !== control);
  const units = names.map((v) => last!.variants[v]!.units);
  // Configured weights apply only when they name every observed variant; a partial map (e.g. a
  // config that no longer matches the traffic) would make the SRM check meaningless.
  const covered = !!o.weights && names.every((v) => Number.isFinite(o.weights![v]));
  const weights = names.map((v) => (covered ? o.weights![v]! : 1));
  const srm = names.length >= 2 ? sampleRatioMismatch(units, weights) : { chiSquare: 0, df: 0, pValue: 1, mismatch: false };

  const roles: Array<[ExperimentMetric, MetricReport['role']]> = [
    [o.primary, 'primary'],
    ...o.secondary.filter((m) => m !== o.primary).map((m) => [m, 'secondary'] as [ExperimentMetric, 'secondary']),
    ...o.guardrail.filter((m) => m !== o.primary).map((m) => [m, 'guardrail'] as [ExperimentMetric, 'guardrail']),
  ];
  const metrics: MetricReport[] = roles.map(([metric, role]) => metricReport(metric, role, looks, control, treatments, names, alpha));

  const def = METRIC_DEFS[o.primary];
  let sampleSize: ExperimentReport['sampleSize'] = null;
  const ctrlAgg = last?.variants[control]?.[o.primary];
  if (ctrlAgg) {
    try {
      const required =
        def.kind === 'proportion'
          ? (() => {
              const p = asProportion(ctrlAgg);
              const base = p.n ? p.successes / p.n : 0;
              return sampleSizeTwoProportions(base, Math.min(0.999, base * (1 + mde)), { alpha });
            })()
          : (() => {
              const m = asMean(ctrlAgg);
              return sampleSizeTwoMeans(m.mean * mde, Math.sqrt(m.variance), { alpha });
            })();
      sampleSize = { metric: o.primary, requiredPerVariant: Math.ceil(required), smallestVariant: Math.min(...units), mde };
    } catch {
      sampleSize = null; // baseline of 0 or no variance yet: no meaningful target
    }
  }

  const arms = names.map((variant) => ({ variant, agg: last!.variants[variant]![o.primary] }));
  const allocation =
    def.kind === 'proportion'
      ? thompsonProportions(arms.map((a) => ({ variant: a.variant, ...asProportion(a.agg) })), { seed: o.seed ?? 1, minShare: 0.05 })
      : thompsonMeans(arms.map((a) => ({ variant: a.variant, ...asMean(a.agg) })), { seed: o.seed ?? 1, minShare: 0.05 });

  const verdict = decide({ metrics, srm, units, minUnits, control, sampleSize, alpha });
  return {
    experimentId: o.experimentId,
    from: o.from,
    to: o.to,
    control,
    alpha,
    variants: names.map((variant, i) => ({ variant, units: units[i]!, weight: weights[i]! / weights.reduce((a, b) => a + b, 0) })),
    srm: { chiSquare: Math.min(srm.chiSquare, Number.MAX_VALUE), df: srm.df, pValue: srm.pValue, mismatch: srm.mismatch },
    metrics,
    sampleSize,
    allocation,
    looks: looks.length,
    verdict,
  };
}

function metricReport(metric: ExperimentMetric, role: MetricReport['role'], looks: readonly ExperimentLook[], control: string, treatments: string[], names: string[], alpha: number): MetricReport {
  const { kind, higherIsBetter } = METRIC_DEFS[metric];
  const last = looks.at(-1)!;
  const agg = (look: ExperimentLook, v: string) => look.variants[v]?.[metric];
  const variants = names.map((variant) => {
    if (kind === 'proportion') {
      const p = asProportion(agg(last, variant));
      return { variant, n: p.n, estimate: p.n ? p.successes / p.n : 0, interval: proportionInterval(p) };
    }
    const m = asMean(agg(last, variant));
    const ci = meanInterval(m);
    return { variant, n: m.n, estimate: m.mean, interval: finite(ci) };
  });
  const comparisons: MetricReport['comparisons'] = [];
  for (const variant of treatments) {
    const c = agg(last, control);
    const t = agg(last, variant);
    const enough = kind === 'proportion' ? asProportion(c).n > 0 && asProportion(t).n > 0 : asMean(c).n > 1 && asMean(t).n > 1;
    if (!enough) continue;
    const r = kind === 'proportion' ? twoProportionZTest(asProportion(c), asProportion(t)) : welchTTest(asMean(c), asMean(t));
    // The mSPRT sequence: one look per period with data in both arms.
    const seq = looks
      .map((look) => lookEstimate(kind, agg(look, control), agg(look, variant)))
      .filter((x): x is { estimate: number; variance: number; base: number } => x !== null);
    const base = seq.at(-1)?.base ?? 0;
    // Mixing scale: effects of the order of 10% of the control's level (Johari et al. tune τ to
    // the effects seen in past experiments; a fixed relative prior is the documented default).
    const tau = Math.max(0.1 * Math.abs(base), 1e-9);
    const avp = seq.length ? alwaysValidPValues(seq, tau * tau).at(-1)! : 1;
    const significant = avp < alpha;
    const good = higherIsBetter ? r.difference > 0 : r.difference < 0;
    comparisons.push({
      variant,
      test: kind === 'proportion' ? 'two_proportion_z' : 'welch_t',
      difference: r.difference,
      relative: Number.isFinite(r.relative) ? r.relative : null,
      interval: finite(r.interval),
      statistic: Number.isFinite(r.statistic) ? r.statistic : Math.sign(r.statistic) * 1e9,
      ...('df' in r ? { df: (r as { df: number }).df } : {}),
      pValue: r.pValue,
      alwaysValidPValue: avp,
      significant,
      outcome: significant ? (good ? 'better' : 'worse') : 'inconclusive',
    });
  }
  return { metric, role, kind, higherIsBetter, variants, comparisons };
}

function lookEstimate(kind: 'proportion' | 'mean', c: MetricAggregate | undefined, t: MetricAggregate | undefined) {
  if (kind === 'proportion') {
    const a = asProportion(c);
    const b = asProportion(t);
    if (!a.n || !b.n) return null;
    const pa = a.successes / a.n;
    const pb = b.successes / b.n;
    const variance = (pa * (1 - pa)) / a.n + (pb * (1 - pb)) / b.n;
    return variance > 0 ? { estimate: pb - pa, variance, base: pa } : null;
  }
  const a = asMean(c);
  const b = asMean(t);
  if (a.n < 2 || b.n < 2) return null;
  const variance = a.variance / a.n + b.variance / b.n;
  return variance > 0 ? { estimate: b.mean - a.mean, variance, base: a.mean } : null;
}

function finite(i: { low: number; high: number; level: number }) {
  return { low: Number.isFinite(i.low) ? i.low : -1e308, high: Number.isFinite(i.high) ? i.high : 1e308, level: i.level };
}

function decide(x: {
  metrics: MetricReport[];
  srm: { pValue: number; mismatch: boolean };
  units: number[];
  minUnits: number;
  control: string;
  sampleSize: ExperimentReport['sampleSize'];
  alpha: number;
}): ExperimentReport['verdict'] {
  const reasons: string[] = [];
  const out = (decision: Decision, variant: string | null, summary: string) => ({ decision, variant, summary, reasons });
  if (x.units.length < 2) return out('insufficient_data', null, 'Fewer than two variants have exposures.');
  if (x.srm.mismatch) {
    reasons.push(`sample ratio mismatch: χ² p = ${x.srm.pValue.toExponential(2)} < 0.001`);
    return out('invalid_srm', null, 'Traffic split does not match the configuration; results are not trustworthy until assignment is fixed.');
  }
  if (Math.min(...x.units) < x.minUnits) {
    reasons.push(`smallest variant has ${Math.min(...x.units)} users, below ${x.minUnits}`);
    return out('insufficient_data', null, 'Not enough exposed users yet for a verdict.');
  }
  for (const m of x.metrics.filter((m) => m.role === 'guardrail')) {
    const hurt = m.comparisons.find((c) => c.outcome === 'worse');
    if (hurt) {
      reasons.push(`guardrail ${m.metric} is worse for ${hurt.variant} (always-valid p = ${hurt.alwaysValidPValue.toPrecision(3)})`);
      return out('stop_guardrail', hurt.variant, `Stop ${hurt.variant}: guardrail ${m.metric} degraded.`);
    }
  }
  const primary = x.metrics.find((m) => m.role === 'primary')!;
  const better = primary.comparisons.filter((c) => c.outcome === 'better').sort((a, b) => b.difference - a.difference);
  const worse = primary.comparisons.filter((c) => c.outcome === 'worse');
  for (const c of primary.comparisons) reasons.push(`${primary.metric} ${c.variant} vs ${x.control}: Δ = ${c.difference.toPrecision(3)}, always-valid p = ${c.alwaysValidPValue.toPrecision(3)}`);
  if (better.length) return out('ship', better[0]!.variant, `Ship ${better[0]!.variant}: ${primary.metric} is significantly better than ${x.control}.`);
  if (worse.length && worse.length === primary.comparisons.length) return out('rollback', x.control, `Keep ${x.control}: every treatment is significantly worse on ${primary.metric}.`);
  if (x.sampleSize && x.sampleSize.smallestVariant >= x.sampleSize.requiredPerVariant) {
    return out('no_difference', null, `No significant difference on ${primary.metric} at the planned sample size.`);
  }
  return out('keep_running', null, `Keep running: no significant difference on ${primary.metric} yet.`);
}
