import type { ServiceEntrypoint } from '@vidplat/node-runtime/service-entry';

export type { ServiceEntrypoint };

/**
 * The stream tier's long-running processes. The dev stack (npm start, integration tests) starts
 * each of them with the shared environment; docker-compose.yml runs the same entry points.
 */
export const streamServices: ServiceEntrypoint[] = [
  { name: 'stream-ingest', entry: 'stream/src/ingest/main.ts', healthPortVar: 'INGEST_PORT', healthPath: '/healthz' },
  { name: 'stream-raw-events', entry: 'stream/src/raw-events/main.ts', healthPortVar: 'METRICS_PORT', healthPath: '/' },
  { name: 'stream-transcode-progress', entry: 'stream/src/transcode-progress/main.ts', healthPortVar: 'TRANSCODE_PROGRESS_PORT', healthPath: '/' },
  // Item heat, user profiles and real-time metrics on one consumer group: each event is read and
  // parsed once (the per-job entry points under src/jobs/<job>/main.ts still run one job alone).
  { name: 'stream-window-jobs', entry: 'stream/src/jobs/window-jobs/main.ts', healthPortVar: 'WINDOW_JOBS_PORT', healthPath: '/healthz' },
];
