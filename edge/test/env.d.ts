import type { D1Migration } from '@cloudflare/vitest-pool-workers';
import type { Bindings } from '../src/env.js';

declare global {
  namespace Cloudflare {
    interface Env extends Bindings {
      TEST_MIGRATIONS: D1Migration[];
      /** The YouTube / TikTok / Douyin API stand-in (tools/devstack/src/platform-apis.ts). */
      TEST_PLATFORM_APIS_URL: string;
    }
  }
}
