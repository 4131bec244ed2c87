/**
 * `npm run bench:edge`: GET /v1/recommend latency and throughput against a Hono hello-world route
 * of the same Worker, measured in the same run.
 *
 * The Worker is wrangler's bundle (`wrangler deploy --dry-run`) of the bench entry edge/bench/worker.ts
 * (the production app, unchanged, plus the hello and floor routes it alone has), run by one workerd
 * through the Miniflare API — no `wrangler dev` proxy in front, so the Worker itself is measured.
 * The load goes to the Worker's own socket (`unsafeDirectSockets`), not through Miniflare's
 * `core:entry` worker, and outbound fetches go straight to the network (`stripCfConnectingIp:
 * false`), not through Miniflare's `strip-cf-connecting-ip` worker. Both are dev-only JS shims that
 * production does not have: with them every request paid ~0.14 ms (entry) and every feature-store
 * fetch ~0.2 ms (strip) of workerd CPU, and their own isolates' GCs stopped the one workerd thread
 * for 35–46 ms 1–3 times per 10 s phase (traced with V8's --trace-gc, 2026-11-25 14:49–15:01).
 * BENCH_VIA_ENTRY=1 measures the old way (through both shims) for comparison.
 * The feature store is Redis behind the Upstash REST bridge (its own process). Data: one tenant
 * with 100k items, a 500-item hot list, item-CF neighbours for 20k items, recent items for 10k
 * users, 16-d embeddings and a logistic-regression ONNX model from the trainer.
 * Phases: fixed offered load of 100 req/s for 30 s after 5 s unmeasured at that load (open loop,
 * latency from the scheduled send time, so a stall is not hidden), then saturation (closed loop, 8 connections) for each route.
 * Users: recommend requests step through all 10k users (u += 7919 mod 10 000). The earlier
 * sequence (u·7919+13 mod 10 000) had a period of 250, so only 250 users were ever asked for and
 * per-user work looked cheaper than it is. Warm-up: one request per user (at most 60 s), so the
 * per-item isolate caches are as warm as in a long-running isolate.
 * Also printed: CPU time per request of each process at saturation (workerd, bridge, Redis, this
 * load generator; from /proc), and with BENCH_PROFILE=1 a workerd CPU profile of recommend at
 * saturation (taken after the measured phases; top self times printed, .cpuprofile kept in the
 * run directory), then a second 100 req/s phase under the profiler: GC stretches, the gaps
 * between samples grouped by the frames before them, and the isolate's heap size.
 * Tail diagnostics in every run: the load generator's event-loop delay and GC pauses per phase,
 * the feature store alone at 100 req/s, when the slowest 1% were sent (pauses show as bursts), and
 * with BENCH_PRIORITY=1 the bench processes at nice -10, with BENCH_FREEZE=1 no isolate cache refreshes,
 * with BENCH_ALLOC=1 the bytes each recommend request allocates, by site, with BENCH_FLOOR=1 the
 * CPU and throughput of the work every recommend request must do (see FLOOR).
 * Last line: {"bench":"edge-recommend","rps","p50_ms","p99_ms","baseline_rps","ratio","floor_rps","floor_ratio","cpu_ms",
 * "floor_cpu_ms","baseline_cpu_ms",…} (floor_ratio = recommend req/s ÷ the floor route's req/s at saturation, same run; see
 * FLOOR; *_cpu_ms = workerd CPU per request at saturation, steadier than req/s on a shared machine), with BENCH_VARIANTS
 * also `variants` (scenario settings compared in interleaved rounds, see VARIANTS).
 */
import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import { join } from 'node:path';
import { setPriority } from 'node:os';
import { monitorEventLoopDelay, PerformanceObserver } from 'node:perf_hooks';
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { Miniflare } from 'miniflare';
import { FeatureKeys, SCENARIO_TEMPLATES } from '@vidplat/contracts';
import { FeatureSnapshotWriter } from '@vidplat/stream/features/snapshot-writer';
import { itemCfNeighbours } from '@vidplat/stream/training/item-cf';
import { rng, type Interaction } from '@vidplat/stream/training/interactions';
import { publishArtefacts, trainRanking } from '@vidplat/stream/training/trainer';
import { startRedis } from '../redis.js';
import { freePort, waitFor } from '../process.js';
import { REPO_ROOT } from '../stack.js';

const ITEMS = 100_000;
const USERS = 10_000;
const IMPORT_CHUNK = Number(process.env.BENCH_IMPORT_CHUNK ?? 5_000);
/**
 * BENCH_PRIORITY=1: run workerd, the bridge, Redis and this load generator at nice -10 (every
 * thread), so other jobs on the shared cores do not preempt them. A diagnostic for the latency
 * tail (how much of it is the machine), not the default: the README reports both.
 */
const PRIORITY = process.env.BENCH_PRIORITY === '1';
/**
 * BENCH_PIN=1: workerd on CPU 1, the bridge, Redis and the load generator on CPU 0 (every thread,
 * taskset), so the Worker never waits for the processes around it. A tail diagnostic too.
 */
const PIN = process.env.BENCH_PIN === '1';
/** BENCH_PROFILE=1: also take a workerd CPU profile of recommend at saturation (top functions printed). */
const PROFILE = process.env.BENCH_PROFILE === '1';
/**
 * BENCH_FREEZE=1: the Worker gets BENCH_FREEZE_REFRESH=1, so its isolate caches (D1 scenario /
 * experiment / API key, model and embedding KV pointer checks) stop refreshing once filled. A tail
 * diagnostic: compare p99 with a normal run made right after.
 */
const FREEZE = process.env.BENCH_FREEZE === '1';
/**
 * BENCH_ALLOC=1: after the measured phases, V8's sampling heap profiler over 5 s of recommend at
 * saturation, counting objects that GCs already collected too, so it shows what each request
 * allocates (bytes per request by function and two callers): the allocation rate sets how often the
 * isolate scavenges, and each scavenge delays the requests that arrive during it.
 */
