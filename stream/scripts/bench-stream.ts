/**
 * npm run bench:stream — end-to-end throughput of the three window jobs against the raw drain rate
 * of a bare consumer, both over the same topic in the same run, on the real local stack.
 *
 * 1. starts Kafka (mock cluster), ClickHouse and Redis in .run/bench-stream;
 * 2. produces BENCH_EVENTS synthetic events (default 200,000; + one watermark-flush event per tenant on each partition);
 * 3. raw drain: a bare consumer reads them all (first → last message);
 * 4. end to end: the window-jobs process (item heat, user profiles and real-time metrics on one
 *    consumer group, as deployed) — or with BENCH_SEPARATE=1 the three jobs as their own processes
 *    and groups; done when the committed offsets reach the end of every partition — offsets are
 *    committed only after every job's window rows are in ClickHouse, so that is "committed in ClickHouse".
 * 5. by default the end-to-end run twice, each a fresh consumer group over emptied tables: one
 *    process, then as many processes as cores in one group (the scale-out path; BENCH_REPLICAS=n
 *    runs only n).
 * Steps 2–5 run once per workload (BENCH_WORKLOADS, default dense then sparse; see Workload), each
 * with its own topic and empty window tables.
 * Last line: {"bench":"stream","workload":"dense","events":N,"events_per_s":X,"raw_drain_per_s":Y,"ratio":X/Y,
 *   "windows":W,"events_per_window","processes":P,"single_process_events_per_s","single_process_ratio",
 *   "sparse":{…the same figures}} — X for P processes.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { behaviourEventKey, uuidv7, type BehaviourEvent } from '@vidplat/contracts';
import { syntheticEvents } from '@vidplat/devstack/demo/synthetic-events';
import { REPO_ROOT, startStack } from '@vidplat/devstack/stack';
import { freePort } from '@vidplat/devstack/process';
import { createKafka, createProducer, ensureTopics, kafkaSettingsFromEnv } from '../src/kafka/client.js';
import { WINDOW_CONSUMER_BATCH } from '../src/windows/windowed-job.js';

const N = Number(process.env.BENCH_EVENTS ?? 200_000);
const TENANTS = ['bench-vlog', 'bench-news', 'bench-shop', 'bench-music'];
/**
 * Key density. dense (first, the last line's figures): 1,000 users and 500 items per tenant, so an
 * active user makes tens of events per 5-minute window and the popular items collect thousands per
 * window, as production sessions do; sparse: 20,000 users and 5,000 items per tenant (~2.5 events
 * per user window: mostly window writes), the workload of earlier runs. BENCH_WORKLOADS=dense or
 * =sparse runs one.
 */
