/**
 * The three window jobs in one process on one consumer group (`<prefix>window-jobs`): each event is
 * read and parsed once and folded into item heat, user profiles and real-time metrics; offsets are
 * committed only after all three have written what fired. This is what the dev stack and compose run.
 */
import { itemHeatJob, realtimeMetricsJob, userProfilesJob, WINDOW_JOBS } from '../definitions.js';
import { runWindowJobs } from '../shared/run-window-job.js';

await runWindowJobs(WINDOW_JOBS, 'WINDOW_JOBS_PORT', [itemHeatJob, userProfilesJob, realtimeMetricsJob]);
