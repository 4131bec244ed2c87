/** Micro-benchmark of the per-event cost (contract parse, item-heat window fold) without Kafka or sinks. */
import { BehaviourEvent } from '@vidplat/contracts';
import { syntheticEvents } from '@vidplat/devstack/demo/synthetic-events';
import { PartitionWindows } from '../src/windows/partition-windows.js';
import { itemHeatAggregator, itemHeatSpec } from '../src/jobs/item-heat/item-heat-window.js';
import { DEFAULT_HEAT } from '../src/jobs/shared/scenario-weights.js';
const start = Date.UTC(2026, 10, 24, 8);
const raw = syntheticEvents({ tenants: ['a', 'b', 'c', 'd'], users: 20000, items: 5000, count: 200000, seed: 1, startMs: start });
const msgs = raw.map((e, i) => JSON.stringify({ ...e, eventTime: new Date(start + Math.floor(i / 20)).toISOString() }));
let t = performance.now();
const parsed = msgs.map((m) => BehaviourEvent.parse(JSON.parse(m)));
console.log('parse µs/event', ((performance.now() - t) * 1000 / msgs.length).toFixed(2));
const p = new PartitionWindows(0, itemHeatSpec(5000, 60000), itemHeatAggregator(() => DEFAULT_HEAT));
t = performance.now();
parsed.forEach((e, i) => { p.process(BigInt(i), e.eventId, Date.parse(e.eventTime), e); if (i % 2000 === 0) p.collect(); });
console.log('engine µs/event', ((performance.now() - t) * 1000 / msgs.length).toFixed(2), 'open', p.openWindows);
