/** Raw-events consumer: behaviour-events → ClickHouse events_raw (effectively once). */
import { BehaviourEvent, eventRawRow, Topics } from '@vidplat/contracts';
import { runTopicTableService } from '../sinks/run-topic-table-service.js';

export const RAW_EVENTS_GROUP = 'raw-events';

await runTopicTableService({
  topic: Topics.behaviourEvents,
  group: RAW_EVENTS_GROUP,
  schema: BehaviourEvent,
  table: 'events_raw',
  healthPortVar: 'METRICS_PORT',
  toRow: (e, partition, offset, now) => eventRawRow(e, partition, offset, now),
});
