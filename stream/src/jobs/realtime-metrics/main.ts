/** Real-time metrics job: 1-minute tumbling windows → ClickHouse metrics_windows, recommendation-metrics. */
import { Topics } from '@vidplat/contracts';
import { runWindowJob } from '../shared/run-window-job.js';
import { MetricsOutput } from './metrics-output.js';
import { metricsAggregator, metricsSpec, REALTIME_METRICS_JOB, type MetricsAcc } from './metrics-window.js';

await runWindowJob<MetricsAcc>({
  job: REALTIME_METRICS_JOB,
  portVar: 'REALTIME_METRICS_PORT',
  outputTopic: Topics.recommendationMetrics,
  build: ({ env, ch, producer }) => ({
    spec: metricsSpec(env.WINDOW_OUT_OF_ORDERNESS_MS, env.WINDOW_ALLOWED_LATENESS_MS),
    aggregator: metricsAggregator,
    output: new MetricsOutput(ch, producer),
  }),
});
