import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { CreatedApiKey } from '@vidplat/contracts';
import { analyticsDemoRows, insertAnalyticsRows } from '@vidplat/devstack/demo/analytics';
import type {} from '@vidplat/devstack/vitest-global-setup';

/**
 * The admin page end to end: real `wrangler dev` serving the page and the admin APIs, real
 * ClickHouse with seeded rows, real headless Chromium (Debian package) clicking through every page.
 */
const { env, urls } = inject('stack');
const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = resolve('test-artifacts');
const tenant = `adminpage-${Date.now().toString(36)}`;
let superKey = '';
let rows = 0;
let users = 0;
let context: BrowserContext;
let page: Page;
let userDataDir = '';
const pageErrors: string[] = [];

function ensureChromium(): void {
  if (existsSync(CHROMIUM)) return;
  // The test installs what it needs (Debian's chromium; also listed in scripts/setup.sh).
  execFileSync('apt-get', ['install', '-y', 'chromium'], { stdio: 'inherit', timeout: 600_000 });
}

async function api(path: string, init: { method?: string; body?: unknown } = {}) {
  const res = await fetch(`${urls.edge}${path}`, {
    method: init.method ?? 'GET',
    headers: { authorization: `Bearer ${superKey}`, 'content-type': 'application/json' },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  return { status: res.status, body: (await res.json().catch(() => null)) as { error?: { message?: string } } | null };
}

beforeAll(async () => {
  ensureChromium();
  const res = await fetch(`${urls.edge}/v1/platform/tenants`, {
    method: 'POST',
    headers: { authorization: `Bearer ${env.ADMIN_API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ tenantId: tenant, name: 'Admin page test', permissions: ['act_as_user'] }),
  });
  expect(res.status).toBe(201);
  superKey = CreatedApiKey.parse(await res.json()).apiKey;
  const data = analyticsDemoRows({ tenantId: tenant, days: 14, users: 300, seed: 5 });
  rows = data.length;
  users = new Set(data.map((r) => r.user_id)).size;
  await insertAnalyticsRows(env, data);

  mkdirSync(ARTIFACTS, { recursive: true });
  userDataDir = mkdtempSync(join(tmpdir(), 'vidplat-chromium-'));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 1000 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (e) => pageErrors.push(e.message));
  // The pages run under a strict CSP (no inline script or style); a violation is a page bug.
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) pageErrors.push(m.text());
  });
  page.setDefaultTimeout(30_000);
});

afterAll(async () => {
  await context?.close();
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
});

/**
 * What a Chart.js canvas shows: the points and series the page gave it (data-points /
 * data-series) and how many of its pixels are painted in `rgb` (a series colour; axes and grid
 * are grey), so an empty or undrawn chart fails.
 */
async function chart(id: string, rgb: [number, number, number] = [37, 99, 235]) {
  await page.waitForSelector(`canvas#${id}[data-points]`);
  return page.evaluate(
    ([canvasId, [r, g, b]]) => {
      // Runs in the page; the test project has no DOM lib, so the canvas is typed structurally.
      interface Canvas {
        width: number;
        height: number;
        dataset: Record<string, string | undefined>;
        getContext(kind: '2d'): { getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> } };
      }
      const c = (globalThis as unknown as { document: { getElementById(id: string): Canvas } }).document.getElementById(canvasId);
      const px = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
      let painted = 0;
      for (let i = 0; i < px.length; i += 4) if (px[i + 3]! > 40 && Math.abs(px[i]! - r) < 12 && Math.abs(px[i + 1]! - g) < 12 && Math.abs(px[i + 2]! - b) < 12) painted++;
      return { points: Number(c.dataset.points), series: c.dataset.series, painted, width: c.width, height: c.height };
    },
    [id, rgb] as const,
  );
}

async function shot(name: string): Promise<string> {
  const file = join(ARTIFACTS, `admin-${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  console.log(`[admin-page] screenshot ${file}`);
  return file;
}

describe('admin page in headless Chromium', () => {
  it('asks for a key, then shows dashboards with charts from ClickHouse', async () => {
    await page.goto(`${urls.edge}/admin`);
    await expect(page.locator('#need-key').textContent()).resolves.toContain('API key');
    await page.fill('#api-key', superKey);
    await page.click('#use-key');
    await page.waitForSelector('#kpis[data-ready] .kpi');
    // Every section loads on its own; wait until all have rendered.
    for (const id of ['trends', 'ctr', 'items', 'behaviour', 'videos', 'heatmap-section', 'hot-courses']) await page.waitForSelector(`#${id}[data-ready]`);
    const events = await page.locator('.kpi[data-kpi="Events"] .v').textContent();
    expect(Number(events!.replace(/,/g, ''))).toBe(rows);
    // Charts are Chart.js canvases: each holds the API's points and has drawn them.
    const trend = await chart('trend-chart');
    expect(trend.series).toBe('events,active_users,plays,completions');
    expect(trend.points).toBe(4 * 14);
    expect(trend.painted).toBeGreaterThan(100);
    expect(trend.width).toBeGreaterThan(200);
    const ctr = await chart('ctr-chart');
    expect([ctr.series, ctr.points]).toEqual(['ctr', 14]);
    expect(ctr.painted).toBeGreaterThan(50);
    const items = await chart('items-chart');
    expect(items.points).toBe(10);
    expect(items.painted).toBeGreaterThan(500);
    const heat = await chart('heatmap');
    expect(heat.points).toBe(168);
    expect(heat.painted).toBeGreaterThan(1000);
    expect(await page.locator('#suggestions li').count()).toBe(3);
    const funnel = await chart('funnel-chart');
    expect(funnel.points).toBeGreaterThan(1);
    expect(funnel.painted).toBeGreaterThan(100);
    const video = await chart('video-chart');
    expect(video.series).toBe('plays,uniqueViewers,completions');
    expect(video.painted).toBeGreaterThan(50);
    await expect(page.locator('#video-summary').textContent()).resolves.toMatch(/\d+ plays · \d+ unique viewers/);
    await page.waitForSelector('#courses-table tbody tr');
    // Export from the page: a real download of the streamed CSV.
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#export-profiles-csv')]);
    expect(download.suggestedFilename()).toMatch(new RegExp(`^${tenant}-profiles-.*\\.csv$`));
    const file = join(ARTIFACTS, 'profiles.csv');
    await download.saveAs(file);
    expect(readFileSync(file, 'utf8').trim().split('\n')[0]).toMatch(/^"user_id",/);
    await expect.poll(() => page.locator('#export-status').textContent()).toContain('exported');
    console.log(`[admin-page] dashboards screenshot: ${await shot('dashboards')}`);
  });

  it('changing the date range re-queries (an empty past range shows zeros)', async () => {
    await page.fill('#from', '2020-01-01');
    await page.fill('#to', '2020-01-31');
    await page.click('#apply-range');
    await page.waitForSelector('#kpis[data-ready] .kpi');
    expect(await page.locator('.kpi[data-kpi="Events"] .v').textContent()).toBe('0');
    // A range over the configured maximum comes back as a 400 that the page shows with its field.
    await page.fill('#from', '2020-01-01');
    await page.fill('#to', '2026-01-31');
    await page.click('#apply-range');
    await page.waitForSelector('#kpis[data-ready] .error');
    expect(await page.locator('#kpis .error').textContent()).toContain('field to');
    await page.fill('#from', new Date(Date.now() - 13 * 86_400_000).toISOString().slice(0, 10));
    await page.fill('#to', new Date().toISOString().slice(0, 10));
    await page.click('#apply-range');
    await page.waitForSelector('#kpis[data-ready] .kpi');
  });

  it('every page is reachable from the navigation, server-rendered with its own heading', async () => {
    const pages = [
      ['experiments', 'Experiments'],
      ['schedule', 'Schedule'],
      ['broadcaster', 'Broadcaster'],
      ['campaigns', 'Campaigns'],
      ['transcode', 'Transcode jobs'],
      ['dashboards', 'Dashboards'],
    ] as const;
    for (const [id, title] of pages) {
      await Promise.all([page.waitForURL(id === 'dashboards' ? /\/admin$/ : new RegExp(`/admin/${id}$`)), page.click(`nav a[data-page="${id}"]`)]);
      expect(await page.getAttribute('body', 'data-page')).toBe(id);
      expect(await page.locator('#page > h2').textContent()).toBe(title);
      expect(await page.getAttribute(`nav a[data-page="${id}"]`, 'class')).toBe('active');
      // The key carries over (sessionStorage of this tab): the page is shown, not the key prompt.
      expect(await page.isVisible('#page')).toBe(true);
      expect(await page.isHidden('#need-key')).toBe(true);
    }
    // Links of the former single-page admin land on their page.
    await page.goto(`${urls.edge}/admin#campaigns`);
    await page.waitForURL(/\/admin\/campaigns$/);
    // The range applied on one analytics page is the range of the next.
    await page.goto(`${urls.edge}/admin/experiments`);
    await page.fill('#from', '2020-02-01');
    await page.fill('#to', '2020-02-10');
    await page.click('#apply-range');
    await page.click('nav a[data-page="dashboards"]');
    await page.waitForSelector('#kpis[data-ready] .kpi');
    expect(await page.inputValue('#from')).toBe('2020-02-01');
    expect(await page.locator('.kpi[data-kpi="Events"] .v').textContent()).toBe('0');
    await page.fill('#from', new Date(Date.now() - 13 * 86_400_000).toISOString().slice(0, 10));
    await page.fill('#to', new Date().toISOString().slice(0, 10));
    await page.click('#apply-range');
    await page.waitForSelector('#kpis[data-ready] .kpi');
  });

  it('experiment results show intervals and a verdict', async () => {
    await page.click('nav a[data-page="experiments"]');
    await page.waitForSelector('#verdict');
    expect(await page.locator('#experiment-select option').count()).toBeGreaterThanOrEqual(1);
    expect(await page.getAttribute('#verdict', 'data-decision')).toBe('ship');
    expect(await page.locator('#verdict strong').textContent()).toBe('Ship: b');
    await expect(page.locator('#srm').textContent()).resolves.toContain('ok');
    // Forest plot of the primary metric: b's interval and point, drawn green (better).
    const forest = await chart('forest-click_rate', [22, 163, 74]);
    expect(forest.series).toBe('95% interval,difference');
    expect(forest.points).toBe(2);
    expect(forest.painted).toBeGreaterThan(30);
    expect(await page.locator('.metric').count()).toBe(4); // primary, 2 secondary, 1 guardrail
    await expect(page.locator('#allocation').textContent()).resolves.toContain('P(best)');
    // The calculator reproduces R's power.prop.test(p1 = .50, p2 = .75, power = .90): n = 76.7.
    await page.fill('#ss-baseline', '1.5');
    await page.click('#ss-go');
    await expect.poll(() => page.locator('#sample-size-result').textContent()).toContain('field baseline');
    await page.fill('#ss-baseline', '0.5');
    await page.fill('#ss-mde', '0.5');
    await page.fill('#ss-power', '0.9');
    await page.click('#ss-go');
    await expect.poll(() => page.locator('#sample-size-result').textContent()).toContain('77 per variant, 154 in total');
    console.log(`[admin-page] experiments screenshot: ${await shot('experiments')}`);
  });

  it('schedule page: calendar views, list filters and a batch cancel', async () => {
    const at = (days: number) => new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10) + 'T10:00:00.000Z';
    const ids: string[] = [];
    for (const [i, title] of ['Winter banner', 'Launch announcement'].entries()) {
      // A schedule points at existing content: the banner / announcement first (drafts).
      await api(i ? '/v1/admin/content/announcements' : '/v1/admin/content/banners', {
        method: 'POST',
        body: i ? { id: `promo-${i}`, title, body: 'text' } : { id: `promo-${i}`, placement: 'home', imageUrl: 'https://img.test/w.png', linkUrl: 'https://app.test/', title },
      });
      const r = await api('/v1/admin/scheduling/schedules', { method: 'POST', body: { contentKind: i ? 'announcement' : 'banner', contentId: `promo-${i}`, scheduledAt: at(1 + i), title } });
      if (r.status === 404) break; // scheduling not deployed: the page must say so
      expect(r.status).toBe(201);
      ids.push((r.body as unknown as { id: string }).id);
    }
    await page.goto(`${urls.edge}/admin/schedule`);
    await page.waitForSelector('#schedule-stats[data-ready]');
    await page.waitForSelector('#calendar[data-ready]');
    await page.waitForSelector('#schedule-list[data-ready]');
    if (!ids.length) {
      expect(await page.locator('#schedule-stats .na').count()).toBe(1);
      return;
    }
    expect(await page.locator('#schedule-stats .kpi[data-kpi="pending"] .v').textContent()).toBe('2');
    expect(await page.locator('#schedule-stats .kpi[data-kpi="published today"] .v').textContent()).toBe('0');
    // Browse to the day of the first schedule; each view has its grid and shows the entry in its slot.
    const day = at(1).slice(0, 10);
    await page.fill('#cal-date', day);
    const slots: Record<string, [number, string]> = { week: [7, day], day: [24, `${day}T10`], month: [0, day] };
    for (const [view, [cells, key]] of Object.entries(slots)) {
      await page.selectOption('#cal-view', view);
      await page.click('#cal-apply');
      await page.waitForSelector(`#calendar[data-ready] [data-view="${view}"]`);
      const n = await page.locator('#calendar .cell').count();
      if (cells) expect(n).toBe(cells);
      else expect([28, 35, 42]).toContain(n);
      await expect(page.locator(`#calendar .cell[data-key="${key}"]`).textContent()).resolves.toContain('Winter banner');
    }
    expect(await page.locator('#schedules-table tbody tr').count()).toBe(2);
    await page.locator('#schedules-table tbody tr').filter({ hasText: 'Winter banner' }).locator('input[type=checkbox]').check();
    await page.click('#batch-cancel');
    await expect.poll(() => page.locator('#batch-result').textContent(), { timeout: 20_000 }).toBe('Cancelled 1 of 1.');
    await expect.poll(() => page.locator('#schedule-stats .kpi[data-kpi="cancelled"] .v').textContent(), { timeout: 20_000 }).toBe('1');
    expect(await page.locator('#schedule-stats .kpi[data-kpi="pending"] .v').textContent()).toBe('1');
    await page.selectOption('#filter-status', 'cancelled');
    await page.click('#cal-apply');
    await expect.poll(() => page.locator('#schedules-table tbody tr').count(), { timeout: 20_000 }).toBe(1);
    await expect(page.locator('#schedules-table').textContent()).resolves.toContain('Winter banner');
    await shot('schedule');
  });

  it('schedule create form: a bad value is shown at its field; a good one creates the schedule', async () => {
    await page.goto(`${urls.edge}/admin/schedule`);
    await page.waitForSelector('#schedule-list[data-ready]');
    const local = new Date(Date.now() + 3 * 86_400_000);
    local.setSeconds(0, 0);
    const at = `${local.getFullYear()}-${String(local.getMonth() + 1).padStart(2, '0')}-${String(local.getDate()).padStart(2, '0')}T09:30`;
    await page.fill('#sc-title', 'Spring trailer');
    await page.selectOption('#sc-contentKind', 'video');
    await page.fill('#sc-contentId', 'trailer-7');
    await page.fill('#sc-scheduledAt', at);
    await page.fill('#sc-priority', '500'); // over the contract's 0-100
    await page.click('#sc-create');
    await page.waitForSelector('.field.invalid[data-field="priority"]');
    expect(await page.locator('[data-error-for="priority"]').textContent()).toMatch(/100/);
    expect(await page.getAttribute('#sc-priority', 'aria-invalid')).toBe('true');
    expect(await page.locator('.field.invalid').count()).toBe(1);
    expect(await page.locator('#sc-result').textContent()).toBe('Not created: see priority above.');
    // A check only the server can make (the video is not in the catalogue) lands at its field too.
    await page.fill('#sc-priority', '60');
    await page.click('#sc-create');
    await page.waitForSelector('.field.invalid[data-field="contentId"]');
    expect(await page.locator('[data-error-for="contentId"]').textContent()).toContain('unknown video trailer-7');
    expect(await page.locator('.field.invalid').count()).toBe(1); // the priority mark is gone
    expect(await page.locator('[data-error-for="priority"]').textContent()).toBe('');
    // Fixed (a banner of that id exists): created, and the list shows it.
    expect((await api('/v1/admin/content/banners', { method: 'POST', body: { id: 'trailer-7', placement: 'home', imageUrl: 'https://img.test/t.png', linkUrl: 'https://app.test/', title: 'Spring trailer' } })).status).toBe(201);
    await page.selectOption('#sc-contentKind', 'banner');
    await page.click('#sc-create');
    await expect.poll(() => page.locator('#sc-result').textContent(), { timeout: 20_000 }).toContain('Created “Spring trailer”');
    expect(await page.locator('.field.invalid').count()).toBe(0);
    await page.selectOption('#filter-status', '');
    await page.click('#cal-apply');
    await expect.poll(() => page.locator('#schedules-table').textContent(), { timeout: 20_000 }).toContain('Spring trailer');
    const listed = await api('/v1/admin/scheduling/schedules?contentId=trailer-7');
    const item = (listed.body as unknown as { items: { priority: number; scheduledAt: string }[] }).items[0]!;
    expect(item.priority).toBe(60);
    expect(new Date(item.scheduledAt).getTime()).toBe(new Date(at).getTime()); // the browser's local time, sent as an instant
    await shot('schedule-form');
  });

  it('broadcaster page shows live status and runs start / stop / trigger on tasks', async () => {
    // Tasks need a webhook secret configured in the Worker (BROADCAST_WEBHOOK_SECRETS); without it
    // the API refuses them and the page must show its empty state.
    const created = await api('/v1/admin/broadcaster/tasks', {
      method: 'POST',
      body: { taskId: 'stats-1', targetUrl: 'http://127.0.0.1:9/hook', secretRef: 'demo', siteName: 'Demo', active: false },
    });
    await page.goto(`${urls.edge}/admin/broadcaster`);
    await page.waitForSelector('#remote[data-ready]');
    await page.waitForSelector('#broadcast-log[data-ready]');
    const status = await api('/v1/admin/broadcaster');
    expect(status.status).toBe(200);
    await expect(page.locator('#broadcaster-status').textContent()).resolves.toMatch(/^(Running|Stopped)/);
    if (created.status !== 201) {
      expect(created.status).toBe(400);
      expect(await page.locator('#remote p.muted').textContent()).toBe('No broadcast tasks.');
    } else {
      await page.click('#broadcaster-tasks button[data-action="start"][data-id="stats-1"]');
      await expect.poll(() => page.locator('[data-task-state="stats-1"]').textContent(), { timeout: 20_000 }).toBe('active');
      await page.click('#broadcaster-tasks button[data-action="trigger"][data-id="stats-1"]');
      await expect.poll(() => page.locator('#broadcast-log-table tbody tr').count(), { timeout: 20_000 }).toBeGreaterThan(0);
      await page.click('#broadcaster-tasks button[data-action="stop"][data-id="stats-1"]');
      await expect.poll(() => page.locator('[data-task-state="stats-1"]').textContent(), { timeout: 20_000 }).toBe('stopped');
    }
    await shot('broadcaster');
  });

  it('campaigns page shows status and progress, and cancels a campaign', async () => {
    const created = await api('/v1/admin/campaigns', { method: 'POST', body: { name: 'Winter sale', message: { title: 'Winter sale', body: '20% off all courses' }, audience: { userIds: ['user-1', 'user-2'] } } });
    expect(created.status).toBe(201);
    await page.goto(`${urls.edge}/admin/campaigns`);
    await page.waitForSelector('#campaigns-table');
    expect(await page.locator('[data-campaign-status="Winter sale"]').textContent()).toBe('draft');
    await page.locator('#campaigns-table tbody tr').filter({ hasText: 'Winter sale' }).locator('button[data-action="cancel"]').click();
    await expect.poll(() => page.locator('[data-campaign-status="Winter sale"]').textContent(), { timeout: 20_000 }).toBe('cancelled');
    expect(await page.locator('#campaign-result').textContent()).toBe('cancel: done');
    await shot('campaigns');
  });

  it('transcode page shows jobs from the media API, or a clear "not available" state', async () => {
    const r = await api('/v1/admin/media/jobs');
    await page.goto(`${urls.edge}/admin/transcode`);
    await page.waitForSelector('#remote[data-ready]');
    if (r.status === 404 && /^no route/.test(r.body?.error?.message ?? '')) {
      expect(await page.locator('#remote [data-state="not-available"]').textContent()).toContain('not available');
    } else {
      expect(r.status).toBe(200);
      expect(await page.locator('#remote table, #remote p.muted').count()).toBeGreaterThan(0);
    }
    await shot('transcode');
  });

  it('the admin API streams exports of interactions, items and profiles as NDJSON or CSV', async () => {
    const range = `from=${new Date(Date.now() - 13 * 86_400_000).toISOString().slice(0, 10)}&to=${new Date().toISOString().slice(0, 10)}`;
    const get = (path: string) => fetch(`${urls.edge}${path}`, { headers: { authorization: `Bearer ${superKey}` } });
    const nd = await get(`/v1/admin/analytics/export/interactions?${range}&format=ndjson`);
    expect(nd.status).toBe(200);
    expect(nd.headers.get('content-type')).toBe('application/x-ndjson');
    expect(nd.headers.get('content-disposition')).toContain(`${tenant}-interactions-`);
    const lines = (await nd.text()).trim().split('\n');
    expect(lines).toHaveLength(rows);
    expect(JSON.parse(lines[0]!)).toHaveProperty('event_id');
    const csv = await get(`/v1/admin/analytics/export/profiles?${range}&format=csv`);
    expect(csv.headers.get('content-type')).toContain('text/csv');
    const profileLines = (await csv.text()).trim().split('\n');
    expect(profileLines[0]).toMatch(/^"user_id","events",/);
    expect(profileLines).toHaveLength(1 + users);
    const items = await get(`/v1/admin/analytics/export/items?${range}&format=csv`);
    expect(items.status).toBe(200);
  });

  it('raised no script errors or CSP violations on any page', () => {
    expect(pageErrors).toEqual([]);
  });
});
