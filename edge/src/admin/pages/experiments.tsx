import { Grid, RangeForm, Result, Section } from './components.js';

/** Experiment results (verdict, intervals, forest plots) and the sample-size calculator. */
export function ExperimentsPage({ from, to }: { from: string; to: string }) {
  return (
    <>
      <RangeForm from={from} to={to} />
      <Grid one>
        <Section title="Experiments" id="experiment-list" />
        <Section title="Results" id="experiment-report" />
        <section class="card">
          <h3>Sample-size calculator</h3>
          <div class="body" id="calculator">
            <form class="range" id="ss-form">
              <select id="ss-kind">
                <option value="proportion">rate (proportion)</option>
                <option value="mean">mean</option>
              </select>{' '}
              baseline <input id="ss-baseline" type="number" step="any" value="0.05" size={6} />{' '}
              <input id="ss-sd" type="number" step="any" placeholder="sd (means)" size={8} /> relative effect{' '}
              <input id="ss-mde" type="number" step="any" value="0.1" size={5} /> power{' '}
              <input id="ss-power" type="number" step="any" value="0.8" size={5} /> variants{' '}
              <input id="ss-variants" type="number" value="2" min="2" max="10" size={3} />{' '}
              <button type="submit" id="ss-go">
                Calculate
              </button>
            </form>
            <Result id="sample-size-result" />
          </div>
        </section>
      </Grid>
    </>
  );
}
