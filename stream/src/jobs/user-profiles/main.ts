/** User profiles on their own (own process and consumer group); `window-jobs/main.ts` runs them with the others. */
import { userProfilesJob } from '../definitions.js';
import { runWindowJob } from '../shared/run-window-job.js';

await runWindowJob(userProfilesJob);
