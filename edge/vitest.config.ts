import { cloudflareTest } from '@cloudflare/vitest-pool-workers';
import { defineProject } from 'vitest/config';

/** Edge tests run inside workerd with the bindings of the root wrangler.toml. */
export default defineProject({
  plugins: [
    cloudflareTest({
      wrangler: { configPath: '../wrangler.toml' },
      miniflare: {
        bindings: {
          // Nothing listens here: tests of the unavailable path rely on that.
          INGEST_URL: 'http://127.0.0.1:9',
          INGEST_TOKEN: 'edge-test-ingest-token-0123456789',
          UPSTASH_REDIS_REST_URL: 'http://127.0.0.1:9',
          UPSTASH_REDIS_REST_TOKEN: 'edge-test-token',
          INGEST_TIMEOUT_MS: '300',
        },
      },
    }),
  ],
  test: { name: 'edge', include: ['src/**/*.test.ts', 'test/**/*.test.ts'] },
});
