import { defineConfig } from 'vitest/config';

/**
 * One `vitest run` for the whole platform:
 * - unit: *.test.ts beside the code, in Node;
 * - edge: the Worker's tests inside workerd (@cloudflare/vitest-pool-workers);
 * - integration: <deployable>/test/ and test/, against the real broker, ClickHouse, Redis and
 *   `wrangler dev`, started once by the global setup (tools/devstack).
 */
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          environment: 'node',
          include: ['{contracts,stream,analytics,media-node,tools/devstack}/src/**/*.test.ts'],
        },
      },
      './edge/vitest.config.ts',
      {
        test: {
          name: 'integration',
          environment: 'node',
          include: ['test/**/*.test.ts', '{stream,analytics,media-node,tools/devstack}/test/**/*.test.ts'],
          globalSetup: ['./tools/devstack/src/vitest-global-setup.ts'],
          fileParallelism: false,
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
