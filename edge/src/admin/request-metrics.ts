import { z } from 'zod';
import { createMiddleware } from 'hono/factory';
import { routePath } from 'hono/route';
import type { AppEnv } from '../env.js';
import { access, ApiRoutes, defineRoute } from '../http/api-routes.js';
import { countersText } from './counters.js';
import { listQualityText } from '../recommend/list-quality.js';

/**
 * Request metrics of this isolate: count, errors and a latency histogram per method, route
 * pattern (not the raw path, so cardinality stays bounded) and status class. Locally one
 * `wrangler dev` isolate serves everything, so these are the edge's numbers; in production each
 * isolate reports its own and Workers Analytics would aggregate them.
 * Latency is wall time across the handler's I/O (workerd advances clocks only on I/O).
 */
const BUCKETS_MS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000];

interface Series {
  method: string;
  route: string;
  status: string;
  count: number;
  sumMs: number;
  buckets: number[];
}

const series = new Map<string, Series>();
const startedAt = Date.now();

export function recordRequest(method: string, route: string, status: number, ms: number): void {
  const cls = `${Math.floor(status / 100)}xx`;
  const key = `${method} ${route} ${cls}`;
  let s = series.get(key);
  if (!s) {
    s = { method, route, status: cls, count: 0, sumMs: 0, buckets: new Array<number>(BUCKETS_MS.length).fill(0) };
    series.set(key, s);
  }
  s.count++;
  s.sumMs += ms;
  const i = BUCKETS_MS.findIndex((b) => ms <= b);
  if (i >= 0) s.buckets[i]!++;
}

export const requestMetrics = createMiddleware<AppEnv>(async (c, next) => {
  const t0 = Date.now();
  try {
    await next();
  } finally {
    let route = 'unmatched';
    try {
      const r = routePath(c, -1);
      if (r && r !== '*' && !r.endsWith('/*')) route = r;
    } catch {
      // no route matched (404 from notFound)
    }
    recordRequest(c.req.method, route, c.res.status, Date.now() - t0);
  }
});

const label = (v: string) => v.replace(/\\/g, '\\\\').replace(/"/g, '\\"');

/** Prometheus text exposition (version 0.0.4); `catalogue` = published items per tenant (coverage ratio). */
export function prometheusText(catalogue: ReadonlyMap<string, number> = new Map()): string {
  const out = [
    '# HELP edge_requests_total Requests handled by this isolate.',
    '# TYPE edge_requests_total counter',
  ];
  const all = [...series.values()].sort((a, b) => `${a.route}${a.method}${a.status}`.localeCompare(`${b.route}${b.method}${b.status}`));
  for (const s of all) out.push(`edge_requests_total{method="${label(s.method)}",route="${label(s.route)}",status="${s.status}"} ${s.count}`);
  out.push('# HELP edge_request_duration_ms Request latency in milliseconds.', '# TYPE edge_request_duration_ms histogram');
  for (const s of all) {
    const l = `method="${label(s.method)}",route="${label(s.route)}",status="${s.status}"`;
    let cum = 0;
    BUCKETS_MS.forEach((b, i) => {
      cum += s.buckets[i]!;
      out.push(`edge_request_duration_ms_bucket{${l},le="${b}"} ${cum}`);
    });
    out.push(`edge_request_duration_ms_bucket{${l},le="+Inf"} ${s.count}`, `edge_request_duration_ms_sum{${l}} ${s.sumMs}`, `edge_request_duration_ms_count{${l}} ${s.count}`);
  }
  out.push(...countersText());
  out.push(...listQualityText(catalogue));
  out.push('# HELP edge_isolate_uptime_seconds Seconds since this isolate started counting.', '# TYPE edge_isolate_uptime_seconds gauge', `edge_isolate_uptime_seconds ${Math.round((Date.now() - startedAt) / 1000)}`);
  return `${out.join('\n')}\n`;
}

/** GET /v1/platform/metrics (platform operator key): Prometheus text, or JSON with ?format=json. */
const MetricSeries = z.object({ method: z.string(), route: z.string(), status: z.string(), count: z.number().int(), sumMs: z.number(), buckets: z.record(z.string(), z.number().int()) });
const metricsRoute = defineRoute({
  method: 'get',
  path: '/v1/platform/metrics',
  tags: ['ops'],
  access: access.platform(),
  request: { query: z.object({ format: z.enum(['json']).optional() }) },
  responses: {
    200: {
      description: "this isolate's request metrics and counters: Prometheus text, or JSON with ?format=json",
      content: { 'text/plain': { schema: z.string() }, 'application/json': { schema: z.object({ startedAt: z.string(), series: z.array(MetricSeries) }) } },
    },
  },
});

export const metricsRoutes = new ApiRoutes().endpoint(metricsRoute, async (c) => {
  if (c.req.query('format') === 'json') {
    return c.json({ startedAt: new Date(startedAt).toISOString(), series: [...series.values()].map(({ buckets, ...s }) => ({ ...s, buckets: Object.fromEntries(BUCKETS_MS.map((b, i) => [b, buckets[i]])) })) });
  }
  return c.body(prometheusText(await catalogueSizes(c.env.CATALOGUE)), 200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' });
});

/** Published items per tenant (one grouped count per scrape); empty when D1 cannot say. */
async function catalogueSizes(db: D1Database): Promise<Map<string, number>> {
  try {
    const { results } = await db.prepare("SELECT tenant_id, count(*) AS n FROM items WHERE state = 'published' GROUP BY tenant_id").all<{ tenant_id: string; n: number }>();
    return new Map(results.map((r) => [r.tenant_id, r.n]));
  } catch (e) {
    console.warn('catalogue sizes unavailable for the coverage ratio', e instanceof Error ? e.message : String(e));
    return new Map();
  }
}
