import { BroadcasterPage } from './broadcaster.js';
import { CampaignsPage } from './campaigns.js';
import { DashboardsPage } from './dashboards.js';
import { ExperimentsPage } from './experiments.js';
import { Layout } from './layout.js';
import { adminPage, type AdminPageId } from './nav.js';
import { SchedulePage } from './schedule.js';
import { TemplatesPage } from './templates.js';
import { TranscodePage } from './transcode.js';

const isoDay = (now: number, offsetDays: number) => new Date(now + offsetDays * 86_400_000).toISOString().slice(0, 10);

function content(id: AdminPageId, now: number) {
  const range = { from: isoDay(now, -13), to: isoDay(now, 0) };
  switch (id) {
    case 'dashboards':
      return <DashboardsPage {...range} />;
    case 'experiments':
      return <ExperimentsPage {...range} />;
    case 'schedule':
      return <SchedulePage today={range.to} />;
    case 'templates':
      return <TemplatesPage />;
    case 'broadcaster':
      return <BroadcasterPage />;
    case 'campaigns':
      return <CampaignsPage />;
    case 'transcode':
      return <TranscodePage />;
  }
}

/** The full HTML document of one admin page, or null for an unknown page id. */
export async function renderAdminPage(id: string, now = Date.now()): Promise<string | null> {
  const page = adminPage(id);
  if (!page) return null;
  const doc = (
    <Layout page={page.id} title={page.title}>
      {content(page.id, now)}
    </Layout>
  );
  return `<!doctype html>${await doc.toString()}`;
}
