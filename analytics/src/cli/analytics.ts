#!/usr/bin/env tsx
/**
 * analytics CLI: the dashboard queries and experiment reports as JSON, and streaming exports of
 * interactions / items / profiles as NDJSON or CSV, for one tenant and date range.
 *
 *   analytics overview   --tenant T --from 2026-11-01 --to 2026-11-14
 *   analytics trends     --tenant T --from … --to … [--metrics events,ctr]
 *   analytics items      --tenant T --from … --to … [--metric plays] [--limit 20]
 *   analytics behaviour | videos [--item ID] | heatmap [--time-zone Europe/Berlin] | courses [--limit 10]
 *   analytics experiments --tenant T --from … --to …
 *   analytics experiment ID --tenant T --from … --to … [--primary click_rate] [--weights control:50,b:50]
 *   analytics export interactions|items|profiles --tenant T --from … --to … [--format ndjson|csv] [--out FILE]
 *
 * ClickHouse comes from CLICKHOUSE_URL / CLICKHOUSE_DATABASE / CLICKHOUSE_USER / CLICKHOUSE_PASSWORD.
 * Bad input exits with status 2 and a JSON error {error:{code,message,field}} on stderr.
 */
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import { parseArgs } from 'node:util';
import { Readable } from 'node:stream';
import {
  AnalyticsEnv,
  ANALYTICS_MAX_RANGE_DAYS_DEFAULT,
  DateRangeQuery,
  ExperimentQuery,
  ExportDataset,
  ExportFormat,
  HeatmapQuery,
  HotCoursesQuery,
  ItemsQuery,
  parseEnv,
  Slug,
  TrendsQuery,
  VideoQuery,
  type ApiError,
} from '@vidplat/contracts';
import { createClickHouse } from '../client.js';
import { behaviour, hotCourses, itemDistribution, overview, publishHeatmap, trends, videoStats } from '../queries/dashboards.js';
import { experimentReport, listExperiments } from '../queries/experiments.js';
import { EXPORT_FORMAT, exportQuery } from '../queries/export.js';
import { Reader } from '../queries/reader.js';
import { parseAnalyticsQuery } from '../queries/validate.js';

class UsageError extends Error {
  constructor(readonly error: ApiError) {
    super(error.message);
  }
}

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: {
    tenant: { type: 'string' },
    from: { type: 'string' },
    to: { type: 'string' },
    metrics: { type: 'string' },
    metric: { type: 'string' },
    limit: { type: 'string' },
    item: { type: 'string' },
    'time-zone': { type: 'string' },
    primary: { type: 'string' },
    secondary: { type: 'string' },
    guardrail: { type: 'string' },
    control: { type: 'string' },
    weights: { type: 'string' },
    alpha: { type: 'string' },
    mde: { type: 'string' },
    format: { type: 'string' },
    out: { type: 'string' },
    'max-range-days': { type: 'string' },
  },
});

function parsed<T>(r: { ok: true; value: T } | { ok: false; error: ApiError }): T {
  if (!r.ok) throw new UsageError(r.error);
  return r.value;
}

const defined = (o: Record<string, string | undefined>) => Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Record<string, string>;

