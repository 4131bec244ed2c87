/**
 * `npm run bench:chaos`: what a user sees when a stream component dies under load, on the local
 * stack (the components of `npm start`: wrangler dev, the ingest, Kafka, the raw-events copier,
 * the window jobs, ClickHouse, Redis behind the Upstash bridge).
 *
 * Steady load all along: event batches posted through the edge at a fixed rate with the client
 * retries the README tells clients to do (same eventIds, backoff, Retry-After honoured), and
 * recommend requests at a fixed rate. After a steady phase (the named baseline: recommend p99
 * without a fault), in turn: SIGKILL one service's process group, restart it after DOWN_S, and
 * measure until it has recovered (health answering, and for the ingest an event batch acknowledged
 * again; for the raw-events copier, ClickHouse caught up with every event acknowledged before the
 * kill). Per fault: recommend answers by status and p99 from the kill to recovery, recovery time.
 * At the end, events acknowledged (202) against rows in events_raw: lost and duplicated.
 *
 * Faults covered: the ingest producer, the raw-events consumer, the window jobs, Redis (restarted
 * empty on the same port; recovered when recommend answers undegraded again), ClickHouse (same
 * data folder; recovered when events_raw has every event acknowledged before the kill), and
 * `wrangler dev` (same port and local state; recovered when recommend answers 200 and an event
 * batch is acknowledged again). Not covered yet (issue 20 point 5): the Upstash bridge (it runs
 * inside this process), the transcode worker, and the campaign / broadcaster tasks (so no double-send or
 * missed-webhook figures).
 * Last line: {"bench":"chaos","faults":5,"events_acked","events_lost","events_duplicated",
 * "recommend_5xx_share","recommend_5xx_share_outside_edge_restart","max_recovery_s","baseline":"steady","recommend_p99_steady_ms",
 * "recommend_p99_fault_ms","ratio_p99"}.
 * Env: CHAOS_EVENTS_PER_S (default 50), CHAOS_RECOMMEND_PER_S (default 10), CHAOS_STEADY_S (10), CHAOS_DOWN_S (5).
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import { createClickHouse } from '@vidplat/analytics';
import { SCHEMA_VERSION, uuidv7 } from '@vidplat/contracts';
import { FeatureSnapshotWriter } from '@vidplat/stream/features/snapshot-writer';
import { streamServices } from '@vidplat/stream/services';
import { startProcess, type ManagedProcess } from '../process.js';
import { OFFLINE_WRANGLER_ENV, REPO_ROOT, startStack, writeEdgeEnvFile } from '../stack.js';
import { startRedis } from '../redis.js';
import { startClickHouse } from '../clickhouse.js';

const EVENTS_PER_S = Number(process.env.CHAOS_EVENTS_PER_S ?? 50);
const RECOMMEND_PER_S = Number(process.env.CHAOS_RECOMMEND_PER_S ?? 10);
const STEADY_S = Number(process.env.CHAOS_STEADY_S ?? 10);
const DOWN_S = Number(process.env.CHAOS_DOWN_S ?? 5);
const BATCH = 5;
const ALL_FAULTS = ['stream-ingest', 'stream-raw-events', 'stream-window-jobs', 'redis', 'clickhouse', 'edge'] as const;
/**
 * CHAOS_FAULTS (comma list) picks the faults; by default all but `edge`: the one run with the
 * edge restart (2026-12-07 21:55–22:05) answered through it (503 / refused connections, then 200
 * 34 s after the kill) but never finished its drain phase, cause not found yet.
 */
