import { Hono, type Context } from 'hono';
import {
  DateRangeQuery,
  ExportDataset,
  ExportFormat,
  ExperimentQuery,
  HeatmapQuery,
  HotCoursesQuery,
  ItemsQuery,
  SampleSizeQuery,
  ScheduleStatsQuery,
  Slug,
  TrendsQuery,
  VideoQuery,
  apiErrorFromZod,
} from '@vidplat/contracts';
import { AnalyticsUnavailableError } from '@vidplat/analytics/queries/reader';
import { sampleSizeTwoMeans, sampleSizeTwoProportions } from '@vidplat/analytics/stats/sample-size';
import { parseAnalyticsQuery } from '@vidplat/analytics/queries/validate';
import { behaviour, hotCourses, itemDistribution, overview, publishHeatmap, scheduleStats, trends, videoStats } from '@vidplat/analytics/queries/dashboards';
import { experimentReport, listExperiments } from '@vidplat/analytics/queries/experiments';
import { EXPORT_FORMAT, exportQuery } from '@vidplat/analytics/queries/export';
import type { z } from 'zod';
import { edgeConfig, type AppEnv } from '../env.js';
import { sendError } from '../http/errors.js';
import { requireKey } from '../tenancy/auth.js';
import { analyticsClient, analyticsReader } from './clickhouse.js';

const base = '/v1/admin/analytics';

/**
 * Parses the query string (400 with code and field on bad input), runs the handler against
 * ClickHouse scoped to the caller's tenant, and maps an unreachable ClickHouse to 503.
 */
async function run<S extends z.ZodType<{ from: string; to: string }>, T>(
  c: Context<AppEnv>,
  schema: S,
  handler: (q: z.infer<S>, scope: { tenantId: string; from: string; to: string }) => Promise<T>,
): Promise<Response> {
  const cfg = edgeConfig(c.env);
  const parsed = parseAnalyticsQuery(schema, c.req.query(), cfg.ANALYTICS_MAX_RANGE_DAYS);
  if (!parsed.ok) return sendError(c, 400, parsed.error);
  const q = parsed.value;
  try {
    const body = await handler(q, { tenantId: c.var.principal.tenantId, from: q.from, to: q.to });
    return c.json(body as object, 200, { 'cache-control': 'private, max-age=30' });
  } catch (e) {
    if (e instanceof AnalyticsUnavailableError) {
      console.error('analytics query failed', e.message);
      return sendError(c, 503, { code: 'upstream_unavailable', message: 'analytics store unavailable, retry later' }, { 'retry-after': '5' });
    }
    throw e;
  }
}

