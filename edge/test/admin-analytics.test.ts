import { env, SELF } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { ErrorBody } from '@vidplat/contracts';
import { app } from '../src/app.js';
import { createKey, json, provisionTenant } from './helpers.js';

/** The admin page and the analytics admin API in workerd: auth, validation, failure mapping. */
let superKey = '';
let adminKey = '';
beforeAll(async () => {
  superKey = (await provisionTenant('analytics-admin')).apiKey;
  adminKey = (await createKey(superKey, 'admin', 'alice')).apiKey;
});

const get = (path: string, key = adminKey) => SELF.fetch(`https://edge.test${path}`, json('GET', key));
const errorOf = async (res: Response) => ErrorBody.parse(await res.json()).error;

describe('admin page', () => {
  it('serves the HTML shell, script and stylesheet with a strict CSP', async () => {
    const page = await SELF.fetch('https://edge.test/admin');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'");
    const html = await page.text();
    expect(html.startsWith('<!doctype html>')).toBe(true);
    expect(html).toContain('<script src="/admin/assets/app.js">');
    expect(html).not.toMatch(/<script>|<style>| style=| on[a-z]+=/); // nothing inline the CSP would block
    for (const nav of ['/admin', '/admin/experiments', '/admin/schedule', '/admin/broadcaster', '/admin/campaigns', '/admin/transcode']) expect(html).toContain(`href="${nav}"`);
    const js = await SELF.fetch('https://edge.test/admin/assets/app.js');
    expect(js.headers.get('content-type')).toContain('javascript');
    expect(await js.text()).toContain('/v1/admin/analytics/');
    const css = await SELF.fetch('https://edge.test/admin/assets/admin.css');
    expect(css.headers.get('content-type')).toContain('text/css');
    expect(await css.text()).toContain('.chart-box');
  });

  it.each([
    ['dashboards', '/admin', ['id="kpis"', 'id="export-profiles-csv"', 'id="range-form"']],
    ['experiments', '/admin/experiments', ['id="experiment-report"', 'id="ss-form"']],
    ['schedule', '/admin/schedule', ['id="calendar"', '<option value="paused">paused</option>', 'id="schedule-create"', 'data-error-for="contentId"']],
    ['broadcaster', '/admin/broadcaster', ['id="broadcast-log"']],
    ['campaigns', '/admin/campaigns', ['id="campaign-result"']],
    ['transcode', '/admin/transcode', ['id="remote"']],
  ])('renders the %s page on the server with its sections and its nav link active', async (id, path, parts) => {
    const res = await SELF.fetch(`https://edge.test${path}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await res.text();
    expect(html).toContain(`<body data-page="${id}">`);
    expect(html).toContain(`<a href="${path}" data-page="${id}" class="active" aria-current="page">`);
    for (const part of parts) expect(html).toContain(part);
  });

  it('answers 404 for an unknown page and redirects the old paths', async () => {
    const res = await SELF.fetch('https://edge.test/admin/nope');
    expect(res.status).toBe(404);
    expect((await errorOf(res)).code).toBe('not_found');
    for (const path of ['/admin/', '/admin/dashboards']) {
      const r = await SELF.fetch(`https://edge.test${path}`, { redirect: 'manual' });
      expect(r.status).toBe(301);
      expect(r.headers.get('location')).toBe('/admin');
    }
  });
});

