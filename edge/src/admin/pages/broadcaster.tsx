import { Grid, Result, Section } from './components.js';

/** Stats broadcaster: status, tasks with start / stop / trigger, and the callback log (polled). */
export function BroadcasterPage() {
  return (
    <>
      <Result id="broadcast-result" />
      <Grid one>
        <Section title="Broadcaster" id="remote" />
        <Section title="Callback log" id="broadcast-log" />
      </Grid>
    </>
  );
}