interface Workload {
  name: 'dense' | 'sparse';
  users: number;
  items: number;
}
/** A workload's figures (the runs with the most processes; single_process_* beside them). */
interface WorkloadResult {
  events: number;
  events_per_s: number;
  raw_drain_per_s: number;
  ratio: number;
  windows: number;
  events_per_window: number;
  processes: number;
  single_process_events_per_s?: number;
  single_process_ratio?: number;
}
const ALL_WORKLOADS: Workload[] = [
  { name: 'dense', users: 1_000, items: 500 },
  { name: 'sparse', users: 20_000, items: 5_000 },
];
const WORKLOADS = ALL_WORKLOADS.filter((w) => (process.env.BENCH_WORKLOADS ?? 'dense,sparse').split(',').includes(w.name));
if (!WORKLOADS.length) throw new Error('BENCH_WORKLOADS: dense and/or sparse');
const say = (s: string) => process.stderr.write(`[bench:stream] ${s}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

// A fresh run dir: the broker's address is read from its log, which must not hold an old one.
const runDir = join(REPO_ROOT, '.run', 'bench-stream');
rmSync(runDir, { recursive: true, force: true });
const stack = await startStack({ runDir, services: false, log: say });
const children: ChildProcess[] = [];
process.on('exit', () => children.forEach((c) => c.exitCode === null && c.kill('SIGKILL')));
for (const sig of ['SIGINT', 'SIGTERM'] as const) process.on(sig, () => void stack.stop().finally(() => process.exit(130)));
try {
  const env = stack.env;
  const settings = kafkaSettingsFromEnv(env);
  const kafka = createKafka(settings);
  /** One workload end to end: its own topic, raw drain and window-jobs runs over empty tables. */
  async function measure(w: Workload): Promise<WorkloadResult> {
    const run = `${Date.now().toString(36)}-${w.name}`;
    const topic = `bench-${run}`;
    await ensureTopics(kafka, settings, [topic]);

    // Event time advances as on a platform taking BENCH_EVENT_RATE events per second (default
    // 20,000): windows hold many events each, as they would at the target throughput.
    const rate = Number(process.env.BENCH_EVENT_RATE ?? 20_000);
    const start = Date.UTC(2026, 10, 24, 8);
    const raw = syntheticEvents({ tenants: TENANTS, users: w.users, items: w.items, count: N, seed: 4242, startMs: start });
    const values = raw.map((e, i) => ({
      key: behaviourEventKey(e.tenantId, e.userId),
      value: JSON.stringify({ ...e, eventTime: new Date(start + Math.floor((i * 1000) / rate)).toISOString() }),
    }));
    const last = raw[raw.length - 1]!;
    // Watermarks are kept per tenant within a partition (stream/src/windows/tenant-windows.ts), so
    // closing every window takes one later event of each tenant on each partition: a tenant's
    // windows close on its own clock (or the idle timeout), never on another tenant's event.
    const flush = Array.from({ length: settings.partitions }, (_, p) =>
      TENANTS.map((tenantId) => ({
        key: `${tenantId}:bench-flush`,
        partition: p,
        value: JSON.stringify({ ...last, tenantId, userId: 'bench-flush', eventId: uuidv7(), eventTime: new Date(start + 86_400_000 + Math.floor((N * 1000) / rate)).toISOString() } satisfies BehaviourEvent),
      })),
    ).flat();
    const producer = createProducer(kafka, { deliveryTimeoutMs: 60_000 });
    await producer.connect();
    const p0 = performance.now();
    // At most 50k messages in flight: the client's queue holds 100k, and a slow broker fills it.
    for (let i = 0; i < values.length; i += 50_000) {
      const sends: Promise<unknown>[] = [];
      for (let j = i; j < Math.min(i + 50_000, values.length); j += 10_000) sends.push(producer.send({ topic, messages: values.slice(j, Math.min(j + 10_000, i + 50_000)) }));
      await Promise.all(sends);
    }
    await producer.send({ topic, messages: flush });
    const produceS = (performance.now() - p0) / 1000;
    await producer.disconnect();
    const total = N + flush.length;
    say(`produced ${total} events in ${produceS.toFixed(2)} s (${Math.round(total / produceS)}/s)`);

    // Raw drain: a bare consumer with the window jobs' consumer settings, no parsing, no sinks.
    // Both sides are timed from their partition assignment (fetching starts there) to the end:
    // timing from the first handed-over batch would leave out what the client fetched before it.
    let assignedAt = 0;
    const bare = kafka.consumer({
      'js.consumer.max.batch.size': WINDOW_CONSUMER_BATCH,
      rebalance_cb: (err: { code: number }) => {
        if (err.code !== -174 && !assignedAt) assignedAt = performance.now();
      },
      kafkaJS: { groupId: `bench-raw-${run}`, fromBeginning: true, autoCommit: false } } as Parameters<typeof kafka.consumer>[0]);
    await bare.connect();
    await bare.subscribe({ topics: [topic] });
    let seen = 0;
    let first = 0;
    let lastAt = 0;
    const ends = new Map<number, string>();
    void bare.run({
      eachBatch: async ({ batch }) => {
        if (!first) first = performance.now();
        seen += batch.messages.length;
        ends.set(batch.partition, (BigInt(batch.messages[batch.messages.length - 1]!.offset) + 1n).toString());
        lastAt = performance.now();
      },
    });
    const drainDeadline = Date.now() + 300_000;
    while (seen < total && Date.now() < drainDeadline) await sleep(20);
    await bare.disconnect();
    if (seen < total) throw new Error(`raw drain read ${seen}/${total}`);
    const rawPerS = total / ((lastAt - assignedAt) / 1000);
    say(`raw drain ${Math.round(rawPerS)}/s over ${((lastAt - assignedAt) / 1000).toFixed(2)} s from assignment (first batch after ${((first - assignedAt) / 1000).toFixed(2)} s)`);

    // End to end: the three jobs on one consumer group (as deployed), or each its own process and group.
    // BENCH_REPLICAS=n runs n window-jobs processes in that one group (the scale-out path: the group
    // splits the partitions; the rebalance as the second joins is part of the measured time).
    // Default: one process, then as many replicas as cores (the scale-out path: the group splits
    // the partitions; the rebalance as the second joins is part of the measured time), each a fresh
    // consumer group reading the whole topic; BENCH_REPLICAS=n measures n processes only.
    let attempt = 0; // each measurement is a fresh consumer group (no committed offsets)
    async function endToEnd(replicas: number): Promise<{ rate: number; reread: number; windows: number }> {
      const groupPrefix = `bench-${run}-r${replicas}-${++attempt}-`;
      const jobs = process.env.BENCH_SEPARATE === '1'
        ? ([
            ['item-heat', 'stream/src/jobs/item-heat/main.ts', 'ITEM_HEAT_PORT'],
            ['user-profiles', 'stream/src/jobs/user-profiles/main.ts', 'USER_PROFILES_PORT'],
            ['realtime-metrics', 'stream/src/jobs/realtime-metrics/main.ts', 'REALTIME_METRICS_PORT'],
          ] as const)
        : Array.from({ length: replicas }, (_, r) => [replicas > 1 ? `window-jobs#${r + 1}` : 'window-jobs', 'stream/src/jobs/window-jobs/main.ts', 'WINDOW_JOBS_PORT'] as const);
      const nodeArgs = (process.env.BENCH_JOB_NODE_ARGS ?? '').split(' ').filter(Boolean); // e.g. --cpu-prof
      const ports: number[] = [];
      for (const [name, entry, portVar] of jobs) {
        const port = await freePort();
        ports.push(port);
        const child = spawn(process.execPath, [...nodeArgs, '--import', 'tsx', join(REPO_ROOT, entry)], {
          cwd: REPO_ROOT,
          env: { ...process.env, ...env, INGEST_TOKEN: env.INGEST_TOKEN!, STREAM_INPUT_TOPIC: topic, STREAM_GROUP_PREFIX: groupPrefix, [portVar]: String(port), LOG_LEVEL: 'warn' },
          stdio: ['ignore', 'ignore', 'inherit'],
        });
        children.push(child);
        say(`started ${name} (pid ${child.pid})`);
      }
      type Health = { ok: boolean; assignedAt: number; firstReadAt: number; read: number; windowsWritten: number; job: string; committed: Record<string, string>; lanes?: Record<string, { windowsWritten: number }> };
      const health = async (port: number): Promise<Health | null> => {
        try {
          return (await (await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2000) })).json()) as Health;
        } catch {
          return null; // still starting
        }
      };
      const done = new Map<string, number>();
      const deadline = Date.now() + Number(process.env.BENCH_TIMEOUT_MS ?? 300_000);
      // Each partition ends with its flush events (one per tenant), whose own (far-future) windows
      // stay open by design: the committed checkpoint reaching the first of them means every real
      // event's windows are written.
      const reached = (committed: Record<string, string>[]) =>
        [...ends].every(([p, end]) => committed.some((c) => BigInt(c[p] ?? '-1') >= BigInt(end) - BigInt(TENANTS.length)));
      if (replicas > 1) {
        // One group: done when, per partition, some replica committed its end (an owner commits after its writes).
        while (done.size === 0 && Date.now() < deadline) {
          const hs = await Promise.all(ports.map(health));
          if (hs.every((h) => h?.ok) && reached(hs.map((h) => h!.committed))) {
            done.set('window-jobs', Date.now());
            say(`${replicas} window-jobs replicas committed everything`);
          }
          await sleep(25);
        }
        if (done.size === 0) throw new Error('window-jobs replicas did not finish');
      }
      while (replicas === 1 && done.size < jobs.length && Date.now() < deadline) {
        for (const [i, [name]] of jobs.entries()) {
          if (done.has(name)) continue;
          const h = await health(ports[i]!);
          if (h?.ok && reached([h.committed])) {
            done.set(name, Date.now());
            say(`${name} committed everything`);
          }
        }
        await sleep(25);
      }
      if (replicas === 1 && done.size < jobs.length) throw new Error(`jobs did not finish: ${jobs.map(([n]) => n).filter((n) => !done.has(n)).join(', ')}`);
      const stats = (await Promise.all(ports.map(health))).filter((h): h is Health => h?.ok === true);
      for (const [i, s] of stats.entries()) {
        const text = await (await fetch(`http://127.0.0.1:${ports[i]}/metrics`)).text();
        const phases = text
          .split('\n')
          .filter((l) => l.startsWith('stream_flush_phase_seconds_total{'))
          .map((l) => `${/job="([^"]+)"/.exec(l)?.[1]}/${/phase="([^"]+)"/.exec(l)?.[1]} ${Number(l.split(' ').pop()).toFixed(2)}s`);
        const lanes = Object.entries(s.lanes ?? {}).map(([job, l]) => `${job} ${l.windowsWritten}`).join(', ');
        // The process's CPU seconds so far (start-up included): a comparison that holds better than
        // wall-clock time when other work shares the cores.
        const cpu = Number(/^process_cpu_seconds_total(?:\{[^}]*\})? (\S+)$/m.exec(text)?.[1] ?? NaN);
        say(`${s.job}: read ${s.read}, windows written ${s.windowsWritten} (${lanes}); process CPU ${cpu.toFixed(2)} s; time in ${phases.join(', ')}`);
      }
      const t0 = Math.min(...stats.map((s) => s.assignedAt).filter((t) => t > 0));
      const t1 = Math.max(...done.values());
      const e2ePerS = total / ((t1 - t0) / 1000);
      say(`end to end (${replicas} process${replicas > 1 ? 'es' : ''}) ${Math.round(e2ePerS)}/s over ${((t1 - t0) / 1000).toFixed(2)} s from assignment (first batch after ${((Math.min(...stats.map((s) => s.firstReadAt).filter((t) => t > 0)) - t0) / 1000).toFixed(2)} s)`);
      // Stop this run's processes before the next one (a --cpu-prof profile is written at exit).
      await Promise.all(children.splice(0).map((c) => (c.exitCode !== null ? undefined : new Promise<void>((resolve) => {
        c.once('exit', () => resolve());
        c.kill('SIGTERM');
        setTimeout(resolve, 20_000).unref();
      }))));
      // A replica that joins after another already owns every partition takes some over while their
      // windows are still open, so it reads them again from the start (correct, but a start-up race).
      return { rate: e2ePerS, reread: stats.reduce((n, h) => n + h.read, 0) - total, windows: stats.reduce((n, h) => n + h.windowsWritten, 0) };
    }
    const cores = Math.min(availableParallelism(), settings.partitions);
    const counts = process.env.BENCH_REPLICAS ? [Math.max(1, Number(process.env.BENCH_REPLICAS))] : cores > 1 ? [1, cores] : [1];
    const rates = new Map<number, number>();
    const windows = new Map<number, number>();
    // Each run starts from empty window tables, so the second does not pay for merging the first's rows.
    const chQuery = async (sql: string) => {
      const res = await fetch(`${env.CLICKHOUSE_URL}/?database=${env.CLICKHOUSE_DATABASE}`, { method: 'POST', body: sql, signal: AbortSignal.timeout(30_000) });
      if (!res.ok) throw new Error(`ClickHouse: ${res.status} ${await res.text()}`);
      return res.text();
    };
    const emptyTables = async () => {
      for (const t of (await chQuery("SELECT name FROM system.tables WHERE database = currentDatabase() AND engine LIKE '%MergeTree' FORMAT TSV")).split('\n').filter(Boolean)) await chQuery(`TRUNCATE TABLE ${t}`);
    };
    for (const r of counts) {
      // Every run (and the next workload) starts from empty window tables.
      await emptyTables();
      let run = await endToEnd(r);
      if (r > 1 && run.reread > 0) {
        // Reported, then measured once more: the late join is a start-up race of the processes
        // (tsx start on loaded cores), not the steady rate of a group that formed together.
        say(`${r} processes: one joined late and ${run.reread} events were read twice (${Math.round(run.rate)}/s); measuring once more`);
        await emptyTables();
        run = await endToEnd(r);
        if (run.reread > 0) say(`${r} processes: late join again, ${run.reread} events read twice; reported as measured`);
      }
      rates.set(r, run.rate);
      windows.set(r, run.windows);
    }
    const best = counts[counts.length - 1]!;
    const e2ePerS = rates.get(best)!;
    const single = rates.get(1);
    const result: WorkloadResult = {
      events: total,
      events_per_s: Math.round(e2ePerS),
      raw_drain_per_s: Math.round(rawPerS),
      ratio: Number((e2ePerS / rawPerS).toFixed(3)),
      windows: windows.get(best)!,
      events_per_window: Number((total / windows.get(best)!).toFixed(2)),
      processes: best,
      ...(single !== undefined && best !== 1 ? { single_process_events_per_s: Math.round(single), single_process_ratio: Number((single / rawPerS).toFixed(3)) } : {}),
    };
    say(`${w.name} workload (${w.users} users, ${w.items} items per tenant): ${JSON.stringify(result)}`);
    return result;
  }
  const results: [Workload, WorkloadResult][] = [];
  for (const w of WORKLOADS) results.push([w, await measure(w)]);
  // Last line: the first workload (dense by default) with the others beside it.
  const [first, main] = results[0]!;
  console.log(JSON.stringify({ bench: 'stream', workload: first.name, ...main, ...Object.fromEntries(results.slice(1).map(([w, r]) => [w.name, r])) }));
} finally {
  // Let the jobs shut down on their own (a --cpu-prof profile is written at exit), at most 20 s.
  await Promise.all(
    children.map((c) =>
      c.exitCode !== null ? undefined : new Promise<void>((resolve) => {
        c.once('exit', () => resolve());
        c.kill('SIGTERM');
        setTimeout(resolve, 20_000).unref();
      }),
    ),
  );
  await stack.stop();
}
process.exit(0);
