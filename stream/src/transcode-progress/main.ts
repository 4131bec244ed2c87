/**
 * Transcode progress copier: transcode-progress → ClickHouse transcode_progress, so the admin page
 * can show every job's latest state without the edge touching Kafka.
 */
import { toClickHouseTime, Topics, TranscodeProgress } from '@vidplat/contracts';
import { runTopicTableService } from '../sinks/run-topic-table-service.js';

await runTopicTableService({
  topic: Topics.transcodeProgress,
  group: 'transcode-progress-sink',
  schema: TranscodeProgress,
  table: 'transcode_progress',
  healthPortVar: 'TRANSCODE_PROGRESS_PORT',
  toRow: (p) => ({
    event_id: p.eventId,
    tenant_id: p.tenantId,
    job_id: p.jobId,
    video_id: p.videoId,
    state: p.state,
    percent: p.percent,
    fps: p.fps ?? 0,
    speed: p.speed ?? 0,
    attempt: p.attempt ?? 1,
    error: p.error ?? '',
    event_time: toClickHouseTime(p.eventTime),
  }),
});