async function main(): Promise<number> {
  const [command, arg] = positionals;
  const tenant = Slug.safeParse(values.tenant);
  if (!tenant.success) throw new UsageError({ code: 'invalid_query', message: '--tenant is required and must be a slug', field: 'tenant' });
  const maxDays = values['max-range-days'] ? Number(values['max-range-days']) : ANALYTICS_MAX_RANGE_DAYS_DEFAULT;
  const q = (schema: Parameters<typeof parseAnalyticsQuery>[0], extra: Record<string, string | undefined> = {}) =>
    parsed(parseAnalyticsQuery(schema, defined({ from: values.from, to: values.to, ...extra }), maxDays));
  const env = parseEnv(AnalyticsEnv, process.env);
  const ch = createClickHouse({ url: env.CLICKHOUSE_URL, database: env.CLICKHOUSE_DATABASE, username: env.CLICKHOUSE_USER, password: env.CLICKHOUSE_PASSWORD, requestTimeoutMs: 120_000 });
  const reader = new Reader(ch, { timeoutMs: 60_000, retries: 2 });
  const print = (x: unknown) => void process.stdout.write(`${JSON.stringify(x, null, 2)}\n`);
  try {
    switch (command) {
      case 'overview': {
        const r = q(DateRangeQuery);
        print(await overview(reader, { tenantId: tenant.data, ...r }));
        return 0;
      }
      case 'trends': {
        const r = q(TrendsQuery, { metrics: values.metrics }) as { from: string; to: string; metrics: Parameters<typeof trends>[2] };
        print(await trends(reader, { tenantId: tenant.data, from: r.from, to: r.to }, r.metrics));
        return 0;
      }
      case 'items': {
        const r = q(ItemsQuery, { metric: values.metric, limit: values.limit }) as { from: string; to: string; metric: Parameters<typeof itemDistribution>[2]; limit: number };
        print(await itemDistribution(reader, { tenantId: tenant.data, from: r.from, to: r.to }, r.metric, r.limit));
        return 0;
      }
      case 'behaviour':
        print(await behaviour(reader, { tenantId: tenant.data, ...q(DateRangeQuery) }));
        return 0;
      case 'videos': {
        const r = q(VideoQuery, { itemId: values.item }) as { from: string; to: string; itemId?: string };
        print(await videoStats(reader, { tenantId: tenant.data, from: r.from, to: r.to }, r.itemId));
        return 0;
      }
      case 'heatmap': {
        const r = q(HeatmapQuery, { timeZone: values['time-zone'] }) as { from: string; to: string; timeZone: string; suggestions: number };
        print(await publishHeatmap(reader, { tenantId: tenant.data, from: r.from, to: r.to }, r.timeZone, r.suggestions));
        return 0;
      }
      case 'courses': {
        const r = q(HotCoursesQuery, { limit: values.limit }) as { from: string; to: string; limit: number };
        print(await hotCourses(reader, { tenantId: tenant.data, from: r.from, to: r.to }, r.limit));
        return 0;
      }
      case 'experiments':
        print(await listExperiments(reader, { tenantId: tenant.data, ...q(DateRangeQuery) }));
        return 0;
      case 'experiment': {
        const id = Slug.safeParse(arg);
        if (!id.success) throw new UsageError({ code: 'invalid_field', message: 'experiment id (a slug) is required', field: 'id' });
        const r = q(ExperimentQuery, {
          primary: values.primary,
          secondary: values.secondary,
          guardrail: values.guardrail,
          control: values.control,
          weights: values.weights,
          alpha: values.alpha,
          mde: values.mde,
        }) as ExperimentQuery;
        print(await experimentReport(reader, { tenantId: tenant.data, from: r.from, to: r.to }, id.data, r));
        return 0;
      }
      case 'export': {
        const dataset = ExportDataset.safeParse(arg);
        if (!dataset.success) throw new UsageError({ code: 'invalid_query', message: 'dataset must be interactions, items or profiles', field: 'dataset' });
        const format = ExportFormat.safeParse(values.format ?? 'ndjson');
        if (!format.success) throw new UsageError({ code: 'invalid_query', message: 'format must be ndjson or csv', field: 'format' });
        const r = q(DateRangeQuery);
        const { query, query_params } = exportQuery(dataset.data, { tenantId: tenant.data, ...r });
        // exec streams ClickHouse's own NDJSON/CSV bytes straight to the output with backpressure.
        const res = await ch.exec({
          query: `${query} FORMAT ${EXPORT_FORMAT[format.data]}`,
          query_params,
          clickhouse_settings: { output_format_json_quote_64bit_integers: 0, output_format_csv_crlf_end_of_line: 0 },
        });
        await pipeline(res.stream as Readable, values.out ? createWriteStream(values.out) : process.stdout);
        return 0;
      }
      default:
        throw new UsageError({ code: 'invalid_query', message: `unknown command ${command ?? '(none)'}; see the header of analytics/src/cli/analytics.ts`, field: 'command' });
    }
  } finally {
    await ch.close();
  }
}

try {
  process.exitCode = await main();
} catch (e) {
  if (e instanceof UsageError) {
    process.stderr.write(`${JSON.stringify({ error: e.error })}\n`);
    process.exitCode = 2;
  } else {
    process.stderr.write(`${JSON.stringify({ error: { code: 'upstream_unavailable', message: e instanceof Error ? e.message : String(e) } })}\n`);
    process.exitCode = 1;
  }
}