const ALLOC = process.env.BENCH_ALLOC === '1';
/**
 * BENCH_FLOOR=1: after the measured phases the bench
 * saturates GET /v1/recommend/floor (edge/bench/floor.ts: auth, query, the one
 * feature-store round trip, one ONNX run over the ranked-set size, the JSON response; no recall,
 * merge or re-rank) for 10 s: its workerd CPU per request is the floor under recommend's, and its
 * req/s over hello's bounds the ratio the pipeline could reach if its own compute cost nothing.
 * Printed only; the last line is unchanged.
 */
const FLOOR = process.env.BENCH_FLOOR === '1';
/**
 * BENCH_VARIANTS: JSON object {name: {rerank?: {...}, recall?: {channel: {...}}}}: scenario
 * settings to compare with the default in the same run (design trade-offs such as a smaller rank
 * cut or MMR pool, fewer IVF probes). Each becomes scenario `feed_<name>` (the vlog template, the
 * bench's model and hot list, the overrides merged over the template's rerank rules and recall
 * channels); after the measured phases, per variant and for `feed` again, recommend and the floor
 * route are saturated (10 s each) and their req/s, workerd CPU per request and floor_ratio printed
 * and added to the last line as `variants`.
 */
const VARIANTS = JSON.parse(process.env.BENCH_VARIANTS ?? '{}') as Record<string, { rerank?: Record<string, unknown>; recall?: Record<string, Record<string, unknown> | null> }>;
/**
 * BENCH_USER_CF=N: also write every user a user-CF list of up to N items (`fs:<t>:ucf:<user>`, the
 * neighbours of their items by summed item-CF score), so the user_cf channel recalls (the default
 * scenario reads 100 + 20) and a variant can serve personal candidates from a per-user list read
 * in the first round trip instead of recalling them per request.
 */
const USER_CF = Number(process.env.BENCH_USER_CF ?? 0);
/** BENCH_VARIANT_ROUNDS: rounds of the variant comparison (each scenario 2 s of recommend + 2 s of floor per round, interleaved). */
const VARIANT_ROUNDS = Number(process.env.BENCH_VARIANT_ROUNDS ?? 5);
/** BENCH_FIXED_SECONDS: length of each measured 100 req/s phase (default 30). */
const FIXED_SECONDS = Number(process.env.BENCH_FIXED_SECONDS ?? 30);
/** BENCH_VIA_ENTRY=1: load through Miniflare's entry worker and outbound strip worker (dev shims), as before. */
const VIA_ENTRY = process.env.BENCH_VIA_ENTRY === '1';
const log = (s: string) => console.log(`[bench] ${s}`);
const runDir = join(REPO_ROOT, '.run', 'bench', String(process.pid));
rmSync(runDir, { recursive: true, force: true });
mkdirSync(runDir, { recursive: true });

const cleanups: (() => Promise<void> | void)[] = [];
async function cleanup() {
  for (const c of cleanups.reverse()) await Promise.resolve(c()).catch(() => undefined);
}
process.on('SIGINT', () => void cleanup().then(() => process.exit(130)));

/** Process ids of `name` among the descendants of `root` (workerd runs under Miniflare's child). */
function childPids(root: number, name: string): number[] {
  const out: number[] = [];
  const walk = (pid: number) => {
    let kids: string[] = [];
    try {
      kids = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean);
    } catch {
      return;
    }
    for (const k of kids.map(Number)) {
      if (readFileSync(`/proc/${k}/comm`, 'utf8').trim().startsWith(name)) out.push(k);
      walk(k);
    }
  };
  walk(root);
  return out;
}

/** nice(`value`) for every thread of the given processes (Linux nice values are per thread). */
function renice(pids: number[], value: number): number {
  let threads = 0;
  for (const pid of pids) {
    for (const tid of readdirSync(`/proc/${pid}/task`).map(Number)) {
      try {
        setPriority(tid, value);
        threads++;
      } catch {
        /* thread gone */
      }
    }
  }
  return threads;
}

/** User + system CPU time (ms) of each group of processes, from /proc (clock ticks of 10 ms). */
function cpuMs(groups: Record<string, number[]>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [k, pids] of Object.entries(groups)) {
    out[k] = 0;
    for (const pid of pids) {
      try {
        const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
        out[k] += (Number(f[11]) + Number(f[12])) * 10;
      } catch {
        /* process gone */
      }
    }
  }
  return out;
}

interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number } }[];
  samples: number[];
  timeDeltas: number[];
}

/** workerd's inspector (the Worker's isolate): a CDP session over its WebSocket. */
async function inspectorSession(mf: Miniflare) {
  const { WebSocket } = await import('undici');
  const inspector = await mf.getInspectorURL();
  const targets = (await (await fetch(new URL('/json/list', inspector.toString().replace('ws:', 'http:')))).json()) as { webSocketDebuggerUrl: string; title: string }[];
  const ws = new WebSocket(targets[0]!.webSocketDebuggerUrl);
  await new Promise((r, j) => {
    ws.addEventListener('open', r, { once: true });
    ws.addEventListener('error', j, { once: true });
  });
  let id = 0;
  const waiting = new Map<number, (v: unknown) => void>();
  ws.addEventListener('message', (m) => {
    const msg = JSON.parse(String(m.data)) as { id?: number; result?: unknown };
    if (msg.id !== undefined) waiting.get(msg.id)?.(msg.result);
  });
  const call = (method: string, params: object = {}) =>
    new Promise<unknown>((r) => {
      waiting.set(++id, r);
      ws.send(JSON.stringify({ id, method, params }));
    });
  return { call, close: () => ws.close() };
}

/** A V8 CPU profile of the Worker while `load` runs (100 µs sampling). */
async function cpuProfile(mf: Miniflare, load: () => Promise<unknown>): Promise<CpuProfile> {
  const s = await inspectorSession(mf);
  await s.call('Profiler.enable');
  await s.call('Profiler.setSamplingInterval', { interval: 100 });
  await s.call('Profiler.start');
  await load();
  const { profile } = (await s.call('Profiler.stop')) as { profile: CpuProfile };
  s.close();
  return profile;
}

type AllocationNode = { callFrame: { functionName: string; url: string; lineNumber: number }; selfSize: number; children: AllocationNode[] };

