import { Grid, Result, Section } from './components.js';

/** Message campaigns: status, send progress by batch, pause / resume / cancel (polled). */
export function CampaignsPage() {
  return (
    <>
      <Result id="campaign-result" />
      <Grid one>
        <Section title="Campaigns" id="remote" />
      </Grid>
    </>
  );
}
