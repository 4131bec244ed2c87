/**
 * Micro-benchmark of the per-event cost without Kafka or sinks: decode (JSON.parse + fast contract
 * check) and the fold of all three window jobs, as WindowedJob.handle does it, then firing every
 * window (collect); and item heat alone folded per window (the reference) and as panes (the job).
 * Run: npx tsx stream/scripts/fold-micro.ts
 */
import { syntheticEvents } from '@vidplat/devstack/demo/synthetic-events';
import { PanedPartitionWindows } from '../src/windows/pane-windows.js';
import { PartitionWindows, type PartitionState } from '../src/windows/partition-windows.js';
import { TenantPartitionWindows } from '../src/windows/tenant-windows.js';
import { decodeBehaviourEvent } from '../src/windows/event-decoder.js';
import { itemHeatAggregator, itemHeatPaneAggregator, itemHeatSpec } from '../src/jobs/item-heat/item-heat-window.js';
import { profileSpec, userProfileAggregator } from '../src/jobs/user-profiles/user-profile-window.js';
import { metricsAggregator, metricsSpec } from '../src/jobs/realtime-metrics/metrics-window.js';
import { DEFAULT_HEAT } from '../src/jobs/shared/scenario-weights.js';

const N = 200_000;
const start = Date.UTC(2026, 10, 24, 8);
const raw = syntheticEvents({ tenants: ['a', 'b', 'c', 'd'], users: 20_000, items: 5_000, count: N, seed: 1, startMs: start });
const msgs = raw.map((e, i) => Buffer.from(JSON.stringify({ ...e, eventTime: new Date(start + Math.floor(i / 20)).toISOString() })));
for (let round = 1; round <= 3; round++) {
  let t = performance.now();
  const decoded = msgs.map((m) => decodeBehaviourEvent(m.toString('utf8')));
  const decodeUs = ((performance.now() - t) * 1000) / N;
  const itemHeatPanes = () => new PanedPartitionWindows(0, itemHeatSpec(5000, 60_000), itemHeatPaneAggregator(() => DEFAULT_HEAT));
  const itemHeatWindows = () => new PartitionWindows(0, itemHeatSpec(5000, 60_000), itemHeatAggregator(() => DEFAULT_HEAT));
  const run = (lanes: PartitionState<never, unknown>[]) => {
    t = performance.now();
    for (let i = 0; i < N; i++) {
      const d = decoded[i]!;
      const offset = BigInt(i);
      for (const p of lanes) p.process(offset, d.event!.eventId, d.t!, d.event! as never, Number.MAX_SAFE_INTEGER);
    }
    const foldUs = ((performance.now() - t) * 1000) / N;
    const open = lanes.map((l) => l.openWindows).join('/');
    t = performance.now();
    let fired = 0;
    for (const p of lanes) {
      p.advanceTo(start + 86_400_000);
      fired += p.collect().length;
    }
    return `fold ${foldUs.toFixed(2)} µs/event, fire ${(performance.now() - t).toFixed(0)} ms (${fired} windows), open ${open}`;
  };
  const all = run([itemHeatPanes(), new PartitionWindows(0, profileSpec(5000, 60_000), userProfileAggregator), new PartitionWindows(0, metricsSpec(5000, 60_000), metricsAggregator)] as PartitionState<never, unknown>[]);
  // The same three jobs as the window engine runs them: watermarks per tenant within the partition.
  const perTenant = <A,>(make: () => PartitionState<never, A>) => new TenantPartitionWindows<never, A>(0, (e: { tenantId: string }) => e.tenantId, make as never);
  const allPerTenant = run([
    perTenant(itemHeatPanes as never),
    perTenant(() => new PartitionWindows(0, profileSpec(5000, 60_000), userProfileAggregator) as never),
    perTenant(() => new PartitionWindows(0, metricsSpec(5000, 60_000), metricsAggregator) as never),
  ] as PartitionState<never, unknown>[]);
  const perWindow = run([itemHeatWindows()] as PartitionState<never, unknown>[]);
  const panes = run([itemHeatPanes()] as PartitionState<never, unknown>[]);
  console.log(`round ${round}: decode ${decodeUs.toFixed(2)} µs/event; 3 jobs: ${all}; 3 jobs, per-tenant watermarks: ${allPerTenant}; item heat per window: ${perWindow}; item heat as panes: ${panes}`);
}