describe('analytics admin API', () => {
  it('needs an admin, senior or super key', async () => {
    expect((await SELF.fetch('https://edge.test/v1/admin/analytics/overview?from=2026-11-01&to=2026-11-02')).status).toBe(401);
    const tenantKey = (await createKey(superKey, 'tenant')).apiKey;
    const res = await get('/v1/admin/analytics/overview?from=2026-11-01&to=2026-11-02', tenantKey);
    expect(res.status).toBe(403);
    expect((await errorOf(res)).code).toBe('forbidden');
  });

  it.each([
    ['/v1/admin/analytics/trends?from=2026-11-01&to=2026-11-02&metrics=events,happiness', 'metrics.1'],
    ['/v1/admin/analytics/items?from=2026-11-01&to=2026-11-02&metric=views', 'metric'],
    ['/v1/admin/analytics/experiments/feed?from=2026-11-01&to=2026-11-02&primary=vibes', 'primary'],
    ['/v1/admin/analytics/experiments/feed?from=2026-11-01&to=2026-11-02&guardrail=click_rate,nope', 'guardrail.1'],
    ['/v1/admin/analytics/overview?from=2026-11-31&to=2026-12-02', 'from'],
    ['/v1/admin/analytics/overview?from=yesterday&to=2026-12-02', 'from'],
    ['/v1/admin/analytics/overview?from=2026-11-01', 'to'],
    ['/v1/admin/analytics/overview?from=2026-11-05&to=2026-11-01', 'to'],
    ['/v1/admin/analytics/overview?from=2024-01-01&to=2026-11-01', 'to'],
    ['/v1/admin/analytics/heatmap?from=2026-11-01&to=2026-11-02&timeZone=Nowhere/Land', 'timeZone'],
    ['/v1/admin/analytics/items?from=2026-11-01&to=2026-11-02&limit=100000', 'limit'],
    ['/v1/admin/analytics/schedules?timeZone=Mars/Base', 'timeZone'],
    ['/v1/admin/analytics/export/passwords?from=2026-11-01&to=2026-11-02', 'dataset'],
    ['/v1/admin/analytics/export/items?from=2026-11-01&to=2026-11-02&format=xml', 'format'],
    ['/v1/admin/analytics/export/interactions?from=2020-01-01&to=2026-11-02', 'to'],
    ['/v1/admin/analytics/sample-size?baseline=1.5&mde=0.1', 'baseline'],
    ['/v1/admin/analytics/sample-size?kind=mean&baseline=60&mde=0.1', 'sd'],
    ['/v1/admin/analytics/sample-size?baseline=0.1&mde=abc', 'mde'],
  ])('rejects %s with 400 invalid_query and field %s', async (path, field) => {
    const res = await get(path);
    expect(res.status).toBe(400);
    expect(await errorOf(res)).toMatchObject({ code: 'invalid_query', field });
  });

  it('rejects SQL-looking input before it could reach a query', async () => {
    const evil = encodeURIComponent("2026-11-01' OR '1'='1");
    expect(await errorOf(await get(`/v1/admin/analytics/overview?from=${evil}&to=2026-11-02`))).toMatchObject({ field: 'from' });
    const item = encodeURIComponent("v1' UNION SELECT * FROM system.users --");
    expect(await errorOf(await get(`/v1/admin/analytics/videos?from=2026-11-01&to=2026-11-02&itemId=${item}`))).toMatchObject({ field: 'itemId' });
    const id = encodeURIComponent("x'; DROP TABLE events_raw; --");
    const res = await get(`/v1/admin/analytics/experiments/${id}?from=2026-11-01&to=2026-11-02`);
    expect(res.status).toBe(400);
    expect(await errorOf(res)).toMatchObject({ code: 'invalid_field', field: 'id' });
  });

  it('answers 503 with Retry-After when ClickHouse is unreachable', async () => {
    const res = await app.request(
      'https://edge.test/v1/admin/analytics/overview?from=2026-11-01&to=2026-11-02',
      json('GET', adminKey),
      { ...env, CLICKHOUSE_URL: 'http://127.0.0.1:9', ANALYTICS_QUERY_TIMEOUT_MS: '500' },
    );
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('5');
    expect((await errorOf(res)).code).toBe('upstream_unavailable');
  });

  it('sample-size calculator: R power.prop.test(p1 = .50, p2 = .75, power = .90) needs n = 76.7 per group', async () => {
    const res = await get('/v1/admin/analytics/sample-size?baseline=0.5&mde=0.5&power=0.9&variants=3');
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({ perVariant: 77, total: 231 });
  });

  it('applies the configured maximum range', async () => {
    const res = await app.request('https://edge.test/v1/admin/analytics/overview?from=2026-11-01&to=2026-11-08', json('GET', adminKey), { ...env, ANALYTICS_MAX_RANGE_DAYS: '7' });
    expect(res.status).toBe(400);
    expect((await errorOf(res)).message).toContain('maximum of 7');
  });
});
