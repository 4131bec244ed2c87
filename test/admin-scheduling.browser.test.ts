import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import type { ScheduleTemplate } from '@vidplat/contracts';
// @ts-expect-error plain JS helper shared with the alarm benchmark
import { prepareEdge, REPO_ROOT, startEdge } from '../edge/src/scheduling/testing/wrangler-dev.mjs';

/**
 * The admin Templates and Schedule pages (issue 19 point 6) in headless Chromium against `wrangler dev`: create
 * a template and edit it, edit a pending schedule (errors at the field), the Schedule charts. Needs only the
 * Worker (its own instance; the page reads the Scheduler, nothing of the platform stack).
 */
const CHROMIUM = '/usr/bin/chromium';
const PLATFORM_KEY = 'vp_platform_tpl-page-key-0123456789';
const RUN = join(REPO_ROOT, '.run', 'test', `admin-scheduling-${process.pid}`);
let edge: { url: string; kill: (signal?: string) => Promise<void> };
let context: BrowserContext;
let page: Page;
let userDataDir = '';
let superKey = '';
const pageErrors: string[] = [];

async function templates(): Promise<ScheduleTemplate[]> {
  const res = await fetch(`${edge.url}/v1/admin/scheduling/templates`, { headers: { authorization: `Bearer ${superKey}` } });
  return (await res.json()) as ScheduleTemplate[];
}

