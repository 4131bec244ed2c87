import { Topics } from '@vidplat/contracts';
import { FeatureSnapshotWriter } from '../features/snapshot-writer.js';
import { ItemHeatOutput } from './item-heat/item-heat-output.js';
import { ITEM_HEAT_JOB, itemHeatPaneAggregator, itemHeatSpec, type ItemHeatAcc } from './item-heat/item-heat-window.js';
import { MetricsOutput } from './realtime-metrics/metrics-output.js';
import { metricsAggregator, metricsSpec, REALTIME_METRICS_JOB, type MetricsAcc } from './realtime-metrics/metrics-window.js';
import type { WindowJobDefinition } from './shared/run-window-job.js';
import { ScenarioWeights } from './shared/scenario-weights.js';
import { UserProfileOutput } from './user-profiles/user-profile-output.js';
import { profileSpec, USER_PROFILES_JOB, userProfileAggregator, type UserProfileAcc } from './user-profiles/user-profile-window.js';

/** Item heat: 1-hour windows every 15 minutes → ClickHouse, item-stats-updates, hot lists in Redis. */
export const itemHeatJob: WindowJobDefinition<ItemHeatAcc> = {
  job: ITEM_HEAT_JOB,
  portVar: 'ITEM_HEAT_PORT',
  outputTopic: Topics.itemStatsUpdates,
  build: ({ env, ch, producer, redis }) => {
    const weights = new ScenarioWeights(redis);
    return {
      spec: itemHeatSpec(env.WINDOW_OUT_OF_ORDERNESS_MS, env.WINDOW_ALLOWED_LATENESS_MS),
      aggregator: itemHeatPaneAggregator((t, s) => weights.get(t, s)),
      output: new ItemHeatOutput(ch, producer, new FeatureSnapshotWriter(redis, ITEM_HEAT_JOB), env.HOT_LIST_SIZE),
      // Early hot lists from the open pane, so a spike shows within a minute instead of at the next 15-minute close.
      earlyEveryMs: env.ITEM_HEAT_EARLY_MS,
    };
  },
};

/** User profiles: 5-minute tumbling windows → ClickHouse, user-profile-updates, profile vectors in Redis. */
export const userProfilesJob: WindowJobDefinition<UserProfileAcc> = {
  job: USER_PROFILES_JOB,
  portVar: 'USER_PROFILES_PORT',
  outputTopic: Topics.userProfileUpdates,
  build: ({ env, ch, producer, redis }) => ({
    spec: profileSpec(env.WINDOW_OUT_OF_ORDERNESS_MS, env.WINDOW_ALLOWED_LATENESS_MS),
    aggregator: userProfileAggregator,
    output: new UserProfileOutput(ch, producer, redis, new FeatureSnapshotWriter(redis, USER_PROFILES_JOB)),
  }),
};

/** Real-time metrics: 1-minute tumbling windows → ClickHouse metrics_windows, recommendation-metrics. */
export const realtimeMetricsJob: WindowJobDefinition<MetricsAcc> = {
  job: REALTIME_METRICS_JOB,
  portVar: 'REALTIME_METRICS_PORT',
  outputTopic: Topics.recommendationMetrics,
  build: ({ env, ch, producer }) => ({
    spec: metricsSpec(env.WINDOW_OUT_OF_ORDERNESS_MS, env.WINDOW_ALLOWED_LATENESS_MS),
    aggregator: metricsAggregator,
    output: new MetricsOutput(ch, producer),
  }),
};

/** Name (and consumer-group suffix) of the process that runs all three on one consumer. */
export const WINDOW_JOBS = 'window-jobs';
