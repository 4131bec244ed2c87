import { z } from 'zod';
import type { Reader } from './reader.js';

export const TranscodeJobRow = z.object({
  jobId: z.string(),
  videoId: z.string(),
  state: z.string(),
  percent: z.number(),
  attempt: z.number(),
  error: z.string(),
  updatedAt: z.string(),
});
export type TranscodeJobRow = z.infer<typeof TranscodeJobRow>;

/** Latest state of the tenant's most recently active transcode jobs, newest first. */
export async function transcodeJobs(r: Reader, tenantId: string, limit: number): Promise<{ jobs: TranscodeJobRow[] }> {
  const rows = await r.rows<Record<string, unknown>>(
    `SELECT job_id,
            argMax(video_id, (event_time, event_id)) AS video_id,
            argMax(state, (event_time, event_id)) AS state,
            argMax(percent, (event_time, event_id)) AS percent,
            argMax(attempt, (event_time, event_id)) AS attempt,
            argMax(error, (event_time, event_id)) AS error,
            toString(max(event_time)) AS updated_at
     FROM transcode_progress FINAL
     WHERE tenant_id = {tenant:String}
     GROUP BY job_id
     ORDER BY updated_at DESC, job_id
     LIMIT {limit:UInt32}`,
    { tenant: tenantId, limit },
  );
  return {
    jobs: rows.map((x) => ({
      jobId: String(x.job_id),
      videoId: String(x.video_id),
      state: String(x.state),
      percent: Number(x.percent),
      attempt: Number(x.attempt),
      error: String(x.error),
      updatedAt: String(x.updated_at),
    })),
  };
}