const FAULTS = (process.env.CHAOS_FAULTS ?? 'stream-ingest,stream-raw-events,stream-window-jobs,redis,clickhouse')
  .split(',')
  .map((f) => f.trim())
  .filter((f): f is (typeof ALL_FAULTS)[number] => (ALL_FAULTS as readonly string[]).includes(f));
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const runDir = join(REPO_ROOT, '.run', 'bench-chaos', String(process.pid));
rmSync(runDir, { recursive: true, force: true });
const stack = await startStack({ runDir, services: true, log: (l) => console.error(`[stack] ${l}`) });
const restarted: ManagedProcess[] = [];
process.once('exit', () => {
  stack.kill();
  for (const p of restarted) {
    try {
      process.kill(-p.pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
});
const edge = stack.urls.edge!;
const tenant = `chaos-${Date.now().toString(36)}`;
let key = '';
const hdr = () => ({ authorization: `Bearer ${key}`, 'content-type': 'application/json' });
const ch = createClickHouse({ url: stack.env.CLICKHOUSE_URL!, database: stack.env.CLICKHOUSE_DATABASE! });

interface Sample {
  at: number;
  status: number;
  ms: number;
  degraded: boolean;
}
const recs: Sample[] = [];
const acked = new Set<string>();
let givenUp = 0;
let loading = true;
const inflight = new Set<Promise<void>>();

/** One batch, retried like a client: same eventIds, backoff with Retry-After, until 202 or 120 s. */
async function postWithRetries(events: { eventId: string }[]): Promise<void> {
  const t0 = Date.now();
  for (let attempt = 0; ; attempt++) {
    let wait = Math.min(5_000, 200 * 2 ** attempt);
    try {
      const res = await fetch(`${edge}/v1/events`, { method: 'POST', headers: hdr(), body: JSON.stringify({ events }), signal: AbortSignal.timeout(10_000) });
      await res.arrayBuffer();
      if (res.status === 202) {
        for (const e of events) acked.add(e.eventId);
        return;
      }
      if (res.status !== 503 && res.status !== 429) throw new Error(`POST /v1/events: HTTP ${res.status}`);
      const ra = Number(res.headers.get('retry-after'));
      if (ra > 0) wait = Math.max(wait, ra * 1000);
    } catch (e) {
      if (e instanceof Error && e.message.startsWith('POST /v1/events: HTTP')) throw e;
      // network error or timeout: retry
    }
    if (Date.now() - t0 > 120_000) {
      givenUp += events.length;
      return;
    }
    await sleep(wait);
  }
}

async function eventLoad(): Promise<void> {
  const every = (1000 * BATCH) / EVENTS_PER_S;
  let next = Date.now();
  let n = 0;
  while (loading) {
    const u = `u${n++ % 300}`;
    const events = Array.from({ length: BATCH }, (_, x) => ({ eventId: uuidv7(), tenantId: tenant, eventTime: new Date().toISOString(), schemaVersion: SCHEMA_VERSION, userId: u, itemId: `i${(n * 7 + x * 13) % 200}`, scenario: 'feed', type: x % 3 ? 'impression' : 'click' }));
    const p = postWithRetries(events).finally(() => inflight.delete(p));
    inflight.add(p);
    next += every;
    await sleep(Math.max(0, next - Date.now()));
  }
}

async function recommendLoad(): Promise<void> {
  const every = 1000 / RECOMMEND_PER_S;
  let next = Date.now();
  let n = 0;
  while (loading) {
    const at = Date.now();
    const u = `u${n++ % 300}`;
    void (async () => {
      let status = 0;
      let degraded = false;
      try {
        const res = await fetch(`${edge}/v1/recommend?tenant=${tenant}&scenario=feed&user=${u}&n=10`, { headers: hdr(), signal: AbortSignal.timeout(10_000) });
        const text = await res.text();
        status = res.status;
        degraded = status === 200 && (JSON.parse(text) as { degraded?: boolean }).degraded === true;
      } catch {
        status = 0; // no answer (connection refused or timeout)
      }
      recs.push({ at, status, ms: Date.now() - at, degraded });
    })();
    next += every;
    await sleep(Math.max(0, next - Date.now()));
  }
}

async function rowsOf(): Promise<{ n: number; u: number }> {
  const r = await ch.query({ query: 'SELECT count() AS n, uniqExact(event_id) AS u FROM events_raw WHERE tenant_id = {t:String}', query_params: { t: tenant }, format: 'JSONEachRow' });
  const [row] = await r.json<{ n: string; u: string }>();
  return { n: Number(row?.n ?? 0), u: Number(row?.u ?? 0) };
}

async function healthy(name: string): Promise<boolean> {
  if (name === 'edge') {
    try {
      const res = await fetch(`${edge}/healthz`, { signal: AbortSignal.timeout(2000) });
      await res.arrayBuffer();
      return res.status < 500;
    } catch {
      return false;
    }
  }
  if (name === 'clickhouse') {
    try {
      const res = await fetch(`${stack.env.CLICKHOUSE_URL}/ping`, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      return res.ok;
    } catch {
      return false;
    }
  }
  if (name === 'redis') {
    const r = new Redis(stack.env.REDIS_URL!, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
    r.on('error', () => undefined);
    try {
      await r.connect();
      return (await r.ping()) === 'PONG';
    } catch {
      return false;
    } finally {
      r.disconnect();
    }
  }
  const svc = streamServices.find((s) => s.name === name)!;
  try {
    const res = await fetch(`http://127.0.0.1:${stack.env[svc.healthPortVar]}${svc.healthPath}`, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return res.ok;
  } catch {
    return false;
  }
}

function kill(name: string): void {
  // The stack names redis-server's PID file `redis`, the services by their names.
  const pid = Number(readFileSync(join(runDir, 'pids', `${name}.pid`), 'utf8'));
  process.kill(-pid, 'SIGKILL');
}

async function restart(name: string): Promise<void> {
  if (name === 'edge') {
    // `wrangler dev` as the stack starts it: same port, the same local D1/KV/DO state on disk.
    const port = new URL(edge).port;
    const envFile = writeEdgeEnvFile(runDir, stack.env);
    const args = ['dev', '--ip', '127.0.0.1', '--port', port, '--inspector-port', '0', '--persist-to', join(runDir, 'wrangler'), '--env-file', envFile, '--show-interactive-dev-session=false', '--log-level', 'warn'];
    restarted.push(startProcess(runDir, 'edge', join(REPO_ROOT, 'node_modules', '.bin', 'wrangler'), args, { env: { ...process.env, ...stack.env, ...OFFLINE_WRANGLER_ENV }, cwd: REPO_ROOT }));
    return;
  }
  if (name === 'clickhouse') {
    // Same port and data folder: what was written survives, the copier's retries fill the gap.
    restarted.push((await startClickHouse(runDir, join(runDir, 'clickhouse'), Number(new URL(stack.env.CLICKHOUSE_URL!).port))).process);
    return;
  }
  if (name === 'redis') {
    // Same port, empty (no persistence, as in the stack): the stream jobs repopulate it.
    restarted.push((await startRedis(runDir, Number(new URL(stack.env.REDIS_URL!).port))).process);
    return;
  }
  const svc = streamServices.find((s) => s.name === name)!;
  const env: NodeJS.ProcessEnv = { ...process.env, ...stack.env, ...OFFLINE_WRANGLER_ENV };
  restarted.push(startProcess(runDir, name, join(REPO_ROOT, 'node_modules', '.bin', 'tsx'), [join(REPO_ROOT, svc.entry)], { env, cwd: REPO_ROOT }));
}

const q = (xs: number[], f: number) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(f * s.length))]!;
};
const byStatus = (xs: Sample[]) => xs.reduce<Record<string, number>>((m, x) => ((m[x.status] = (m[x.status] ?? 0) + 1), m), {});

try {
  const p = await fetch(`${edge}/v1/platform/tenants`, { method: 'POST', headers: { authorization: `Bearer ${stack.env.ADMIN_API_KEY}`, 'content-type': 'application/json' }, body: JSON.stringify({ tenantId: tenant, name: tenant, permissions: ['act_as_user'] }) });
  if (p.status !== 201) throw new Error(`provision: ${p.status} ${await p.text()}`);
  key = ((await p.json()) as { apiKey: string }).apiKey;
  const sc = await fetch(`${edge}/v1/scenarios`, { method: 'POST', headers: hdr(), body: JSON.stringify({ scenario: 'feed', template: 'vlog' }) });
  if (sc.status !== 201) throw new Error(`scenario: ${sc.status} ${await sc.text()}`);
  const lines = Array.from({ length: 200 }, (_, i) => JSON.stringify({ itemId: `i${i}`, kind: 'video', title: `Item ${i}`, categories: [`c${i % 12}`], state: 'published', publishedAt: new Date(Date.now() - 86_400_000).toISOString() }));
  const imp = await fetch(`${edge}/v1/items/import`, { method: 'POST', headers: { ...hdr(), 'content-type': 'application/x-ndjson' }, body: lines.join('\n') });
  if (imp.status !== 200) throw new Error(`import: ${imp.status} ${await imp.text()}`);
  const redis = new Redis(stack.env.REDIS_URL!);
  await new FeatureSnapshotWriter(redis, 'bench-chaos').publishHotList(tenant, 'feed', Array.from({ length: 200 }, (_, i) => ({ itemId: `i${i}`, score: 1000 - i })));
  redis.disconnect();

  const loads = [eventLoad(), recommendLoad()];
  const steadyFrom = Date.now();
  await sleep(STEADY_S * 1000);
  const steady = recs.filter((r) => r.at >= steadyFrom);
  const faults: { name: string; recoveryS: number; statuses: Record<string, number>; p99: number; samples: Sample[] }[] = [];
  for (const name of FAULTS) {
    const ackedBefore = acked.size;
    const t0 = Date.now();
    kill(name);
    await sleep(DOWN_S * 1000);
    await restart(name);
    const deadline = Date.now() + 180_000;
    for (;;) {
      let ok = await healthy(name);
      if (ok && name === 'stream-ingest') ok = acked.size > ackedBefore && [...inflight].length < 50;
      if (ok && (name === 'stream-raw-events' || name === 'clickhouse')) ok = (await rowsOf().catch(() => ({ u: -1 }))).u >= ackedBefore;
      // Redis: recommend answers from the feature store again (not degraded) after the restart.
      if (ok && name === 'edge') ok = recs.some((r) => r.at > t0 + DOWN_S * 1000 && r.status === 200) && acked.size > ackedBefore;
      if (ok && name === 'redis') ok = recs.some((r) => r.at > t0 + DOWN_S * 1000 && r.status === 200 && !r.degraded);
      if (ok || Date.now() > deadline) break;
      await sleep(250);
    }
    const t1 = Date.now();
    const during = recs.filter((r) => r.at >= t0 && r.at <= t1);
    const f = { name, recoveryS: (t1 - t0) / 1000, statuses: byStatus(during), p99: q(during.map((r) => r.ms), 0.99), samples: during };
    faults.push(f);
    const degraded = during.filter((r) => r.degraded).length;
    console.log(`fault ${name}: killed, restarted after ${DOWN_S} s, recovered ${f.recoveryS.toFixed(1)} s after the kill; recommend during it ${JSON.stringify(f.statuses)} (${degraded} degraded), p99 ${f.p99} ms; events acknowledged so far ${acked.size}`);
    await sleep(STEADY_S * 1000);
  }
  loading = false;
  await Promise.all(loads);
  console.log(`load stopped; ${inflight.size} event batches still retrying`);
  // Bounded: a client gives a batch up after 120 s of retries.
  await Promise.race([Promise.all([...inflight]), sleep(150_000)]);
  if (inflight.size) console.log(`${inflight.size} event batches still unanswered after 150 s (counted neither acknowledged nor lost)`);
  // Everything acknowledged reaches events_raw (the copier flushes within seconds).
  let rows = await rowsOf();
  const until = Date.now() + 120_000;
  while (rows.u < acked.size && Date.now() < until) {
    await sleep(1000);
    rows = await rowsOf();
  }
  await sleep(3000);
  rows = await rowsOf();
  const final = await (async () => {
    const r = await ch.query({ query: 'SELECT count() AS n FROM events_raw FINAL WHERE tenant_id = {t:String}', query_params: { t: tenant }, format: 'JSONEachRow' });
    return Number((await r.json<{ n: string }>())[0]?.n ?? 0);
  })();
  const lost = Math.max(0, acked.size - rows.u);
  const faultSamples = faults.flatMap((f) => f.samples);
  const failed = (r: Sample) => r.status >= 500 || r.status === 0;
  const share5xx = recs.length ? recs.filter(failed).length / recs.length : 0;
  // The goal holds through every fault but the edge's own restart.
  const edgeFault = faults.find((f) => f.name === 'edge');
  const notEdge = recs.filter((r) => !edgeFault || !edgeFault.samples.includes(r));
  const share5xxNotEdge = notEdge.length ? notEdge.filter(failed).length / notEdge.length : 0;
  const steadyP99 = q(steady.map((r) => r.ms), 0.99);
  const faultP99 = q(faultSamples.map((r) => r.ms), 0.99);
  console.log(
    `events: ${acked.size} acknowledged, ${rows.u} distinct in events_raw (${rows.n} rows before merge, ${final} after FINAL), lost ${lost}, given up by the client after 120 s ${givenUp}; recommend: ${recs.length} requests ${JSON.stringify(byStatus(recs))}, steady p99 ${steadyP99} ms, p99 during faults ${faultP99} ms`,
  );
  console.log('not exercised: the Upstash bridge, the transcode worker; campaign and broadcaster tasks');
  console.log(
    JSON.stringify({
      bench: 'chaos',
      faults: faults.length,
      faults_run: faults.map((f) => f.name),
      events_acked: acked.size,
      events_lost: lost,
      events_duplicated: Math.max(0, final - rows.u),
      events_duplicated_before_merge: rows.n - rows.u,
      events_given_up: givenUp,
      recommend_5xx_share: Math.round(share5xx * 10000) / 10000,
      recommend_5xx_share_outside_edge_restart: Math.round(share5xxNotEdge * 10000) / 10000,
      recommend_degraded: recs.filter((r) => r.degraded).length,
      double_sends: null,
      max_recovery_s: Math.max(...faults.map((f) => Math.round(f.recoveryS * 10) / 10)),
      baseline: 'steady',
      recommend_p99_steady_ms: steadyP99,
      recommend_p99_fault_ms: faultP99,
      ratio_p99: Math.round((faultP99 / steadyP99) * 100) / 100,
    }),
  );
} finally {
  loading = false;
  await ch.close().catch(() => undefined);
  for (const p of restarted) await p.stop();
  await stack.stop();
}
// Something (a client's keep-alive socket or timer) keeps the event loop alive once everything
// is stopped: the 2026-12-07 22:10 run printed its result and stopped the stack, then never exited.
process.exit(0);
