import type { ExportDataset } from '@vidplat/contracts';
import { apiKey, edge, typed } from '../api.js';
import { barChart, heatmapChart, lineChart } from '../charts.js';
import { browserTimeZone, fmt, pct } from '../format.js';
import type { PageModule } from '../page.js';
import { currentRange, mountRangeForm, rangeQuery } from '../range.js';
import { ChartBox, Kpis, Muted, Problem, Table, byId, fill, loading } from '../ui.js';

const A = '/v1/admin/analytics/';
const TREND_SERIES = ['events', 'active_users', 'plays', 'completions'] as const;

async function overview() {
  const r = await typed(edge.GET('/v1/admin/analytics/overview', { params: { query: currentRange() } }));
  if (!r.ok) return fill('kpis', <Problem result={r} what="Overview" />);
  const o = r.body;
  const cards = [
    ['Events', fmt(o.events)],
    ['Active users', fmt(o.activeUsers)],
    ['Impressions', fmt(o.impressions)],
    ['CTR', pct(o.ctr, 2)],
    ['Plays', fmt(o.plays)],
    ['Completion rate', pct(o.completionRate)],
    ['Watch hours', fmt(o.watchHours, 1)],
    ['Revenue', `$${fmt(o.revenueCents / 100, 2)}`],
    ['Enrolments', fmt(o.enrolments)],
    ['Course completions', fmt(o.courseCompletions)],
  ] as const;
  fill('kpis', <Kpis cards={cards} />);
}

async function trends() {
  const r = await typed(edge.GET('/v1/admin/analytics/trends', { params: { query: { ...currentRange(), metrics: [...TREND_SERIES, 'ctr'].join(',') } } }));
  if (!r.ok) {
    fill('trends', <Problem result={r} what="Trends" />);
    return fill('ctr', <Problem result={r} what="Trends" />);
  }
  fill('trends', <ChartBox id="trend-chart" label="Daily events, active users, plays and completions" />);
  lineChart('trend-chart', r.body.points, TREND_SERIES);
  fill('ctr', <ChartBox id="ctr-chart" size="short" label="Daily click-through rate" />);
  lineChart('ctr-chart', r.body.points, ['ctr']);
}

async function items() {
  const r = await typed(edge.GET('/v1/admin/analytics/items', { params: { query: { ...currentRange(), metric: 'plays', limit: 10 } } }));
  if (!r.ok) return fill('items', <Problem result={r} what="Items" />);
  fill(
    'items',
    <>
      <ChartBox id="items-chart" label="Plays of the top items" />
      <Muted>{`${r.body.totalItems} items played; Gini ${fmt(r.body.giniCoefficient, 2)} (0 = even, 1 = one item takes all)`}</Muted>
    </>,
  );
  barChart('items-chart', r.body.items, (i) => i.itemId, (i) => i.value, 'plays');
}

async function behaviour() {
  const r = await typed(edge.GET('/v1/admin/analytics/behaviour', { params: { query: currentRange() } }));
  if (!r.ok) return fill('behaviour', <Problem result={r} what="Behaviour" />);
  const b = r.body;
  fill(
    'behaviour',
    <>
      <ChartBox id="funnel-chart" size="short" label="Funnel: users per step" />
      <Table
        id="by-type"
        rows={b.byType}
        columns={[
          ['Event type', (t) => t.type],
          ['Events', (t) => fmt(t.events)],
          ['Users', (t) => fmt(t.users)],
        ]}
      />
      <Muted>{`Events per user: mean ${fmt(b.eventsPerUser.mean, 1)}, p50 ${b.eventsPerUser.p50}, p90 ${b.eventsPerUser.p90}, p99 ${b.eventsPerUser.p99}`}</Muted>
    </>,
  );
  barChart('funnel-chart', b.funnel, (f) => `${f.step} ${pct(f.rateFromPrevious, 0)}`, (f) => f.users, 'users');
}

