import type { ExportDataset, ExportFormat } from '@vidplat/contracts';
import { Grid, RangeForm, Section } from './components.js';

/** The downloads offered on the dashboards (the API streams any dataset in either format). */
const EXPORTS: readonly (readonly [ExportDataset, ExportFormat])[] = [
  ['interactions', 'csv'],
  ['interactions', 'ndjson'],
  ['items', 'csv'],
  ['profiles', 'csv'],
];

export function DashboardsPage({ from, to }: { from: string; to: string }) {
  return (
    <>
      <RangeForm from={from} to={to} />
      <div class="range" id="exports">
        Export:{' '}
        {EXPORTS.map(([dataset, format]) => (
          <button type="button" id={`export-${dataset}-${format}`} data-dataset={dataset} data-format={format}>
            {`${dataset} ${format.toUpperCase()}`}
          </button>
        ))}
        <span id="export-status" class="muted"></span>
      </div>
      <Grid>
        <Section title="Overview" id="kpis" />
        <Section title="Daily trends" id="trends" />
        <Section title="Click-through rate" id="ctr" />
        <Section title="Item distribution (plays)" id="items" />
        <Section title="Behaviour" id="behaviour" />
        <Section title="Video plays" id="videos" />
        <Section title="Best time to publish" id="heatmap-section" />
        <Section title="Hot courses" id="hot-courses" />
      </Grid>
    </>
  );
}
