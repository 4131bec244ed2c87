import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { JobMetrics } from '@vidplat/stream/ops/job-metrics';
import { copierMetrics, ingestMetrics, ServiceMetrics } from '@vidplat/stream/ops/service-metrics';
import { MediaMetrics } from '@vidplat/media-node/ops/metrics';
import { REPO_ROOT } from './stack.js';

/**
 * The production alert rules and dashboards (ops/prometheus, ops/grafana): promtool accepts the
 * rules and the config, and every metric a rule or a panel names is exported by some deployable
 * — read from the deployables' own registries / exposition code, not from a list kept here.
 */
const OPS = join(REPO_ROOT, 'ops');

function promtool(...args: string[]): string {
  try {
    return execFileSync('promtool', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const err = e as NodeJS.ErrnoException & { stdout?: string; stderr?: string };
    if (err.code === 'ENOENT') throw new Error('promtool not found: install the Debian package `prometheus` (npm run setup)');
    throw new Error(`promtool ${args.join(' ')} failed:\n${err.stdout ?? ''}${err.stderr ?? ''}`);
  }
}

/** Metric families in Prometheus text: the names of its # TYPE lines. */
const families = (text: string) => [...text.matchAll(/^# TYPE ([a-zA-Z_:][a-zA-Z0-9_:]*) (\w+)/gm)].map((m) => ({ name: m[1]!, type: m[2]! }));

async function exported(): Promise<Map<string, string>> {
  const texts: string[] = [];
  texts.push(await new JobMetrics('item-heat').registry.metrics());
  texts.push(await ingestMetrics().m.registry.metrics());
  texts.push(await copierMetrics(new ServiceMetrics('stream-raw-events'), 'raw-events', 'events_raw', { written: 0, deadLettered: 0 }).registry.metrics());
  texts.push(await new MediaMetrics('media-transcode-worker').registry.metrics());
  // The edge's exposition (workerd code, but this module runs in Node too): by path, so the
  // Node type-check of this package does not pull in the Worker's types.
  const edge = (await import(pathToFileURL(join(REPO_ROOT, 'edge/src/admin/request-metrics.ts')).href)) as { prometheusText(): string };
  texts.push(edge.prometheusText());
  const out = new Map<string, string>();
  for (const t of texts) for (const f of families(t)) out.set(f.name, f.type);
  return out;
}

/** Series names in a PromQL expression: identifiers that are not functions, keywords, labels or durations. */
function metricNames(expr: string): string[] {
  const noStrings = expr
    .replace(/"(?:[^"\\]|\\.)*"/g, '""')
    .replace(/\{[^}]*\}/g, '{}')
    .replace(/\[[^\]]*\]/g, '[]')
    // Grouping and matching clauses list labels, not series.
    .replace(/\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)/g, ' ');
  const words = [...noStrings.matchAll(/\b([a-zA-Z_:][a-zA-Z0-9_:]*)\b(\s*\()?/g)];
  const keywords = new Set(['by', 'without', 'and', 'or', 'unless', 'on', 'ignoring', 'group_left', 'group_right', 'offset', 'bool', 'le', 'inf', 'nan']);
  return [...new Set(words.filter((m) => !m[2] && !keywords.has(m[1]!.toLowerCase()) && !/^\d/.test(m[1]!) && !/^[smhdwy]$/.test(m[1]!)).map((m) => m[1]!))].filter((n) => !/^(?:\d+[smhdwy])+$/.test(n));
}

/** A histogram's series (_bucket/_sum/_count) belong to its family. */
function family(name: string, known: Map<string, string>): string | undefined {
  if (known.has(name)) return name;
  const base = name.replace(/_(bucket|sum|count)$/, '');
  return known.get(base) === 'histogram' ? base : undefined;
}

const rules = parse(readFileSync(join(OPS, 'prometheus/alerts.yml'), 'utf8')) as { groups: { name: string; rules: { alert: string; expr: string }[] }[] };
const dashboard = JSON.parse(readFileSync(join(OPS, 'grafana/dashboards/vidplat-overview.json'), 'utf8')) as { panels: { title: string; targets?: { expr: string }[] }[] };

describe('alert rules and dashboards', () => {
  it('promtool accepts the alert rules and the Prometheus config', () => {
    expect(promtool('check', 'rules', join(OPS, 'prometheus/alerts.yml'))).toMatch(/SUCCESS: \d+ rules found/);
    expect(promtool('check', 'config', '--syntax-only', join(OPS, 'prometheus/prometheus.yml'))).toMatch(/SUCCESS/);
  });

  it('each alert fires on the series it is meant for and not on a healthy neighbour (promtool test rules)', () => {
    expect(promtool('test', 'rules', join(OPS, 'prometheus/alerts.test.yml'))).toMatch(/SUCCESS/);
    // Every alert has a unit test.
    const tests = parse(readFileSync(join(OPS, 'prometheus/alerts.test.yml'), 'utf8')) as { tests: { alert_rule_test: { alertname: string }[] }[] };
    const tested = new Set(tests.tests.flatMap((t) => t.alert_rule_test.map((a) => a.alertname)));
    const untested = rules.groups.flatMap((g) => g.rules.map((r) => r.alert)).filter((a) => !tested.has(a));
    expect(untested).toEqual([]);
  });

  it('the rules cover what operators page on', () => {
    const alerts = rules.groups.flatMap((g) => g.rules.map((r) => r.alert));
    for (const a of ['ConsumerLagGrowing', 'DeadLetterGrowing', 'Edge5xxRate', 'CircuitBreakerOpen', 'TranscodeFailures', 'CampaignFailed', 'BroadcasterConsecutiveFailures', 'TranscodeQueueBacklog', 'ScheduledWorkLate', 'RecommendCoverageCollapsed', 'RecommendDiversityLow', 'LateEventsHigh']) expect(alerts).toContain(a);
  });

  it('every metric a rule or a dashboard panel names is exported by some deployable', async () => {
    const known = await exported();
    const exprs = [
      ...rules.groups.flatMap((g) => g.rules.map((r) => ({ where: `rule ${r.alert}`, expr: r.expr }))),
      ...dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ where: `panel "${p.title}"`, expr: t.expr }))),
    ];
    expect(exprs.length).toBeGreaterThan(25);
    const missing: string[] = [];
    let checked = 0;
    for (const { where, expr } of exprs) {
      const names = metricNames(expr).filter((n) => n !== 'time');
      expect(names.length, `${where}: no metric found in ${expr}`).toBeGreaterThan(0);
      for (const n of names) {
        checked++;
        if (!family(n, known)) missing.push(`${where}: ${n}`);
      }
    }
    expect(missing).toEqual([]);
    expect(checked).toBeGreaterThan(30);
  });

  it('the name check would catch a typo', async () => {
    const known = await exported();
    expect(metricNames('sum(rate(edge_requests_totl{status="5xx"}[5m])) by (route)').map((n) => family(n, known))).toEqual([undefined]);
    expect(metricNames('histogram_quantile(0.99, sum by (le) (rate(edge_request_duration_ms_bucket[5m])))').map((n) => family(n, known))).toEqual(['edge_request_duration_ms']);
  });
});
