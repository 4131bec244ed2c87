/**
 * Experiment for "fold on worker threads": the benchmark's 200k events, split by partition (4) across
 * W worker threads, each decoding and folding all three window jobs for its partitions and firing
 * everything at the end; the main thread only hands over one transferable buffer per partition (the
 * way a consumer would hand over its batches). Compares with the same work on the main thread.
 * No Kafka, no ClickHouse: an upper bound of what the second core gives the fold.
 * Run: npx tsx stream/scripts/fold-workers-micro.ts [workers=2]
 */
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { syntheticEvents } from '@vidplat/devstack/demo/synthetic-events';
import { behaviourEventKey } from '@vidplat/contracts';
import { PanedPartitionWindows } from '../src/windows/pane-windows.js';
import { PartitionWindows } from '../src/windows/partition-windows.js';
import { decodeBehaviourEvent } from '../src/windows/event-decoder.js';
import { itemHeatPaneAggregator, itemHeatSpec } from '../src/jobs/item-heat/item-heat-window.js';
import { profileSpec, userProfileAggregator } from '../src/jobs/user-profiles/user-profile-window.js';
import { metricsAggregator, metricsSpec } from '../src/jobs/realtime-metrics/metrics-window.js';
import { DEFAULT_HEAT } from '../src/jobs/shared/scenario-weights.js';

interface Packed {
  partition: number;
  bytes: ArrayBuffer;
  ends: Uint32Array;
}

/** Decodes and folds one partition's messages into three fresh lanes; returns the fired window count. */
function fold(p: Packed): number {
  const lanes = [
    new PanedPartitionWindows(p.partition, itemHeatSpec(5000, 60_000), itemHeatPaneAggregator(() => DEFAULT_HEAT)),
    new PartitionWindows(p.partition, profileSpec(5000, 60_000), userProfileAggregator),
    new PartitionWindows(p.partition, metricsSpec(5000, 60_000), metricsAggregator),
  ];
  const buf = Buffer.from(p.bytes);
  let from = 0;
  for (let i = 0; i < p.ends.length; i++) {
    const d = decodeBehaviourEvent(buf.toString('utf8', from, p.ends[i]));
    from = p.ends[i]!;
    const offset = BigInt(i);
    for (const l of lanes) l.process(offset, d.event!.eventId, d.t!, d.event!);
  }
  let fired = 0;
  for (const l of lanes) {
    l.advanceTo(Number.MAX_SAFE_INTEGER / 2);
    fired += l.collect().length;
  }
  return fired;
}

if (!isMainThread) {
  parentPort!.on('message', (parts: Packed[]) => parentPort!.postMessage(parts.reduce((n, p) => n + fold(p), 0)));
} else {
  const W = Number(process.argv[2] ?? 2);
  const N = 200_000;
  const start = Date.UTC(2026, 10, 24, 8);
  const raw = syntheticEvents({ tenants: ['bench-vlog', 'bench-news', 'bench-shop', 'bench-music'], users: 20_000, items: 5_000, count: N, seed: 4242, startMs: start });
  const byPartition: Buffer[][] = [[], [], [], []];
  raw.forEach((e, i) => {
    // Any stable split by key will do for the experiment (the broker's murmur2 spreads like this).
    const k = behaviourEventKey(e.tenantId, e.userId);
    let h = 0;
    for (let j = 0; j < k.length; j++) h = (h * 31 + k.charCodeAt(j)) | 0;
    byPartition[Math.abs(h) % 4]!.push(Buffer.from(JSON.stringify({ ...e, eventTime: new Date(start + Math.floor(i / 20)).toISOString() })));
  });
  const pack = (partition: number): Packed => {
    const msgs = byPartition[partition]!;
    const ends = new Uint32Array(msgs.length);
    let n = 0;
    msgs.forEach((m, i) => (ends[i] = n += m.length));
    const bytes = new ArrayBuffer(n);
    const view = Buffer.from(bytes);
    let at = 0;
    for (const m of msgs) at += m.copy(view, at);
    return { partition, bytes, ends };
  };
  const workers = Array.from({ length: W }, () => new Worker(`import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((m) => { m.register(); return import(${JSON.stringify(import.meta.url)}); });`, { eval: true }));
  for (let round = 1; round <= 3; round++) {
    let t = performance.now();
    let fired = 0;
    for (let p = 0; p < 4; p++) fired += fold(pack(p));
    const single = performance.now() - t;
    t = performance.now();
    const results = await Promise.all(
      workers.map((w, i) => {
        const parts = [0, 1, 2, 3].filter((p) => p % W === i).map(pack);
        return new Promise<number>((resolve) => {
          w.once('message', resolve);
          w.postMessage(parts, parts.map((p) => p.bytes));
        });
      }),
    );
    const multi = performance.now() - t;
    const firedW = results.reduce((a, b) => a + b, 0);
    console.log(`round ${round}: main thread ${single.toFixed(0)} ms (${Math.round(N / (single / 1000))}/s, ${fired} windows); ${W} workers ${multi.toFixed(0)} ms (${Math.round(N / (multi / 1000))}/s, ${firedW} windows)`);
  }
  await Promise.all(workers.map((w) => w.terminate()));
}
