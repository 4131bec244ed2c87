import { Grid, Section } from './components.js';

/** Transcode jobs with their latest state and progress (polled). */
export function TranscodePage() {
  return (
    <Grid one>
      <Section title="Transcode jobs" id="remote" />
    </Grid>
  );
}