/** Bytes allocated while `load` runs (sampled every 256 B, collected objects included), by site. */
async function allocationProfile(mf: Miniflare, load: () => Promise<number>): Promise<void> {
  const s = await inspectorSession(mf);
  await s.call('HeapProfiler.enable');
  await s.call('HeapProfiler.startSampling', { samplingInterval: 256, includeObjectsCollectedByMajorGC: true, includeObjectsCollectedByMinorGC: true });
  const requests = await load();
  const { profile } = (await s.call('HeapProfiler.stopSampling')) as { profile: { head: AllocationNode } };
  s.close();
  const bySite = new Map<string, number>();
  const stack: [AllocationNode, string][] = [[profile.head, '']];
  let total = 0;
  while (stack.length) {
    const [n, callers] = stack.pop()!;
    const here = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').pop()}:${n.callFrame.lineNumber}`;
    const site = callers ? `${here} < ${callers.split(' < ').slice(0, 2).join(' < ')}` : here;
    bySite.set(site, (bySite.get(site) ?? 0) + n.selfSize);
    total += n.selfSize;
    for (const c of n.children) stack.push([c, site]);
  }
  log(`allocation: ${(total / 2 ** 20).toFixed(1)} MiB over ${requests.toFixed(0)} recommend requests = ${(total / requests / 1024).toFixed(1)} KiB per request; top sites:`);
  for (const [k, v] of [...bySite].sort((a, b) => b[1] - a[1]).slice(0, 30)) log(`  ${((100 * v) / total).toFixed(1)}% ${(v / requests).toFixed(0)} B/request ${k}`);
}

/** Prints the top self times of a profile and keeps it in the run directory. */
function printTopSelf(profile: CpuProfile, name: string) {
  const file = join(runDir, `${name}.cpuprofile`);
  writeFileSync(file, JSON.stringify(profile));
  const self = new Map<string, number>();
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  for (const s of profile.samples) {
    const n = byId.get(s)!;
    const k = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').pop()}:${n.callFrame.lineNumber}`;
    self.set(k, (self.get(k) ?? 0) + 1);
  }
  const total = profile.samples.length;
  log(`CPU profile (${file}), top self time of ${total} samples:`);
  for (const [k, v] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 30)) log(`  ${((100 * v) / total).toFixed(1)}% ${k}`);
}

/**
 * Where the isolate stalls at a fixed load, from a CPU profile's timeline. V8 samples only while
 * the isolate's thread runs, so a gap between samples is time the thread did not run JS: idle
 * between requests, waiting for I/O, or descheduled by the OS (2 shared cores). Gaps are grouped
 * by the frames of the sample before them: a gap after `pipeline < readBase` is the feature-store
 * round trip, one after `Response` the end of a request, one in the middle of computation (zod,
 * searchIvf, rerankMmr's inner loop) the OS taking the core away. GC pauses are sampled as
 * "(garbage collector)" and reported apart.
 */
function stalls(profile: CpuProfile, seconds: number) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes as { id: number; children?: number[] }[]) for (const c of n.children ?? []) parent.set(c, n.id);
  const frames = (id: number, depth: number) => {
    const out: string[] = [];
    for (let x: number | undefined = id; x !== undefined && out.length < depth; x = parent.get(x)) out.push(byId.get(x)!.callFrame.functionName || '(anon)');
    return out.join(' < ');
  };
  const gcRuns: number[] = [];
  // Long GC stretches and long gaps with their time into the phase (sample timestamps; the
  // profile starts with the phase), to set beside the slowest requests' send times.
  const events: string[] = [];
  let t = 0;
  let gcStart = 0;
  let gc = 0;
  let gcTotal = 0;
  let ran = 0;
  const gaps = new Map<string, { n: number; ms: number; max: number }>();
  for (let i = 0; i < profile.samples.length; i++) {
    const id = profile.samples[i]!;
    t += (profile.timeDeltas[i] ?? 0) / 1000;
    const dt = (profile.timeDeltas[i + 1] ?? 100) / 1000;
    if (byId.get(id)!.callFrame.functionName === '(garbage collector)') {
      if (!gc) gcStart = t;
      gc += dt;
      gcTotal += dt;
    } else if (gc) {
      gcRuns.push(gc);
      if (gc > 3) events.push(`${(gcStart / 1000).toFixed(2)}s GC ${gc.toFixed(1)}ms`);
      gc = 0;
    }
    if (dt <= 1) ran += dt;
    else {
      const k = frames(id, 3);
      if (dt > 20) events.push(`${(t / 1000).toFixed(2)}s gap ${dt.toFixed(1)}ms after ${k}`);
      const g = gaps.get(k) ?? { n: 0, ms: 0, max: 0 };
      g.n++;
      g.ms += dt;
      g.max = Math.max(g.max, dt);
      gaps.set(k, g);
    }
  }
  if (gc) gcRuns.push(gc);
  const top = (xs: number[]) => [...xs].sort((a, b) => b - a).slice(0, 8).map((x) => x.toFixed(1)).join(', ');
  log(`  isolate ran JS ~${(ran / seconds / 10).toFixed(1)}% of the time`);
  log(`  GC ${(gcTotal / seconds / 10).toFixed(2)}% of the time in ${gcRuns.length} stretches; longest (ms): ${top(gcRuns)}; stretches > 5 ms: ${gcRuns.filter((x) => x > 5).length}`);
  log(`  GC stretches > 3 ms and gaps > 20 ms by time into the phase: ${events.join('; ') || 'none'}`);
  log('  gaps > 1 ms between samples, by the frames before them (count, total, longest):');
  for (const [k, g] of [...gaps].sort((a, b) => b[1].max - a[1].max).slice(0, 12)) log(`    ${g.n}× ${g.ms.toFixed(0)} ms, max ${g.max.toFixed(1)} ms: ${k}`);
}

