/** Item heat job: 1-hour windows every 15 minutes → ClickHouse, item-stats-updates, hot lists in Redis. */
import { Topics } from '@vidplat/contracts';
import { FeatureSnapshotWriter } from '../../features/snapshot-writer.js';
import { runWindowJob } from '../shared/run-window-job.js';
import { ScenarioWeights } from '../shared/scenario-weights.js';
import { ItemHeatOutput } from './item-heat-output.js';
import { ITEM_HEAT_JOB, itemHeatAggregator, itemHeatSpec, type ItemHeatAcc } from './item-heat-window.js';

await runWindowJob<ItemHeatAcc>({
  job: ITEM_HEAT_JOB,
  portVar: 'ITEM_HEAT_PORT',
  outputTopic: Topics.itemStatsUpdates,
  build: ({ env, ch, producer, redis }) => {
    const weights = new ScenarioWeights(redis);
    return {
      spec: itemHeatSpec(env.WINDOW_OUT_OF_ORDERNESS_MS, env.WINDOW_ALLOWED_LATENESS_MS),
      aggregator: itemHeatAggregator((t, s) => weights.get(t, s)),
      output: new ItemHeatOutput(ch, producer, new FeatureSnapshotWriter(redis, ITEM_HEAT_JOB), env.HOT_LIST_SIZE),
    };
  },
});
