/** Item heat on its own (own process and consumer group); `window-jobs/main.ts` runs it with the others. */
import { itemHeatJob } from '../definitions.js';
import { runWindowJob } from '../shared/run-window-job.js';

await runWindowJob(itemHeatJob);