try {
  // 1. The bundle: the production app inside the bench entry.
  const bundle = join(runDir, 'bundle');
  log('bundling the Worker (wrangler deploy --dry-run)');
  // The bench Worker (edge/bench/worker.ts): the production app plus the hello and floor routes,
  // bundled with the root wrangler.toml so everything else is the production configuration.
  execFileSync(join(REPO_ROOT, 'node_modules', '.bin', 'wrangler'), ['deploy', '--dry-run', '--outdir', bundle, 'edge/bench/worker.ts'], {
    cwd: REPO_ROOT,
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_HIDE_BANNER: 'true' },
    stdio: 'ignore',
  });

  // 2. Redis and the Upstash bridge in its own process (not this one's event loop).
  const redisSrv = await startRedis(runDir, await freePort());
  cleanups.push(() => redisSrv.process.stop());
  const bridgePort = await freePort();
  const token = randomBytes(18).toString('base64url');
  const bridge = spawn(
    process.execPath,
    ['--import', 'tsx', '-e', `import('${join(REPO_ROOT, 'tools/devstack/src/upstash-bridge.ts')}').then(m => m.startUpstashBridge(${JSON.stringify(redisSrv.url)}, ${JSON.stringify(token)}, ${bridgePort}))`],
    { cwd: REPO_ROOT, stdio: 'ignore' },
  );
  cleanups.push(() => void bridge.kill('SIGTERM'));
  const bridgeUrl = `http://127.0.0.1:${bridgePort}`;
  await waitFor('upstash bridge', async () => (await fetch(bridgeUrl, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: '["PING"]' })).ok, 30_000);

  // 3. The Worker on one workerd.
  const adminKey = `vp_platform_${randomBytes(24).toString('base64url')}`;
  const wasm = readdirSync(bundle).filter((f) => f.endsWith('.wasm'));
  const edgePort = await freePort();
  const mf = new Miniflare({
    modules: [
      { type: 'ESModule', path: join(bundle, 'worker.js') },
      ...wasm.map((f) => ({ type: 'CompiledWasm' as const, path: join(bundle, f) })),
    ],
    modulesRoot: bundle,
    compatibilityDate: '2026-04-01',
    compatibilityFlags: ['nodejs_compat'],
    host: '127.0.0.1',
    port: edgePort,
    ...(VIA_ENTRY ? {} : { unsafeDirectSockets: [{ host: '127.0.0.1', port: await freePort() }], stripCfConnectingIp: false }),
    ...(PROFILE || ALLOC ? { inspectorPort: await freePort() } : {}),
    d1Databases: { CATALOGUE: 'bench-catalogue' },
    kvNamespaces: { MODELS: 'bench-models' },
    durableObjects: { SCHEDULER: { className: 'Scheduler', useSQLite: true }, BROADCASTER: { className: 'Broadcaster', useSQLite: true }, CAMPAIGN: { className: 'Campaign', useSQLite: true }, NOTIFIER: { className: 'Notifier', useSQLite: true }, RATE_LIMITER: { className: 'RateLimiter', useSQLite: true } },
    bindings: {
      INGEST_URL: 'http://127.0.0.1:9',
      INGEST_TOKEN: randomBytes(24).toString('base64url'),
      UPSTASH_REDIS_REST_URL: bridgeUrl,
      UPSTASH_REDIS_REST_TOKEN: token,
      ADMIN_API_KEY: adminKey,
      PLAYBACK_SIGNING_KEYS: JSON.stringify({ kb: randomBytes(32).toString('base64url') }),
      FEATURE_STORE_TIMEOUT_MS: '2000',
      ...(FREEZE ? { BENCH_FREEZE_REFRESH: '1' } : {}),
    },
  });
  cleanups.push(() => mf.dispose());
  const edge = (await mf.ready).toString().replace(/\/$/, '');
  const db = await mf.getD1Database('CATALOGUE');
  for (const f of readdirSync(join(REPO_ROOT, 'edge', 'migrations')).filter((x) => x.endsWith('.sql')).sort()) {
    const sql = readFileSync(join(REPO_ROOT, 'edge', 'migrations', f), 'utf8').replace(/--[^\n]*/g, '');
    const statements = sql.split(/;\s*(?:\n|$)/).map((s) => s.trim()).filter(Boolean);
    await db.batch(statements.map((s) => db.prepare(s)));
  }
  log(`Worker on workerd at ${edge} (bundle ${Math.round(readFileSync(join(bundle, 'worker.js')).length / 1024)} KiB JS + ${wasm.length} wasm)`);

  // 4. Data through the public APIs and the stream's writers.
  const tenant = 'bench';
  const prov = await fetch(`${edge}/v1/platform/tenants`, { method: 'POST', headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' }, body: JSON.stringify({ tenantId: tenant, name: 'Bench', permissions: ['act_as_user'] }) });
  const key = ((await prov.json()) as { apiKey: string }).apiKey;
  const h = { authorization: `Bearer ${key}`, 'content-type': 'application/json' };
  await fetch(`${edge}/v1/scenarios`, { method: 'POST', headers: h, body: JSON.stringify({ scenario: 'feed', template: 'vlog', rankingModel: 'ctr' }) });
  for (const [name, v] of Object.entries(VARIANTS)) {
    const t = SCENARIO_TEMPLATES.vlog;
    const body = {
      scenario: `feed_${name}`,
      template: 'vlog',
      rankingModel: 'ctr',
      rerank: { ...t.rerank, ...v.rerank },
      // A channel set to null is left out.
      recall: t.recall.filter((c) => v.recall?.[c.name] !== null).map((c) => ({ ...c, ...v.recall?.[c.name] })),
    };
    const res = await fetch(`${edge}/v1/scenarios`, { method: 'POST', headers: h, body: JSON.stringify(body) });
    if (res.status >= 300) throw new Error(`variant ${name}: ${res.status} ${await res.text()}`);
  }
  const cats = ['travel', 'cooking', 'fitness', 'gaming', 'tech', 'diy', 'music', 'news'];
  const t0 = Date.now();
  const now = Date.now();
  for (let start = 0; start < ITEMS; start += IMPORT_CHUNK) {
    const lines: string[] = [];
    for (let i = start; i < start + IMPORT_CHUNK; i++) {
      lines.push(JSON.stringify({ itemId: `v${i}`, kind: 'video', title: `${cats[i % 8]} video ${i}`, categories: [cats[i % 8]], tags: [`t${i % 13}`], state: 'published', publishedAt: new Date(now - (i % 720) * 3_600_000).toISOString() }));
    }
    const res = await fetch(`${edge}/v1/items/import`, { method: 'POST', headers: { ...h, 'content-type': 'application/x-ndjson' }, body: lines.join('\n') });
    if (res.status !== 200) throw new Error(`import: ${res.status} ${await res.text()}`);
    if (start === 0) log(`first import chunk of ${IMPORT_CHUNK} done in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
  log(`imported ${ITEMS} items in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

  const rand = rng(3);
  const interactions: Interaction[] = [];
  for (let u = 0; u < USERS; u++) {
    const c = u % 8;
    for (let k = 0; k < 12; k++) interactions.push({ user: `u${u}`, item: `v${c + 8 * Math.floor(2500 * rand() ** 2)}`, ts: now - 10 * 86_400_000 + k * 3_600_000 * 18 + u, weight: 1 });
  }
  const redis = new Redis(redisSrv.url);
  cleanups.push(() => void redis.disconnect());
  const writer = new FeatureSnapshotWriter(redis, 'bench');
  const heat = new Map<string, number>();
  for (const x of interactions) heat.set(x.item, (heat.get(x.item) ?? 0) + 1);
  for (const scn of ['feed', ...Object.keys(VARIANTS).map((v) => `feed_${v}`)]) await writer.publishHotList(tenant, scn, [...heat].map(([itemId, score]) => ({ itemId, score })).sort((a, b) => b.score - a.score).slice(0, 500));
  const nbrs = itemCfNeighbours(interactions, 20);
  await writer.publishItemNeighbours(tenant, nbrs, 1);
  for (let u = 0; u < USERS; u += 500) {
    const tx = redis.multi();
    for (let v = u; v < u + 500; v++) {
      const mine = interactions.filter((x) => x.user === `u${v}`).slice(-10);
      tx.del(FeatureKeys.userRecent(tenant, `u${v}`)).zadd(FeatureKeys.userRecent(tenant, `u${v}`), ...mine.flatMap((x) => [x.ts, x.item] as const));
    }
    await tx.exec();
  }
  if (USER_CF > 0) {
    const t1 = Date.now();
    const itemsOf = new Map<string, string[]>();
    for (const x of interactions) (itemsOf.get(x.user) ?? itemsOf.set(x.user, []).get(x.user)!).push(x.item);
    for (let u = 0; u < USERS; u += 500) {
      const tx = redis.multi();
      for (let v = u; v < u + 500; v++) {
        const mine = itemsOf.get(`u${v}`) ?? [];
        const score = new Map<string, number>();
        for (const it of mine) for (const nb of nbrs.get(it) ?? []) if (!mine.includes(nb.itemId)) score.set(nb.itemId, (score.get(nb.itemId) ?? 0) + nb.score);
        const list = [...score].sort((a, b) => b[1] - a[1]).slice(0, USER_CF);
        const k = FeatureKeys.userCf(tenant, `u${v}`);
        tx.del(k);
        if (list.length) tx.zadd(k, ...list.flatMap(([id, sc]) => [sc, id] as const));
      }
      await tx.exec();
    }
    log(`user-CF lists of up to ${USER_CF} items for ${USERS} users in ${((Date.now() - t1) / 1000).toFixed(1)} s`);
  }
  const trained = trainRanking({ interactions, impressions: [] });
  if (!trained) throw new Error('could not train the bench model');
  await publishArtefacts(edge, key, 'ctr', 'bench-1', trained);
  log(`snapshots: hot list 500, neighbours for ${nbrs.size} items, recent items for ${USERS} users, ${trained.recommender.embeddings?.items.length ?? 0} embeddings, model AUC ${trained.auc.toFixed(3)}`);

  // 5. Load.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  // Set-up above goes through Miniflare's entry worker; the measured load goes to the Worker's socket.
  const loadUrl = VIA_ENTRY ? edge : (await mf.unsafeGetDirectURL()).toString();
  log(`load to ${loadUrl} (${VIA_ENTRY ? "through Miniflare's entry and outbound strip workers" : "the Worker's own socket, outbound fetches straight to the network"})`);
  const { hostname, port } = new URL(loadUrl);
  // The Worker's own wall time per path (Server-Timing app;dur), read back by fixedRate.
  const lastAppMs = new Map<string, number>();
  const get = (path: string) =>
    new Promise<number>((resolve, reject) => {
      const req = http.get({ hostname, port, path, agent, headers: { authorization: `Bearer ${key}` } }, (res) => {
        res.resume();
        const st = /app;dur=([\d.]+)/.exec(String(res.headers['server-timing'] ?? ''));
        if (st) lastAppMs.set(path, Number(st[1]));
        res.on('end', () => resolve(res.statusCode ?? 0));
      });
      req.on('error', reject);
      req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
    });
  let u = 0;
  // Steps of 7919 (coprime with USERS) visit every user once per USERS requests. (The earlier
  // u·7919+13 mod 10000 cycled through only 250 users, flattering every per-user cache.)
  const recPath = () => `/v1/recommend?tenant=${tenant}&scenario=feed&user=u${(u = (u + 7919) % USERS)}&n=20`;
  const helloPath = () => '/v1/recommend/hello';
  const pct = (xs: number[], p: number) => {
    const s = [...xs].sort((a, b) => a - b);
    return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))]!;
  };

  async function fixedRate(path: () => string, rps: number, seconds: number) {
    // The load generator's own stalls (event-loop delay, GC pauses) during the phase: latency is
    // measured from the scheduled send time, so a stall here counts against the Worker.
    const loop = monitorEventLoopDelay({ resolution: 1 });
    loop.enable();
    const gcPauses: number[] = [];
    const gcObs = new PerformanceObserver((l) => {
      for (const e of l.getEntries()) gcPauses.push(e.duration);
    });
    gcObs.observe({ entryTypes: ['gc'] });
    const lat: number[] = [];
    let errors = 0;
    const kinds = new Map<string, number>();
    const bad = (k: string) => {
      errors++;
      kinds.set(k, (kinds.get(k) ?? 0) + 1);
    };
    const start = performance.now();
    const total = rps * seconds;
    const pending: Promise<void>[] = [];
    const app: number[] = []; // Worker wall time of each request, same order as lat
    const at: number[] = []; // scheduled send time (ms into the phase), same order as lat
    for (let i = 0; i < total; i++) {
      const due = start + (i * 1000) / rps;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const p = path();
      pending.push(
        get(p).then(
          (s) => {
            if (s !== 200) bad(`HTTP ${s}`);
            lat.push(performance.now() - due);
            at.push(due - start);
            app.push(lastAppMs.get(p) ?? NaN);
            lastAppMs.delete(p);
          },
          (e: Error) => bad(e.message),
        ),
      );
    }
    await Promise.all(pending);
    // The slowest 1%: how much of their latency the Worker itself saw (auth → response, I/O
    // included). The rest is queueing before the handler ran (other requests' CPU, GC) or outside
    // workerd (load generator, network stack).
    // When the slowest 1% were sent (ms into the phase): clusters at a period (5 s scenario
    // refresh, 15 s key refresh, 30/60 s KV checks) would point at background work.
    const slowAt = lat
      .map((l, i) => [l, at[i]!] as const)
      .sort((a, b) => b[0] - a[0])
      .slice(0, Math.max(1, Math.ceil(lat.length / 100)))
      .sort((a, b) => a[1] - b[1])
      .map(([l, t]) => `${(t / 1000).toFixed(2)}s:${l.toFixed(1)}`)
      .join(' ');
    const slow = lat.map((l, i) => [l, app[i]!] as const).sort((a, b) => b[0] - a[0]).slice(0, Math.max(1, Math.ceil(lat.length / 100)));
    const inWorker = slow.filter(([, a]) => Number.isFinite(a));
    const tail = inWorker.length
      ? `slowest ${slow.length}: mean ${(slow.reduce((x, [l]) => x + l, 0) / slow.length).toFixed(1)} ms end to end, ${(inWorker.reduce((x, [, a]) => x + a, 0) / inWorker.length).toFixed(1)} ms of it in the Worker`
      : '';
    loop.disable();
    gcObs.disconnect();
    const loadgen = `; load generator: event-loop delay p99 ${(loop.percentile(99) / 1e6).toFixed(1)} ms, max ${(loop.max / 1e6).toFixed(1)} ms, ${gcPauses.length} GC pauses, longest ${Math.max(0, ...gcPauses).toFixed(1)} ms`;
    const appAll = app.filter(Number.isFinite);
    const appTail = appAll.length ? `; Worker time (Server-Timing) p50 ${pct(appAll, 50).toFixed(2)} ms, p99 ${pct(appAll, 99).toFixed(2)} ms` : '';
    return { p50: pct(lat, 50), p99: pct(lat, 99), tail: tail + appTail + loadgen + `; slowest 1% at (s into phase:ms) ${slowAt}`, errors: errors ? `${errors} (${[...kinds].map(([k, n]) => `${k}: ${n}`).join(', ')})` : '0' };
  }

  async function saturate(path: () => string, seconds: number, conns = 8, maxRequests = Infinity) {
    let done = 0;
    let failed = 0;
    const kinds = new Map<string, number>();
    const end = performance.now() + seconds * 1000;
    await Promise.all(
      Array.from({ length: conns }, async () => {
        while (performance.now() < end && done + failed < maxRequests) {
          const s = await get(path()).catch((e: Error) => e.message);
          if (s === 200) done++;
          else {
            failed++;
            const k = typeof s === 'number' ? `HTTP ${s}` : s;
            kinds.set(k, (kinds.get(k) ?? 0) + 1);
          }
        }
      }),
    );
    return { rps: done / seconds, errors: failed ? `${failed} (${[...kinds].map(([k, v]) => `${k}: ${v}`).join(', ')})` : '0' };
  }

  const check = await fetch(`${edge}${recPath()}&debug=1`, { headers: h });
  const body = (await check.json()) as { items: unknown[]; model?: string; debug?: { stage: string; ms: number; note?: string }[] };
  log(`sample: ${body.items.length} items, model ${body.model}, stages ${body.debug?.map((d) => `${d.stage} ${d.ms.toFixed(2)}ms`).join(', ')}`);
  // Warm-up: every isolate cache (scenario, model session, embeddings, item features, neighbour
  // lists) filled — one request per user (the caches are per item, not per user), at most 60 s.
  if (PIN) {
    const pin = (cpu: number, pids: number[]) => pids.forEach((pid) => execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' }));
    pin(1, childPids(process.pid, 'workerd'));
    pin(0, [bridge.pid!, redisSrv.process.pid, process.pid]);
    log('BENCH_PIN=1: workerd on CPU 1; bridge, Redis and the load generator on CPU 0');
  }
  if (PRIORITY) {
    const n = renice([...childPids(process.pid, 'workerd'), bridge.pid!, redisSrv.process.pid, process.pid], -10);
    log(`BENCH_PRIORITY=1: ${n} threads of workerd, bridge, Redis and the load generator at nice -10`);
  }
  if (FREEZE) log('BENCH_FREEZE=1: isolate cache refreshes stop once filled');
  log('warm-up');
  const w0 = performance.now();
  const warm = await saturate(recPath, 60, 8, USERS);
  log(`warm-up: ${(warm.rps * 60).toFixed(0)} requests in ${((performance.now() - w0) / 1000).toFixed(1)} s, errors ${warm.errors}`);
  await saturate(helloPath, 1);

  // Each fixed-rate phase: 5 s at the offered load first (not measured), so the phase does not
  // start with the old generation the saturation warm-up filled (a mark-compact of it stopped the
  // isolate for ~127 ms at 0.5 s into a 10 s phase, 16:01), then FIXED_SECONDS measured: a single
  // pause delays ~1% of a 10 s phase but ~0.4% of a 30 s one, as in a long-running isolate at this
  // load (old-generation growth ~0.25 MB/s, i.e. one mark-compact every few minutes).
  await fixedRate(recPath, 100, 5);
  const recFixed = await fixedRate(recPath, 100, FIXED_SECONDS);
  log(`recommend @100 req/s: p50 ${recFixed.p50.toFixed(2)} ms, p99 ${recFixed.p99.toFixed(2)} ms, errors ${recFixed.errors}`);
  if (recFixed.tail) log(`recommend @100 req/s tail: ${recFixed.tail}`);
  await fixedRate(helloPath, 100, 5);
  const helloFixed = await fixedRate(helloPath, 100, FIXED_SECONDS);
  // The feature store alone at the same rate: recommend's first round trip sent straight to the
  // bridge (Redis behind it), so its share of the recommend tail is visible.
  const storeLat: number[] = [];
  {
    const cmds = (user: number) =>
      JSON.stringify([
        ['get', FeatureKeys.hotListMeta(tenant, 'feed')],
        ['get', FeatureKeys.itemMetaVersion(tenant)],
        ['get', FeatureKeys.itemNeighboursMeta(tenant)],
        ['zrange', FeatureKeys.userRecent(tenant, `u${user}`), 0, 49, 'rev', 'withscores'],
      ]);
    const start = performance.now();
    const pending: Promise<void>[] = [];
    for (let i = 0; i < 1000; i++) {
      const due = start + i * 10;
      const wait = due - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const body = cmds((i * 7919) % USERS);
      pending.push(
        new Promise<void>((resolve, reject) => {
          const req = http.request({ hostname: '127.0.0.1', port: bridgePort, path: '/pipeline', method: 'POST', agent, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } }, (res) => {
            res.resume();
            res.on('end', () => {
              storeLat.push(performance.now() - due);
              resolve();
            });
          });
          req.on('error', reject);
          req.end(body);
        }),
      );
    }
    await Promise.all(pending);
  }
  log(`feature store alone (bridge + Redis, recommend's first round trip) @100 req/s: p50 ${pct(storeLat, 50).toFixed(2)} ms, p99 ${pct(storeLat, 99).toFixed(2)} ms`);
  log(`hello-world @100 req/s: p50 ${helloFixed.p50.toFixed(2)} ms, p99 ${helloFixed.p99.toFixed(2)} ms, errors ${helloFixed.errors}`);
  log(`hello-world @100 req/s tail${helloFixed.tail}`);
  const pids = { workerd: childPids(process.pid, 'workerd'), bridge: [bridge.pid!], redis: [redisSrv.process.pid], loadgen: [process.pid] };
  const cpu0 = cpuMs(pids);
  const recSat = await saturate(recPath, 10);
  const cpu1 = cpuMs(pids);
  log(`recommend saturation CPU per request: ${Object.keys(pids).map((k) => `${k} ${((cpu1[k]! - cpu0[k]!) / (recSat.rps * 10)).toFixed(3)} ms`).join(', ')}`);
  log(`recommend saturation (8 connections): ${recSat.rps.toFixed(0)} req/s, errors ${recSat.errors}`);
  const hcpu0 = cpuMs(pids);
  const helloSat = await saturate(helloPath, 10);
  const hcpu1 = cpuMs(pids);
  log(`hello-world saturation CPU per request: ${Object.keys(pids).map((k) => `${k} ${((hcpu1[k]! - hcpu0[k]!) / (helloSat.rps * 10)).toFixed(3)} ms`).join(', ')}`);
  // floor_ratio: recommend's saturation req/s over the floor route's (the work every recommend
  // request must do: auth, the one /pipeline round trip, one ONNX run, the response), same run.
  const floorAllPath = () => recPath().replace('/v1/recommend?', '/v1/recommend/floor?');
  await saturate(floorAllPath, 2);
  const flcpu0 = cpuMs(pids);
  const floorAll = await saturate(floorAllPath, 10);
  const flcpu1 = cpuMs(pids);
  // CPU per request is steadier than req/s on a shared machine: recommend's cost above the floor.
  log(`floor saturation CPU per request: ${Object.keys(pids).map((k) => `${k} ${((flcpu1[k]! - flcpu0[k]!) / (floorAll.rps * 10)).toFixed(3)} ms`).join(', ')}`);
  log(`floor saturation (8 connections): ${floorAll.rps.toFixed(0)} req/s, errors ${floorAll.errors}; recommend/floor ${(recSat.rps / floorAll.rps).toFixed(2)}`);
  // Design variants (BENCH_VARIANTS) against the default, same run, same procedure each.
  const variants: Record<string, { rps: number; cpu_ms: number; floor_rps: number; floor_cpu_ms: number; floor_ratio: number; overlap?: number; diversity?: number }> = {};
  const variantNames = Object.keys(VARIANTS);
  // What a variant changes in the answers: for 300 users, the share of the default answer's items
  // it also returns, and list diversity (distinct categories ÷ list length, as list-quality.ts
  // counts it; an item v<i>'s category is cats[i % 8]).
  const answers = async (scn: string) => {
    const out: string[][] = [];
    for (let k = 0; k < 300; k++) {
      const res = await fetch(`${loadUrl.replace(/\/$/, '')}/v1/recommend?tenant=${tenant}&scenario=${scn}&user=u${(k * 37) % USERS}&n=20`, { headers: h });
      out.push(((await res.json()) as { items: { itemId: string }[] }).items.map((i) => i.itemId));
    }
    return out;
  };
  const diversityOf = (lists: string[][]) => lists.reduce((s, l) => s + (l.length ? new Set(l.map((id) => cats[Number(id.slice(1)) % 8])).size / l.length : 0), 0) / lists.length;
  const defaultAnswers = variantNames.length ? await answers('feed') : [];
  // Interleaved rounds (default, variant 1, variant 2, … each round), so the machine's other load
  // falls on every variant alike; req/s and CPU summed over the rounds.
  const names = variantNames.length ? ['default', ...variantNames] : [];
  const scnOf = (name: string) => (name === 'default' ? 'feed' : `feed_${name}`);
  const acc = new Map(names.map((nm) => [nm, { rec: 0, recCpu: 0, floor: 0, floorCpu: 0, errors: 0 }]));
  for (const nm of names) {
    const vrec = () => recPath().replace('scenario=feed&', `scenario=${scnOf(nm)}&`);
    await saturate(vrec, 2);
  }
  for (let round = 0; round < VARIANT_ROUNDS; round++) {
    for (const nm of names) {
      const vrec = () => recPath().replace('scenario=feed&', `scenario=${scnOf(nm)}&`);
      const vfloor = () => vrec().replace('/v1/recommend?', '/v1/recommend/floor?');
      const a = acc.get(nm)!;
      const a0 = cpuMs(pids);
      const r = await saturate(vrec, 2);
      const a1 = cpuMs(pids);
      const f = await saturate(vfloor, 2);
      const a2 = cpuMs(pids);
      a.rec += r.rps * 2;
      a.recCpu += a1.workerd! - a0.workerd!;
      a.floor += f.rps * 2;
      a.floorCpu += a2.workerd! - a1.workerd!;
      if (r.errors !== '0' || f.errors !== '0') a.errors++;
    }
  }
  for (const nm of names) {
    const a = acc.get(nm)!;
    const secs = 2 * VARIANT_ROUNDS;
    const v = { rps: Math.round(a.rec / secs), cpu_ms: Math.round((a.recCpu / a.rec) * 1000) / 1000, floor_rps: Math.round(a.floor / secs), floor_cpu_ms: Math.round((a.floorCpu / a.floor) * 1000) / 1000, floor_ratio: Math.round((a.rec / a.floor) * 100) / 100 };
    const mine = nm === 'default' ? defaultAnswers : await answers(scnOf(nm));
    const overlap = mine.reduce((s2, l, k) => s2 + (defaultAnswers[k]!.length ? l.filter((id) => defaultAnswers[k]!.includes(id)).length / defaultAnswers[k]!.length : 1), 0) / mine.length;
    variants[nm] = { ...v, overlap: Math.round(overlap * 1000) / 1000, diversity: Math.round(diversityOf(mine) * 1000) / 1000 };
    log(`variant ${nm} (${scnOf(nm)}${nm === 'default' ? '' : ` ${JSON.stringify(VARIANTS[nm])}`}), ${VARIANT_ROUNDS} interleaved rounds: recommend ${v.rps} req/s, workerd ${v.cpu_ms} ms/req; floor ${v.floor_rps} req/s, workerd ${v.floor_cpu_ms} ms/req; floor_ratio ${v.floor_ratio}, CPU ratio ${(v.floor_cpu_ms / v.cpu_ms).toFixed(2)}${a.errors ? `; ${a.errors} rounds with errors` : ''}; answers (300 users, n=20): ${(overlap * 100).toFixed(1)} % of the default's items, list diversity ${diversityOf(mine).toFixed(3)}`);
  }
  if (FLOOR) {
    // The whole floor, then its parts: the round trip alone, the ONNX run alone.
    for (const parts of ['all', 'fetch', 'onnx'] as const) {
      const floorPath = () => `${recPath().replace('/v1/recommend?', '/v1/recommend/floor?')}&parts=${parts}`;
      await saturate(floorPath, 2);
      const fcpu0 = cpuMs(pids);
      const floorSat = await saturate(floorPath, 10);
      const fcpu1 = cpuMs(pids);
      const what = { all: 'auth + one /pipeline round trip + one ONNX run over rankLimit(20) rows + JSON response', fetch: 'auth + the round trip + JSON response, no ONNX', onnx: 'auth + the ONNX run + JSON response, no round trip' }[parts];
      log(`floor parts=${parts} (${what}) saturation CPU per request: ${Object.keys(pids).map((k) => `${k} ${((fcpu1[k]! - fcpu0[k]!) / (floorSat.rps * 10)).toFixed(3)} ms`).join(', ')}`);
      log(`floor parts=${parts} saturation (8 connections): ${floorSat.rps.toFixed(0)} req/s, errors ${floorSat.errors}; /hello ${(floorSat.rps / helloSat.rps).toFixed(2)}, recommend/this ${(recSat.rps / floorSat.rps).toFixed(2)}`);
    }
  }
  if (ALLOC) await allocationProfile(mf, async () => (await saturate(recPath, 5)).rps * 5);
  if (PROFILE) {
    printTopSelf(await cpuProfile(mf, () => saturate(recPath, 5)), 'recommend-saturation');
    // The tail at 100 req/s: what the isolate did around the slow requests, and its heap.
    const s = await inspectorSession(mf);
    const heap = (await s.call('Runtime.getHeapUsage')) as { usedSize: number; totalSize: number };
    s.close();
    log(`isolate heap after the runs: ${(heap.usedSize / 2 ** 20).toFixed(1)} MiB used of ${(heap.totalSize / 2 ** 20).toFixed(1)} MiB`);
    let again: Awaited<ReturnType<typeof fixedRate>> | null = null;
    const prof = await cpuProfile(mf, async () => (again = await fixedRate(recPath, 100, 10)));
    log(`recommend @100 req/s again, profiled: p50 ${again!.p50.toFixed(2)} ms, p99 ${again!.p99.toFixed(2)} ms; ${again!.tail}`);
    stalls(prof, 10);
    writeFileSync(join(runDir, 'recommend-100rps.cpuprofile'), JSON.stringify(prof));
  }
  log(`hello-world saturation (8 connections): ${helloSat.rps.toFixed(0)} req/s, errors ${helloSat.errors}`);
  agent.destroy();
  const r2 = (x: number) => Math.round(x * 100) / 100;
  const r3 = (x: number) => Math.round(x * 1000) / 1000;
  console.log(
    JSON.stringify({
      bench: 'edge-recommend',
      rps: r2(recSat.rps),
      p50_ms: r2(recFixed.p50),
      p99_ms: r2(recFixed.p99),
      baseline_rps: r2(helloSat.rps),
      ratio: r2(recSat.rps / helloSat.rps),
      floor_rps: r2(floorAll.rps),
      floor_ratio: r2(recSat.rps / floorAll.rps),
      // workerd CPU per request at saturation (ms, from /proc): steadier than req/s on a shared machine.
      cpu_ms: r3((cpu1.workerd! - cpu0.workerd!) / (recSat.rps * 10)),
      floor_cpu_ms: r3((flcpu1.workerd! - flcpu0.workerd!) / (floorAll.rps * 10)),
      baseline_cpu_ms: r3((hcpu1.workerd! - hcpu0.workerd!) / (helloSat.rps * 10)),
      ...(variantNames.length ? { variants } : {}),
      baseline_p50_ms: r2(helloFixed.p50),
      baseline_p99_ms: r2(helloFixed.p99),
      offered_rps: 100,
      items: ITEMS,
      users: USERS,
    }),
  );
} finally {
  await cleanup();
}
