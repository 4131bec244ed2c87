import { cloudflareTest, readD1Migrations } from '@cloudflare/vitest-pool-workers';
import { fileURLToPath } from 'node:url';
import { defineProject } from 'vitest/config';
// @ts-expect-error plain JS module (Node side of the tests), no type declarations
import { startHttpSink } from './src/scheduling/testing/http-sink.mjs';
// @ts-expect-error plain JS module (build script), no type declarations
import { buildAdminClient } from './src/admin/client/build.mjs';

// The Worker imports the admin page's browser bundle; wrangler builds it ([build] in
// wrangler.toml), these tests bundle the Worker without wrangler, so build it here.
await buildAdminClient();

import { startPlatformApis, type PlatformApis } from '../tools/devstack/src/platform-apis.js';

// A real HTTP receiver on loopback for scheduling tests (webhook targets, messaging API).
let sink: Promise<{ url: string }> | undefined;
// The YouTube / TikTok / Douyin statistics API stand-in (tools/devstack) for the broadcaster's fetchers.
let platformApis: Promise<PlatformApis> | undefined;

/** Edge tests run inside workerd with the bindings of the root wrangler.toml. */
export default defineProject({
  plugins: [
    cloudflareTest(async () => {
      const sinkUrl = (await (sink ??= startHttpSink())).url;
      const apis = await (platformApis ??= startPlatformApis());
      return {
      wrangler: { configPath: '../wrangler.toml' },
      // The production Worker plus a check of every answer against the OpenAPI document.
      main: fileURLToPath(new URL('./test/conformance-worker.ts', import.meta.url)),
      miniflare: {
        // The production media origin route reads HLS files from R2 (catalogue play tests).
        r2Buckets: ['MEDIA'],
        bindings: {
          // Nothing listens here: tests of the unavailable path rely on that.
          INGEST_URL: 'http://127.0.0.1:9',
          INGEST_TOKEN: 'edge-test-ingest-token-0123456789',
          UPSTASH_REDIS_REST_URL: 'http://127.0.0.1:9',
          UPSTASH_REDIS_REST_TOKEN: 'edge-test-token',
          INGEST_TIMEOUT_MS: '300',
          ADMIN_API_KEY: 'vp_platform_test-platform-key-0123456789',
          PLAYBACK_SIGNING_KEYS: JSON.stringify({ kt1: 'edge-test-signing-key-0123456789abcdef' }),
          EDGE_INTERNAL_TOKEN: 'edge-test-internal-token-0123456789',
          MEDIA_ORIGIN_URL: 'http://media.test:8790',
          TEST_MIGRATIONS: await readD1Migrations(fileURLToPath(new URL('./migrations', import.meta.url))),
          // Scheduling: campaigns and broadcaster webhooks go to the loopback sink above.
          TEST_SINK_URL: sinkUrl,
          MESSAGING_API_URL: `${sinkUrl}/msg/edge`,
          MESSAGING_API_TOKEN: 'edge-test-messaging-token',
          // Tests move the clock themselves; a real retry must not fire on its own meanwhile.
          CAMPAIGN_RETRY_BASE_MS: '60000',
          BROADCAST_WEBHOOK_SECRETS: JSON.stringify({ main: 'edge-test-webhook-secret-0123456789' }),
          // Live statistics: the stand-in's URLs and keys; tests steer it through TEST_PLATFORM_APIS_URL/_control.
          ...apis.env,
          TEST_PLATFORM_APIS_URL: apis.url,
          // Retries stay bounded and quick in tests (the backoff is still exercised).
          STATS_FETCH_TIMEOUT_MS: '1500',
          STATS_FETCH_RETRY_BASE_MS: '20',
        },
      },
      };
    }),
  ],
  test: { name: 'edge', include: ['src/**/*.test.ts', 'test/**/*.test.ts'], setupFiles: ['./test/apply-migrations.ts'] },
});
