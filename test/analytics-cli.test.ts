import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { ErrorBody, Overview, type EventRawRow } from '@vidplat/contracts';
import { analyticsDemoRows, insertAnalyticsRows } from '@vidplat/devstack/demo/analytics';
import { REPO_ROOT } from '@vidplat/devstack/stack';
import type {} from '@vidplat/devstack/vitest-global-setup';

/** The analytics CLI as an operator runs it: a real process against the dev stack's ClickHouse. */
const { env } = inject('stack');
const tenant = `cli-${Date.now().toString(36)}`;
const now = new Date();
const to = now.toISOString().slice(0, 10);
const from = new Date(now.getTime() - 6 * 86_400_000).toISOString().slice(0, 10);
let rows: EventRawRow[] = [];

const run = promisify(execFile);
async function cli(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const r = await run(join(REPO_ROOT, 'node_modules', '.bin', 'tsx'), [join(REPO_ROOT, 'analytics/src/cli/analytics.ts'), ...args], {
      env: { ...process.env, CLICKHOUSE_URL: env.CLICKHOUSE_URL, CLICKHOUSE_DATABASE: env.CLICKHOUSE_DATABASE },
      maxBuffer: 64 * 1024 * 1024,
      timeout: 60_000,
    });
    return { code: 0, ...r };
  } catch (e) {
    const x = e as { code: number; stdout: string; stderr: string };
    return { code: x.code, stdout: x.stdout, stderr: x.stderr };
  }
}

beforeAll(async () => {
  rows = analyticsDemoRows({ tenantId: tenant, days: 7, users: 80, seed: 9, now });
  await insertAnalyticsRows(env, rows);
});

describe('analytics CLI', () => {
  it('prints the overview as JSON', async () => {
    const r = await cli('overview', '--tenant', tenant, '--from', from, '--to', to);
    expect(r.code).toBe(0);
    expect(Overview.parse(JSON.parse(r.stdout)).events).toBe(rows.length);
  });

  it('exports interactions as NDJSON, one valid object per event, in time order', async () => {
    const r = await cli('export', 'interactions', '--tenant', tenant, '--from', from, '--to', to, '--format', 'ndjson');
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { event_id: string; time: string; watched_seconds: number });
    expect(lines).toHaveLength(rows.length);
    expect(new Set(lines.map((l) => l.event_id))).toEqual(new Set(rows.map((x) => x.event_id)));
    expect(typeof lines[0]!.watched_seconds).toBe('number');
    const times = lines.map((l) => l.time);
    expect([...times].sort()).toEqual(times);
  });

  it('exports items and profiles as CSV with a header row', async () => {
    const items = await cli('export', 'items', '--tenant', tenant, '--from', from, '--to', to, '--format', 'csv');
    expect(items.code).toBe(0);
    const itemLines = items.stdout.trim().split('\n');
    expect(itemLines[0]).toBe('"item_id","events","impressions","clicks","plays","completions","watch_seconds","likes","shares","purchases","users","first_seen","last_seen"');
    expect(itemLines).toHaveLength(1 + new Set(rows.map((x) => x.item_id)).size);
    const profiles = await cli('export', 'profiles', '--tenant', tenant, '--from', from, '--to', to, '--format', 'csv');
    const profileLines = profiles.stdout.trim().split('\n');
    expect(profileLines).toHaveLength(1 + new Set(rows.map((x) => x.user_id)).size);
    const sumEvents = profileLines.slice(1).reduce((a, l) => a + Number(l.split(',')[1]), 0);
    expect(sumEvents).toBe(rows.length);
  });

  it('rejects bad input with exit status 2 and a JSON error naming the field', async () => {
    const cases: Array<[string[], string]> = [
      [['export', 'secrets', '--tenant', tenant, '--from', from, '--to', to], 'dataset'],
      [['export', 'items', '--tenant', tenant, '--from', from, '--to', to, '--format', 'xml'], 'format'],
      [['trends', '--tenant', tenant, '--from', from, '--to', to, '--metrics', 'events,mood'], 'metrics.1'],
      [['overview', '--tenant', tenant, '--from', '2026-02-30', '--to', to], 'from'],
      [['overview', '--tenant', tenant, '--from', '2020-01-01', '--to', to], 'to'],
      [['overview', '--tenant', "x' OR '1'='1", '--from', from, '--to', to], 'tenant'],
    ];
    for (const [args, field] of cases) {
      const r = await cli(...args);
      expect(r.code).toBe(2);
      // The last stderr line is the CLI's error; the ClickHouse client may log warnings before it.
      const last = r.stderr.trim().split('\n').at(-1)!;
      expect(ErrorBody.parse(JSON.parse(last)).error.field).toBe(field);
    }
  });
});
