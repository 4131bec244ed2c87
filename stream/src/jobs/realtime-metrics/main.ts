/** Real-time metrics on their own (own process and consumer group); `window-jobs/main.ts` runs them with the others. */
import { realtimeMetricsJob } from '../definitions.js';
import { runWindowJob } from '../shared/run-window-job.js';

await runWindowJob(realtimeMetricsJob);
