import { z } from 'zod';
import { apiErrorFromZod } from '@vidplat/contracts';
import { AnalyticsUnavailableError } from '@vidplat/analytics/queries/reader';
import { TranscodeJobRow, transcodeJobs } from '@vidplat/analytics/queries/transcode-jobs';
import { edgeConfig, type AppEnv } from '../env.js';
import { sendError } from '../http/errors.js';
import { access, ApiRoutes, defineRoute, json } from '../http/api-routes.js';
import { analyticsReader } from './clickhouse.js';

const JobsQuery = z.object({ limit: z.coerce.number().int().min(1).max(500).default(50) });

/**
 * GET /v1/admin/media/jobs: the tenant's transcode jobs with their latest state and progress, from
 * the transcode_progress table the stream tier fills from Kafka (the edge never reads Kafka).
 */
const jobsRoute = defineRoute({ method: 'get', path: '/v1/admin/media/jobs', tags: ['media'], access: access.key('admin', 'senior', 'super'), request: { query: JobsQuery }, responses: { 200: json(z.object({ jobs: z.array(TranscodeJobRow) })) }, errors: [400, 503] });

export const mediaJobsRoutes = new ApiRoutes().endpoint(jobsRoute, async (c) => {
  const q = JobsQuery.safeParse(c.req.query());
  if (!q.success) return sendError(c, 400, apiErrorFromZod(q.error, 'invalid_query'));
  try {
    return c.json(await transcodeJobs(analyticsReader(edgeConfig(c.env)), c.var.principal.tenantId, q.data.limit), 200, { 'cache-control': 'no-store' });
  } catch (e) {
    if (!(e instanceof AnalyticsUnavailableError)) throw e;
    return sendError(c, 503, { code: 'upstream_unavailable', message: 'analytics store unavailable, retry later' }, { 'retry-after': '5' });
  }
});
