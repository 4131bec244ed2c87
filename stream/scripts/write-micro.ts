/**
 * Micro-benchmark of a window close's write-path CPU without a broker or ClickHouse: the rows and
 * `*-updates` messages one process builds when half the bench's events (two partitions' worth)
 * close at once — RowBinary for the three tables and the update message bodies, as the outputs
 * build them. Run: npx tsx stream/scripts/write-micro.ts
 */
import { syntheticEvents } from '@vidplat/devstack/demo/synthetic-events';
import { PanedPartitionWindows } from '../src/windows/pane-windows.js';
import { PartitionWindows, type FiredWindow } from '../src/windows/partition-windows.js';
import { decodeBehaviourEvent } from '../src/windows/event-decoder.js';
import { itemHeatPaneAggregator, itemHeatSpec, type ItemHeatAcc } from '../src/jobs/item-heat/item-heat-window.js';
import { profileSpec, userProfileAggregator, type UserProfileAcc } from '../src/jobs/user-profiles/user-profile-window.js';
import { metricsAggregator, metricsSpec, type MetricsAcc } from '../src/jobs/realtime-metrics/metrics-window.js';
import { DEFAULT_HEAT } from '../src/jobs/shared/scenario-weights.js';
import { ITEM_HEAT_PANE_COLUMNS, itemHeatPaneRowBinary, itemStatsChunks, paneRows } from '../src/jobs/item-heat/item-heat-output.js';
import { METRICS_COLUMNS, metricsRowBinary, recommendationMetricChunks } from '../src/jobs/realtime-metrics/metrics-output.js';
import { USER_PROFILE_COLUMNS, userProfileRowBinary, userProfileUpdateBodies } from '../src/jobs/user-profiles/user-profile-output.js';
import { buildChunks } from '../src/sinks/update-chunks.js';
import { RowBinaryWriter } from '../src/windows/row-binary.js';

const start = Date.UTC(2026, 10, 24, 8);
const all = syntheticEvents({ tenants: ['a', 'b', 'c', 'd'], users: 20_000, items: 5_000, count: 200_000, seed: 1, startMs: start });
// Events are keyed by tenant:user, so a process owning two of four partitions sees half the users.
const partitionOf = (key: string) => {
  let h = 0;
  for (let i = 0; i < key.length; i++) h = (h * 31 + key.charCodeAt(i)) | 0;
  return Math.abs(h) % 4;
};
const raw = all.map((e, i) => ({ e, i, p: partitionOf(`${e.tenantId}:${e.userId}`) })).filter((x) => x.p < 2);
const N = raw.length;
const decoded = raw.map(({ e, i }) => decodeBehaviourEvent(JSON.stringify({ ...e, eventTime: new Date(start + Math.floor(i / 20)).toISOString() })));
const far = decodeBehaviourEvent(JSON.stringify({ ...all[0]!, tenantId: 'flush', eventTime: new Date(start + 86_400_000).toISOString() }));

function close() {
  const parts = [0, 1].map((p) => [
    new PanedPartitionWindows(p, itemHeatSpec(5000, 60_000), itemHeatPaneAggregator(() => DEFAULT_HEAT)),
    new PartitionWindows(p, profileSpec(5000, 60_000), userProfileAggregator),
    new PartitionWindows(p, metricsSpec(5000, 60_000), metricsAggregator),
  ] as const);
  for (let i = 0; i < N; i++) for (const p of parts[raw[i]!.p]!) p.process(BigInt(i), decoded[i]!.event!.eventId, decoded[i]!.t!, decoded[i]!.event!);
  for (const lanes of parts) for (const p of lanes) p.process(BigInt(N), far.event!.eventId, far.t!, far.event!);
  return {
    heat: parts.flatMap((l) => l[0].collect()) as FiredWindow<ItemHeatAcc>[],
    profiles: parts.flatMap((l) => l[1].collect()) as FiredWindow<UserProfileAcc>[],
    metrics: parts.flatMap((l) => l[2].collect()) as FiredWindow<MetricsAcc>[],
  };
}

const encode = <T>(rows: readonly T[], f: (w: RowBinaryWriter, r: T) => void) => {
  const w = new RowBinaryWriter(rows.length * 96);
  for (const r of rows) f(w, r);
  return w.length;
};
for (let round = 1; round <= 5; round++) {
  const { heat, profiles, metrics } = close();
  const now = Date.now();
  const t: number[] = [performance.now()];
  const lap = () => t.push(performance.now());
  encode(paneRows(heat), (w, r) => itemHeatPaneRowBinary(w, r, now)); lap();
  const heatMsgs = buildChunks(heat, itemStatsChunks); lap();
  encode(metrics, (w, r) => metricsRowBinary(w, r, now)); lap();
  const metricMsgs = buildChunks(metrics, recommendationMetricChunks); lap();
  encode(profiles, (w, r) => userProfileRowBinary(w, r, undefined, now)); lap();
  const profileMsgs = userProfileUpdateBodies(profiles, new Map()); lap();
  const ms = t.slice(1).map((x, i) => (x - t[i]!).toFixed(0));
  console.log(`round ${round}: ${heat.length}/${profiles.length}/${metrics.length} windows; ms: heat rows ${ms[0]}, heat updates ${ms[1]}, metric rows ${ms[2]}, metric updates ${ms[3]}, profile rows ${ms[4]}, profile updates ${ms[5]}; total ${(t[t.length - 1]! - t[0]!).toFixed(0)} ms (${heatMsgs.length + metricMsgs.length + profileMsgs.length} messages)`);
}
