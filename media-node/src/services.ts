import type { ServiceEntrypoint } from '@vidplat/stream/services';

/** The local HLS origin: needs only PLAYBACK_SIGNING_KEYS and MEDIA_OUTPUT_DIR. */
const origin: ServiceEntrypoint = { name: 'media-origin', entry: 'media-node/src/origin/main.ts', healthPortVar: 'MEDIA_ORIGIN_PORT', healthPath: '/healthz' };

/**
 * The upload server and the transcode fleet (MEDIA_TRANSCODE_WORKERS worker processes, one
 * consumer group) call the edge's internal video API, so they need EDGE_URL (upload, fleet) and
 * EDGE_INTERNAL_TOKEN (fleet; the edge must hold the same secret) in their environment.
 */
export const mediaEdgeServices: ServiceEntrypoint[] = [
  { name: 'media-upload', entry: 'media-node/src/uploads/main.ts', healthPortVar: 'MEDIA_PORT', healthPath: '/healthz' },
  { name: 'media-transcode-fleet', entry: 'media-node/src/transcode/fleet.ts', healthPortVar: 'MEDIA_FLEET_PORT', healthPath: '/healthz' },
];

/**
 * media-node processes the dev stack starts. The dev stack sets EDGE_URL only after its services
 * are up and has no EDGE_INTERNAL_TOKEN yet, so the edge-dependent services are listed separately
 * (mediaEdgeServices) until it passes both; starting them without would fail their config check.
 */
export const mediaServices: ServiceEntrypoint[] = [origin];
