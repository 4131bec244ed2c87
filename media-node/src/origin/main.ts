/** Standalone HLS origin on MEDIA_ORIGIN_PORT (its /healthz on the same port), reading MEDIA_OUTPUT_STORE. */
import { MediaOriginEnv, parseEnv, parseSigningKeys } from '@vidplat/contracts';
import { log } from '../ops/log.js';
import { outputStoreFromEnv } from '../storage/from-env.js';
import { createHlsOrigin } from './hls-origin.js';

const env = parseEnv(MediaOriginEnv, process.env);
const { keys } = parseSigningKeys(env.PLAYBACK_SIGNING_KEYS);
const server = createHlsOrigin({ store: outputStoreFromEnv(env), keys });
server.listen(env.MEDIA_ORIGIN_PORT, '127.0.0.1', () => log.info('HLS origin listening', { port: env.MEDIA_ORIGIN_PORT, keys: Object.keys(keys).length }));
const shutdown = () => {
  server.close();
  process.exit(0);
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
