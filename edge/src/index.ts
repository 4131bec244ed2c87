import { app } from './app.js';
import type { Bindings } from './env.js';
export { Scheduler } from './scheduling/schedules/scheduler.js';
export { Broadcaster } from './scheduling/broadcaster/broadcaster.js';
export { RateLimiter } from './guardrails/rate-limiter.js';
export { Campaign } from './scheduling/campaigns/campaign.js';
export { Notifier } from './scheduling/notifier/notifier.js';

export default {
  fetch: app.fetch,
} satisfies ExportedHandler<Bindings>;