/** Dashboards and experiment results for the caller's tenant; admin roles only. */
export const analyticsRoutes = new Hono<AppEnv>()
  .use(`${base}/*`, requireKey('admin', 'senior', 'super'))
  .get(`${base}/overview`, (c) => run(c, DateRangeQuery, (_q, s) => overview(analyticsReader(edgeConfig(c.env)), s)))
  .get(`${base}/trends`, (c) => run(c, TrendsQuery, (q, s) => trends(analyticsReader(edgeConfig(c.env)), s, q.metrics)))
  .get(`${base}/items`, (c) => run(c, ItemsQuery, (q, s) => itemDistribution(analyticsReader(edgeConfig(c.env)), s, q.metric, q.limit)))
  .get(`${base}/behaviour`, (c) => run(c, DateRangeQuery, (_q, s) => behaviour(analyticsReader(edgeConfig(c.env)), s)))
  .get(`${base}/videos`, (c) => run(c, VideoQuery, (q, s) => videoStats(analyticsReader(edgeConfig(c.env)), s, q.itemId)))
  .get(`${base}/heatmap`, (c) => run(c, HeatmapQuery, (q, s) => publishHeatmap(analyticsReader(edgeConfig(c.env)), s, q.timeZone, q.suggestions)))
  .get(`${base}/courses/hot`, (c) => run(c, HotCoursesQuery, (q, s) => hotCourses(analyticsReader(edgeConfig(c.env)), s, q.limit)))
  .get(`${base}/schedules`, async (c) => {
    const q = ScheduleStatsQuery.safeParse(c.req.query());
    if (!q.success) return sendError(c, 400, apiErrorFromZod(q.error, 'invalid_query'));
    try {
      return c.json(await scheduleStats(analyticsReader(edgeConfig(c.env)), c.var.principal.tenantId, new Date(), q.data.timeZone));
    } catch (e) {
      if (!(e instanceof AnalyticsUnavailableError)) throw e;
      return sendError(c, 503, { code: 'upstream_unavailable', message: 'analytics store unavailable, retry later' }, { 'retry-after': '5' });
    }
  })
  .get(`${base}/sample-size`, (c) => {
    const q = SampleSizeQuery.safeParse(c.req.query());
    if (!q.success) return sendError(c, 400, apiErrorFromZod(q.error, 'invalid_query'));
    const { kind, baseline, mde, sd, alpha, power, variants } = q.data;
    const n =
      kind === 'proportion'
        ? sampleSizeTwoProportions(baseline, baseline * (1 + mde), { alpha, power })
        : sampleSizeTwoMeans(baseline * mde, sd!, { alpha, power });
    const perVariant = Math.ceil(n);
    return c.json({ perVariant, total: perVariant * variants, query: q.data });
  })
  // Streams ClickHouse's own NDJSON / CSV bytes through the Worker: nothing is buffered here.
  .get(`${base}/export/:dataset`, async (c) => {
    const dataset = ExportDataset.safeParse(c.req.param('dataset'));
    if (!dataset.success) return sendError(c, 400, { code: 'invalid_query', message: 'dataset must be interactions, items or profiles', field: 'dataset' });
    const format = ExportFormat.safeParse(c.req.query('format') ?? 'ndjson');
    if (!format.success) return sendError(c, 400, { code: 'invalid_query', message: 'format must be ndjson or csv', field: 'format' });
    const cfg = edgeConfig(c.env);
    const parsed = parseAnalyticsQuery(DateRangeQuery, c.req.query(), cfg.ANALYTICS_MAX_RANGE_DAYS);
    if (!parsed.ok) return sendError(c, 400, parsed.error);
    const { query, query_params } = exportQuery(dataset.data, { tenantId: c.var.principal.tenantId, ...parsed.value });
    let stream: ReadableStream;
    try {
      stream = (
        await analyticsClient(cfg).exec({
          query: `${query} FORMAT ${EXPORT_FORMAT[format.data]}`,
          query_params,
          clickhouse_settings: { output_format_json_quote_64bit_integers: 0 },
        })
      ).stream;
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      if (typeof code === 'string' && /^\d+$/.test(code)) throw e; // a query bug, not an outage
      console.error('analytics export failed', e instanceof Error ? e.message : String(e));
      return sendError(c, 503, { code: 'upstream_unavailable', message: 'analytics store unavailable, retry later' }, { 'retry-after': '5' });
    }
    const name = `${c.var.principal.tenantId}-${dataset.data}-${parsed.value.from}-${parsed.value.to}.${format.data === 'csv' ? 'csv' : 'ndjson'}`;
    return new Response(stream, {
      headers: {
        'content-type': format.data === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson',
        'content-disposition': `attachment; filename="${name}"`,
        'cache-control': 'private, no-store',
      },
    });
  })
  .get(`${base}/experiments`, (c) => run(c, DateRangeQuery, (_q, s) => listExperiments(analyticsReader(edgeConfig(c.env)), s)))
  .get(`${base}/experiments/:id`, (c) => {
    const id = Slug.safeParse(c.req.param('id'));
    if (!id.success) return sendError(c, 400, { code: 'invalid_field', message: id.error.issues[0]?.message ?? 'invalid id', field: 'id' });
    return run(c, ExperimentQuery, (q, s) => experimentReport(analyticsReader(edgeConfig(c.env)), s, id.data, q));
  });
