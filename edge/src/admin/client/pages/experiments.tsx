import type { Decision, ExperimentList, ExperimentReport, MetricReport, SampleSizeResult } from '@vidplat/contracts';
import { api, query } from '../api.js';
import { forestChart } from '../charts.js';
import { fmt, pct } from '../format.js';
import type { PageModule } from '../page.js';
import { mountRangeForm, rangeQuery } from '../range.js';
import { ChartBox, Muted, Problem, Table, Tag, byId, fill, loading, status } from '../ui.js';

const A = '/v1/admin/analytics/';

const DECISIONS: Record<Decision, string> = {
  ship: 'Ship',
  rollback: 'Keep control',
  stop_guardrail: 'Stop: guardrail hurt',
  invalid_srm: 'Invalid: sample ratio mismatch',
  keep_running: 'Keep running',
  no_difference: 'No difference',
  insufficient_data: 'Insufficient data',
};

function Metric({ m, control }: { m: MetricReport; control: string }) {
  const prop = m.kind === 'proportion';
  const est = (v: number) => (prop ? pct(v, 2) : fmt(v, 2));
  const diff = (v: number) => (prop ? pct(v, 2) : fmt(v, 3));
  return (
    <div class="metric" data-metric={m.metric}>
      <h4>{`${m.metric} (${m.role})`}</h4>
      <Table
        rows={m.variants}
        columns={[
          ['Variant', (e) => e.variant],
          ['n', (e) => fmt(e.n)],
          [prop ? 'Rate' : 'Mean', (e) => est(e.estimate)],
          ['95% interval', (e) => `${est(e.interval.low)} – ${est(e.interval.high)}`],
        ]}
      />
      <Table
        rows={m.comparisons}
        columns={[
          [`vs ${control}`, (c) => c.variant],
          ['Δ', (c) => diff(c.difference)],
          ['Relative', (c) => (c.relative === null ? '–' : pct(c.relative, 1))],
          ['95% CI of Δ', (c) => `${diff(c.interval.low)} – ${diff(c.interval.high)}`],
          ['p (fixed)', (c) => fmt(c.pValue, 4)],
          ['p (always valid)', (c) => fmt(c.alwaysValidPValue, 4)],
          ['Outcome', (c) => <Tag kind={c.outcome}>{c.outcome}</Tag>],
        ]}
      />
      {m.comparisons.length ? <ChartBox id={`forest-${m.metric}`} size="short" label={`Difference of ${m.metric} against ${control} with its 95% interval`} /> : null}
    </div>
  );
}

function Report({ x }: { x: ExperimentReport }) {
  const v = x.verdict;
  return (
    <>
      <div id="verdict" class={`verdict ${v.decision}`} data-decision={v.decision}>
        <strong>{DECISIONS[v.decision] + (v.variant ? `: ${v.variant}` : '')}</strong>
        <span>{` ${v.summary}`}</span>
        <ul>
          {v.reasons.map((t) => (
            <li>{t}</li>
          ))}
        </ul>
      </div>
      <p id="srm" class={x.srm.mismatch ? 'error' : 'muted'}>
        {`Sample ratio check: χ² = ${fmt(x.srm.chiSquare, 2)}, p = ${fmt(x.srm.pValue, 4)}${x.srm.mismatch ? ' – MISMATCH' : ' – ok'} · units ${x.variants.map((u) => `${u.variant} ${u.units}`).join(', ')}`}
      </p>
      {x.metrics.map((m) => (
        <Metric m={m} control={x.control} />
      ))}
      <p id="allocation">{`Thompson-sampling allocation: ${x.allocation.map((a) => `${a.variant} ${pct(a.share, 0)} (P(best) ${pct(a.probabilityBest, 1)})`).join(', ')}`}</p>
      {x.sampleSize ? (
        <p id="sample-size">{`Sample size for a ${pct(x.sampleSize.mde, 0)} relative effect on ${x.sampleSize.metric}: ${fmt(x.sampleSize.requiredPerVariant)} per variant; smallest variant has ${fmt(x.sampleSize.smallestVariant)}.`}</p>
      ) : null}
      <Muted>{`${x.looks} daily looks; decisions use always-valid (mSPRT) p-values, so checking this page daily does not inflate false positives.`}</Muted>
    </>
  );
}

async function report(id: string) {
  loading('experiment-report');
  // The configured split (recommend's experiment API) makes the SRM check exact; equal weights otherwise.
  const cfg = await api<{ variants?: { name: string; weight: number }[] }>(`/v1/experiments/${encodeURIComponent(id)}`);
  const weights = cfg.ok && cfg.body.variants ? cfg.body.variants.map((v) => `${v.name}:${v.weight}`).join(',') : '';
  const r = await api<ExperimentReport>(`${A}experiments/${encodeURIComponent(id)}?${rangeQuery(weights ? { weights } : {})}`);
  if (!r.ok) return fill('experiment-report', <Problem result={r} what={`Experiment ${id}`} />);
  fill('experiment-report', <Report x={r.body} />);
  for (const m of r.body.metrics) {
    if (m.comparisons.length) forestChart(`forest-${m.metric}`, m.comparisons, m.kind === 'proportion' ? (v) => pct(v, 2) : (v) => fmt(v, 3));
  }
}

async function load() {
  loading('experiment-list', 'experiment-report');
  const r = await api<ExperimentList>(`${A}experiments?${rangeQuery()}`);
  if (!r.ok) {
    fill('experiment-report', '');
    return fill('experiment-list', <Problem result={r} what="Experiments" />);
  }
  const exps = r.body.experiments;
  if (!exps.length) {
    fill('experiment-report', '');
    return fill('experiment-list', <Muted>No experiment exposures in this range.</Muted>);
  }
  fill(
    'experiment-list',
    <label>
      {'Experiment '}
      <select id="experiment-select" onChange={(e: Event) => void report((e.target as HTMLSelectElement).value)}>
        {exps.map((e) => (
          <option value={e.experimentId}>{`${e.experimentId} (${e.variants.join(', ')}; ${e.users} users)`}</option>
        ))}
      </select>
    </label>,
  );
  await report(exps[0]!.experimentId);
}

async function sampleSize(e: Event) {
  e.preventDefault();
  const v = (id: string) => byId<HTMLInputElement | HTMLSelectElement>(id).value;
  const r = await api<SampleSizeResult>(
    `${A}sample-size?${query({ kind: v('ss-kind'), baseline: v('ss-baseline'), mde: v('ss-mde'), power: v('ss-power'), variants: v('ss-variants'), sd: v('ss-sd') })}`,
  );
  if (!r.ok) return status('sample-size-result', { result: r, what: 'Sample size' });
  status('sample-size-result', `${fmt(r.body.perVariant)} per variant, ${fmt(r.body.total)} in total (two-sided α = ${String(r.body.query.alpha)}, power ${String(r.body.query.power)}).`);
}

export const experiments: PageModule = {
  mount() {
    mountRangeForm(() => void load());
    byId('ss-form').addEventListener('submit', (e) => void sampleSize(e));
  },
  load: () => void load(),
};
