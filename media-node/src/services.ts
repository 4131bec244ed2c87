import type { ServiceEntrypoint } from '@vidplat/node-runtime/service-entry';

/**
 * The media-node's long-running processes, as docker-compose.yml runs them:
 * - `media-node`: tus uploads and, with PLAYBACK_SIGNING_KEYS, the HLS origin (/hls/*) on MEDIA_PORT;
 * - `transcode-worker`: one consumer-group member (run several: compose replicas, or
 *   src/transcode/fleet.ts for N worker processes on one host).
 * Both call the edge's internal video API, so they need EDGE_URL, and the worker needs
 * EDGE_INTERNAL_TOKEN (the same secret the edge holds).
 */
export const mediaEdgeServices: ServiceEntrypoint[] = [
  { name: 'media-node', entry: 'media-node/src/uploads/main.ts', healthPortVar: 'MEDIA_PORT', healthPath: '/healthz' },
  { name: 'transcode-worker', entry: 'media-node/src/transcode/main.ts', healthPortVar: 'MEDIA_WORKER_PORT', healthPath: '/healthz' },
];

/** What the dev stack starts: it passes EDGE_URL and EDGE_INTERNAL_TOKEN up front. */
export const mediaServices: ServiceEntrypoint[] = mediaEdgeServices;
