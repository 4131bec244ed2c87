import type { Context } from 'hono';
import { z } from 'zod';
import {
  Behaviour,
  DateRangeQuery,
  ExperimentList,
  ExperimentReport,
  ExportDataset,
  ExportFormat,
  ExperimentQuery,
  HeatmapQuery,
  HotCourses,
  HotCoursesQuery,
  ItemDistribution,
  ItemsQuery,
  Overview,
  PublishHeatmap,
  SampleSizeQuery,
  SampleSizeResult,
  ScheduleStats,
  ScheduleStatsQuery,
  Slug,
  Trends,
  TrendsQuery,
  VideoQuery,
  VideoStats,
  apiErrorFromZod,
} from '@vidplat/contracts';
import { AnalyticsUnavailableError } from '@vidplat/analytics/queries/reader';
import { sampleSizeTwoMeans, sampleSizeTwoProportions } from '@vidplat/analytics/stats/sample-size';
import { parseAnalyticsQuery } from '@vidplat/analytics/queries/validate';
import { behaviour, hotCourses, itemDistribution, overview, publishHeatmap, scheduleStats, trends, videoStats } from '@vidplat/analytics/queries/dashboards';
import { experimentReport, listExperiments } from '@vidplat/analytics/queries/experiments';
import { EXPORT_FORMAT, exportQuery } from '@vidplat/analytics/queries/export';
import { edgeConfig, type AppEnv } from '../env.js';
import { sendError } from '../http/errors.js';
import { requireKey } from '../tenancy/auth.js';
import { ApiRoutes, defineRoute, json, type Access } from '../http/api-routes.js';
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
const routes = new ApiRoutes();
// One key check for the prefix (an unknown path under it is a 401 before a 404).
routes.use(`${base}/*`, requireKey('admin', 'senior', 'super'));
const admins: Access = { scheme: 'apiKey', roles: ['admin', 'senior', 'super'] };
const tags = ['analytics'];
/** A dashboard over a date range (ANALYTICS_MAX_RANGE_DAYS at most): 400 on bad input, 503 when ClickHouse is unreachable. */
const dashboard = (path: string, query: z.ZodObject, body: z.ZodType, description?: string) =>
  defineRoute({ method: 'get', path: `${base}${path}`, tags, access: admins, ...(description ? { description } : {}), request: { query }, responses: { 200: json(body) }, errors: [400, 503] });

export const analyticsRoutes = routes
  .endpoint(dashboard('/overview', DateRangeQuery, Overview), (c) => run(c, DateRangeQuery, (_q, s) => overview(analyticsReader(edgeConfig(c.env)), s)))
  .endpoint(dashboard('/trends', TrendsQuery, Trends), (c) => run(c, TrendsQuery, (q, s) => trends(analyticsReader(edgeConfig(c.env)), s, q.metrics)))
  .endpoint(dashboard('/items', ItemsQuery, ItemDistribution), (c) => run(c, ItemsQuery, (q, s) => itemDistribution(analyticsReader(edgeConfig(c.env)), s, q.metric, q.limit)))
  .endpoint(dashboard('/behaviour', DateRangeQuery, Behaviour), (c) => run(c, DateRangeQuery, (_q, s) => behaviour(analyticsReader(edgeConfig(c.env)), s)))
  .endpoint(dashboard('/videos', VideoQuery, VideoStats), (c) => run(c, VideoQuery, (q, s) => videoStats(analyticsReader(edgeConfig(c.env)), s, q.itemId)))
  .endpoint(dashboard('/heatmap', HeatmapQuery, PublishHeatmap), (c) => run(c, HeatmapQuery, (q, s) => publishHeatmap(analyticsReader(edgeConfig(c.env)), s, q.timeZone, q.suggestions)))
  .endpoint(dashboard('/courses/hot', HotCoursesQuery, HotCourses), (c) => run(c, HotCoursesQuery, (q, s) => hotCourses(analyticsReader(edgeConfig(c.env)), s, q.limit)))
  .endpoint(dashboard('/schedules', ScheduleStatsQuery, ScheduleStats, 'Publishing figures of the last days in the time zone given.'), async (c) => {
    const q = ScheduleStatsQuery.safeParse(c.req.query());
    if (!q.success) return sendError(c, 400, apiErrorFromZod(q.error, 'invalid_query'));
    try {
      return c.json(await scheduleStats(analyticsReader(edgeConfig(c.env)), c.var.principal.tenantId, new Date(), q.data.timeZone));
    } catch (e) {
      if (!(e instanceof AnalyticsUnavailableError)) throw e;
      return sendError(c, 503, { code: 'upstream_unavailable', message: 'analytics store unavailable, retry later' }, { 'retry-after': '5' });
    }
  })
  .endpoint(defineRoute({ method: 'get', path: `${base}/sample-size`, tags, access: admins, request: { query: SampleSizeQuery }, responses: { 200: json(SampleSizeResult) }, errors: [400] }), (c) => {
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
  .endpoint(
    defineRoute({
      method: 'get',
      path: `${base}/export/{dataset}`,
      tags,
      access: admins,
      description: "ClickHouse's own NDJSON or CSV bytes, streamed (nothing buffered in the Worker).",
      request: { params: z.object({ dataset: ExportDataset }), query: DateRangeQuery.extend({ format: ExportFormat.optional() }) },
      responses: { 200: { description: 'the rows, one per line', content: { 'application/x-ndjson': { schema: z.string() }, 'text/csv': { schema: z.string() } } } },
      errors: [400, 503],
    }),
    async (c) => {
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
  .endpoint(dashboard('/experiments', DateRangeQuery, ExperimentList), (c) => run(c, DateRangeQuery, (_q, s) => listExperiments(analyticsReader(edgeConfig(c.env)), s)))
  .endpoint(defineRoute({ method: 'get', path: `${base}/experiments/{id}`, tags, access: admins, request: { params: z.object({ id: Slug }), query: ExperimentQuery }, responses: { 200: json(ExperimentReport) }, errors: [400, 503] }), (c) => {
    const id = Slug.safeParse(c.req.param('id'));
    if (!id.success) return sendError(c, 400, { code: 'invalid_field', message: id.error.issues[0]?.message ?? 'invalid id', field: 'id' });
    return run(c, ExperimentQuery, (q, s) => experimentReport(analyticsReader(edgeConfig(c.env)), s, id.data, q));
  });