beforeAll(async () => {
  // As admin-page.browser.test.ts: Debian's chromium (also in scripts/setup.sh), installed when missing.
  if (!existsSync(CHROMIUM)) execFileSync('apt-get', ['install', '-y', 'chromium'], { stdio: 'inherit', timeout: 600_000 });
  rmSync(RUN, { recursive: true, force: true });
  const prepared = await prepareEdge(RUN, {
    INGEST_URL: 'http://127.0.0.1:9',
    INGEST_TOKEN: 'tpl-ingest-token-0123456789',
    UPSTASH_REDIS_REST_URL: 'http://127.0.0.1:9',
    UPSTASH_REDIS_REST_TOKEN: 'x',
    ADMIN_API_KEY: PLATFORM_KEY,
    PLAYBACK_SIGNING_KEYS: JSON.stringify({ k: 'tpl-signing-key-0123456789abcdef' }),
  });
  edge = await startEdge(prepared);
  const res = await fetch(`${edge.url}/v1/platform/tenants`, {
    method: 'POST',
    headers: { authorization: `Bearer ${PLATFORM_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ tenantId: 'tpl-page', name: 'Templates page', permissions: ['act_as_user'] }),
  });
  expect(res.status).toBe(201);
  superKey = ((await res.json()) as { apiKey: string }).apiKey;
  userDataDir = mkdtempSync(join(tmpdir(), 'vidplat-chromium-'));
  context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (e) => pageErrors.push(e.message));
  page.on('console', (m) => {
    if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) pageErrors.push(m.text());
  });
  page.setDefaultTimeout(30_000);
}, 240_000);

afterAll(async () => {
  await context?.close();
  if (userDataDir) rmSync(userDataDir, { recursive: true, force: true });
  await edge?.kill();
  rmSync(RUN, { recursive: true, force: true });
});

describe('admin Templates and Schedule pages in headless Chromium', () => {
  it('creates a template in the form, edits it, and shows a refused value at its field', async () => {
    await page.goto(`${edge.url}/admin/templates`);
    await page.fill('#api-key', superKey);
    await page.click('#use-key');
    await page.waitForSelector('#template-list[data-ready] #templates-table');
    // The system presets are listed (not editable).
    expect(await page.locator('#templates-table tbody tr').count()).toBe(3);

    await page.fill('#tp-name', 'Evening premiere');
    await page.selectOption('#tp-contentKind', 'video');
    await page.fill('#tp-priority', '70');
    await page.fill('#tp-remindMinutesBefore', '30');
    await page.selectOption('#tp-frequency', 'weekly');
    await page.fill('#tp-timeZone', 'Europe/Berlin');
    await page.check('#tp-notifySubscribers');
    await page.click('#tp-save');
    await page.waitForSelector('[data-edit-template="Evening premiere"]');
    await expect(page.locator('#tp-status').textContent()).resolves.toBe('Saved “Evening premiere”.');
    const created = (await templates()).find((t) => t.name === 'Evening premiere')!;
    expect(created.defaults).toEqual({ contentKind: 'video', priority: 70, remindMinutesBefore: 30, recurrence: { frequency: 'weekly', timeZone: 'Europe/Berlin' }, notifySubscribers: true });

    // Edit: the form is filled from the row; a bad value is refused at its field.
    await page.click('[data-edit-template="Evening premiere"]');
    expect(await page.inputValue('#tp-priority')).toBe('70');
    await page.fill('#tp-priority', '1000');
    await page.click('#tp-save');
    await page.waitForSelector('[data-error-for="defaults.priority"]:not(:empty)');
    expect(await page.getAttribute('#tp-priority', 'aria-invalid')).toBe('true');
    await page.fill('#tp-priority', '90');
    await page.fill('#tp-name', 'Evening prime');
    await page.click('#tp-save');
    await page.waitForSelector('[data-edit-template="Evening prime"]');
    const edited = (await templates()).filter((t) => t.scope === 'user');
    expect(edited).toEqual([expect.objectContaining({ id: created.id, name: 'Evening prime', defaults: expect.objectContaining({ priority: 90 }) })]);
    expect(pageErrors).toEqual([]);
  });

  it('the Schedule page charts success rate, type share and strategy use, and edits a pending schedule in its form', async () => {
    const call = (method: string, path: string, body: unknown) =>
      fetch(`${edge.url}${path}`, { method, headers: { authorization: `Bearer ${superKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    for (const id of ['show-a', 'show-b']) expect((await call('PUT', `/v1/items/${id}`, { kind: 'series', title: id, state: 'draft' })).status).toBeLessThan(300);
    const at = new Date(Date.now() + 86_400_000).toISOString();
    expect((await call('POST', '/v1/admin/scheduling/schedules', { contentKind: 'series', contentId: 'show-a', scheduledAt: at, title: 'A' })).status).toBe(201);
    const progressive = { kind: 'progressive', steps: [{ percent: 10, afterMinutes: 0 }, { percent: 100, afterMinutes: 60 }] };
    expect((await call('POST', '/v1/admin/scheduling/schedules', { contentKind: 'series', contentId: 'show-b', scheduledAt: at, title: 'B', strategy: progressive })).status).toBe(201);
    await page.click('nav a[data-page="schedule"]');
    await page.waitForSelector('canvas#strategy-chart[data-points]');
    expect(await page.getAttribute('canvas#strategy-chart', 'data-points')).toBe('2');
    expect(await page.getAttribute('canvas#kind-chart', 'data-points')).toBe('1');
    // Nothing has fired yet: no success-rate bars, and no page error.
    expect(await page.getAttribute('canvas#success-chart', 'data-points')).toBe('0');

    // Edit a pending schedule in the form: a refused value shows at its field, then it saves.
    await page.waitForSelector('[data-edit-schedule="A"]');
    await page.click('[data-edit-schedule="A"]');
    expect(await page.inputValue('#sc-title')).toBe('A');
    expect(await page.isDisabled('#sc-contentId')).toBe(true);
    await page.fill('#sc-title', 'A moved');
    await page.fill('#sc-priority', '500');
    await page.click('#sc-create');
    await page.waitForSelector('[data-error-for="priority"]:not(:empty)');
    await page.fill('#sc-priority', '80');
    await page.click('#sc-create');
    await page.waitForSelector('#sc-result:has-text("Saved")');
    const list = (await (await fetch(`${edge.url}/v1/admin/scheduling/schedules?q=moved`, { headers: { authorization: `Bearer ${superKey}` } })).json()) as { items: { title: string; priority: number; scheduledAt: string }[] };
    // Minutes survive the local-time round trip of the form; seconds are not in the input.
    expect(list.items).toEqual([expect.objectContaining({ title: 'A moved', priority: 80, scheduledAt: new Date(Math.floor(Date.parse(at) / 60_000) * 60_000).toISOString() })]);
    expect(pageErrors).toEqual([]);
  });
});