async function videos() {
  const r = await typed(edge.GET('/v1/admin/analytics/videos', { params: { query: currentRange() } }));
  if (!r.ok) return fill('videos', <Problem result={r} what="Videos" />);
  const v = r.body;
  fill(
    'videos',
    <>
      <p id="video-summary">{`${fmt(v.plays)} plays · ${fmt(v.uniqueViewers)} unique viewers · ${fmt(v.completions)} completions · average completion ${pct(v.avgCompletion)}`}</p>
      <p id="video-reached">{`Viewers reaching 25 % ${fmt(v.reached.p25)} · 50 % ${fmt(v.reached.p50)} · 75 % ${fmt(v.reached.p75)} · the end ${fmt(v.reached.p100)}`}</p>
      <ChartBox id="video-chart" label="Daily plays, unique viewers and completions" />
      <Table
        id="top-videos"
        rows={v.topVideos.slice(0, 8)}
        columns={[
          ['Video', (x) => x.itemId],
          ['Plays', (x) => fmt(x.plays)],
          ['Viewers', (x) => fmt(x.uniqueViewers)],
          ['Avg completion', (x) => pct(x.avgCompletion)],
        ]}
      />
    </>,
  );
  lineChart('video-chart', v.byDay, ['plays', 'uniqueViewers', 'completions']);
}

async function heatmap() {
  const r = await typed(edge.GET('/v1/admin/analytics/heatmap', { params: { query: { ...currentRange(), timeZone: browserTimeZone() } } }));
  if (!r.ok) return fill('heatmap-section', <Problem result={r} what="Heatmap" />);
  fill(
    'heatmap-section',
    <>
      <ChartBox id="heatmap" label="Active users by weekday and hour" />
      <ol id="suggestions">
        {r.body.suggestions.map((s) => (
          <li>{s.reason}</li>
        ))}
      </ol>
    </>,
  );
  heatmapChart('heatmap', r.body.cells);
}

async function courses() {
  const r = await typed(edge.GET('/v1/admin/analytics/courses/hot', { params: { query: { ...currentRange(), limit: 8 } } }));
  if (!r.ok) return fill('hot-courses', <Problem result={r} what="Hot courses" />);
  fill(
    'hot-courses',
    r.body.courses.length ? (
      <Table
        id="courses-table"
        rows={r.body.courses}
        columns={[
          ['Course', (c) => c.courseId],
          ['Enrolments', (c) => fmt(c.enrolments)],
          ['Paid', (c) => fmt(c.paid)],
          ['Completed', (c) => fmt(c.completions)],
          ['Score', (c) => fmt(c.score, 2)],
        ]}
      />
    ) : (
      <Muted>No enrolments in this range.</Muted>
    ),
  );
}

/** Export: the API needs the Bearer key, so download through fetch and a blob URL. */
async function exportDataset(dataset: ExportDataset, format: string) {
  const status = byId('export-status');
  status.textContent = `exporting ${dataset}…`;
  const r = await fetch(`${A}export/${dataset}?${rangeQuery({ format })}`, { headers: { authorization: `Bearer ${apiKey.get()}` } });
  if (!r.ok) {
    const b = (await r.json().catch(() => null)) as { error?: { message?: string } } | null;
    status.textContent = `export failed: ${b?.error?.message ?? r.status}`;
    return;
  }
  const name = /filename="([^"]+)"/.exec(r.headers.get('content-disposition') ?? '')?.[1] ?? `${dataset}.${format}`;
  const a = document.createElement('a');
  a.href = URL.createObjectURL(await r.blob());
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  status.textContent = `exported ${name}`;
}

function load() {
  loading('kpis', 'trends', 'ctr', 'items', 'behaviour', 'videos', 'heatmap-section', 'hot-courses');
  void overview();
  void trends();
  void items();
  void behaviour();
  void videos();
  void heatmap();
  void courses();
}

export const dashboards: PageModule = {
  mount() {
    mountRangeForm(load);
    for (const b of document.querySelectorAll<HTMLButtonElement>('#exports button[data-dataset]')) {
      b.addEventListener('click', () => void exportDataset(b.dataset.dataset as ExportDataset, b.dataset.format ?? 'csv'));
    }
  },
  load,
};
