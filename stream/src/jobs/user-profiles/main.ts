/** User profiles job: 5-minute tumbling windows → ClickHouse, user-profile-updates, profile vectors in Redis. */
import { Topics } from '@vidplat/contracts';
import { FeatureSnapshotWriter } from '../../features/snapshot-writer.js';
import { runWindowJob } from '../shared/run-window-job.js';
import { UserProfileOutput } from './user-profile-output.js';
import { profileSpec, USER_PROFILES_JOB, userProfileAggregator, type UserProfileAcc } from './user-profile-window.js';

await runWindowJob<UserProfileAcc>({
  job: USER_PROFILES_JOB,
  portVar: 'USER_PROFILES_PORT',
  outputTopic: Topics.userProfileUpdates,
  build: ({ env, ch, producer, redis }) => ({
    spec: profileSpec(env.WINDOW_OUT_OF_ORDERNESS_MS, env.WINDOW_ALLOWED_LATENESS_MS),
    aggregator: userProfileAggregator,
    output: new UserProfileOutput(ch, producer, redis, new FeatureSnapshotWriter(redis, USER_PROFILES_JOB)),
  }),
});
