import type { ServiceEntrypoint } from '@vidplat/stream/services';

/** media-node processes the dev stack starts (upload server, transcode workers). */
export const mediaServices: ServiceEntrypoint[] = [];
