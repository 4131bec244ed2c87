/**
 * Dev stack CLI.
 *   up    start the whole platform with demo data in the foreground (npm start); Ctrl-C stops it
 *   down  stop what a previous run left behind (npm run stop)
 * Ports: CLICKHOUSE_PORT (8123), REDIS_PORT (6380), UPSTASH_BRIDGE_PORT (8079), INGEST_PORT (8788),
 * EDGE_PORT (8787), MEDIA_ORIGIN_PORT (8790); a taken port falls back to a free one and the banner shows the real one.
 */
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CreatedApiKey } from '@vidplat/contracts';
import { liveTrafficBatch } from './demo/stream.js';
import type { DemoContext, DemoSeeder, DemoTenant } from './demo/context.js';
import { startProcess, stopAll } from './process.js';
import { REPO_ROOT, startStack, type Stack } from './stack.js';

const RUN_DIR = join(REPO_ROOT, '.run', 'dev');
const num = (v: string | undefined, d: number) => (v ? Number(v) : d);

const DEMO_TENANTS: Omit<DemoTenant, 'superKey'>[] = [
  { tenantId: 'demo-vlog', name: 'Demo Vlog', template: 'vlog' },
  { tenantId: 'demo-news', name: 'Demo News', template: 'news' },
  { tenantId: 'demo-shop', name: 'Demo Shop', template: 'ecommerce' },
  { tenantId: 'demo-music', name: 'Demo Music', template: 'music' },
];

/** Seeders run in this order when present (catalogue first: others reference its videos). */
const SEED_ORDER = ['catalogue', 'recommend', 'stream', 'scheduling', 'media', 'analytics'];

async function provision(edgeUrl: string, adminKey: string): Promise<DemoTenant[]> {
  const out: DemoTenant[] = [];
  for (const t of DEMO_TENANTS) {
    const res = await fetch(`${edgeUrl}/v1/platform/tenants`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ tenantId: t.tenantId, name: t.name, permissions: ['act_as_user'] }),
    });
    if (res.status !== 201) throw new Error(`provisioning ${t.tenantId}: ${res.status} ${await res.text()}`);
    out.push({ ...t, superKey: CreatedApiKey.parse(await res.json()).apiKey });
  }
  return out;
}

async function runSeeders(ctx: DemoContext): Promise<void> {
  const dir = join(REPO_ROOT, 'tools', 'devstack', 'src', 'demo');
  const modules = readdirSync(dir)
    .filter((f) => f.endsWith('.ts') && !f.endsWith('.test.ts') && !['context.ts', 'synthetic-events.ts'].includes(f))
    .map((f) => f.replace(/\.ts$/, ''))
    .sort((a, b) => (SEED_ORDER.indexOf(a) + 1 || 99) - (SEED_ORDER.indexOf(b) + 1 || 99));
  for (const m of modules) {
    const mod = (await import(join(dir, `${m}.ts`))) as Record<string, unknown>;
    for (const [name, fn] of Object.entries(mod)) {
      if (!name.startsWith('seed') || typeof fn !== 'function') continue;
      const t0 = Date.now();
      try {
        await (fn as DemoSeeder)(ctx);
        ctx.log(`seeded ${m} (${name}) in ${Date.now() - t0} ms`);
      } catch (e) {
        // One capability's demo data failing must not keep the platform from starting.
        ctx.log(`seeding ${m} failed: ${(e as Error).message}`);
      }
    }
  }
}

/**
 * The offline similarity job (stream/src/similarity/cli.ts) on a schedule, as production runs it:
 * every tenant with interactions in events_raw (the demo history the seeders wrote, then live
 * traffic) gets EASE neighbour lists and EASE + iALS user-CF lists, the first build at once and
 * then every SIMILARITY_EVERY_MINUTES (default 15). Log: .run/dev/logs/similarity.log.
 */
function startSimilarityJob(ctx: DemoContext): () => void {
  const every = num(process.env.SIMILARITY_EVERY_MINUTES, 15);
  const p = startProcess(RUN_DIR, 'similarity', join(REPO_ROOT, 'node_modules', '.bin', 'tsx'), [join(REPO_ROOT, 'stream', 'src', 'similarity', 'cli.ts'), '--every-minutes', String(every)], {
    env: { ...process.env, ...ctx.env },
    cwd: REPO_ROOT,
  });
  ctx.log(`similarity job started (every ${every} min; log ${p.logFile})`);
  return () => void p.stop();
}

/** Posts a trickle of synthetic behaviour events so dashboards and hot lists move. */
function startEventGenerator(ctx: DemoContext): () => void {
  let seed = 1;
  let sent = 0;
  const timer = setInterval(async () => {
    for (const t of ctx.tenants) {
      const events = liveTrafficBatch(t.tenantId, seed++, Date.now());
      try {
        const res = await fetch(`${ctx.edgeUrl}/v1/events`, {
          method: 'POST',
          headers: { authorization: `Bearer ${t.superKey}`, 'content-type': 'application/json' },
          body: JSON.stringify({ events }),
          signal: AbortSignal.timeout(5000),
        });
        if (res.ok) sent += events.length;
      } catch {
        /* the next tick retries with new events */
      }
    }
    if (seed % 40 === 0) ctx.log(`event generator: ${sent} events accepted so far`);
  }, 2000);
  return () => clearInterval(timer);
}

/**
 * Stops everything this run started, once, however it is asked to: SIGINT/SIGTERM to this process
 * (npm forwards its own), or the parent going away. Installed before anything starts, so a signal
 * during start-up stops what is already running (PID files under the run dir) instead of leaving
 * it serving.
 */
function installShutdown(log: (l: string) => void): { setStack(s: Stack): void; onStop(f: () => void): void } {
  let stack: Stack | undefined;
  const hooks: (() => void)[] = [];
  let stopping: Promise<void> | undefined;
  const shutdown = (why: string) =>
    (stopping ??= (async () => {
      log(`stopping (${why})…`);
      for (const f of hooks) f();
      await stack?.stop().catch((e: unknown) => log(`stop: ${(e as Error).message}`));
      // Anything started but not yet handed over (a signal during start-up) is in the PID files.
      const rest = await stopAll(RUN_DIR).catch(() => []);
      if (rest.length) log(`stopped ${rest.join(', ')}`);
      log('stopped');
      process.exit(0);
    })());
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGHUP', () => void shutdown('SIGHUP'));
  // A parent killed without passing a signal on (npm SIGKILLed, a closed terminal) re-parents us.
  const parent = process.ppid;
  setInterval(() => {
    if (process.ppid !== parent) void shutdown(`parent ${parent} exited`);
  }, 1000).unref();
  return { setStack: (s) => (stack = s), onStop: (f) => hooks.push(f) };
}

async function up(): Promise<void> {
  const log = (l: string) => console.log(`[vidplat] ${l}`);
  const lifecycle = installShutdown(log);
  await stopAll(RUN_DIR).catch(() => []);
  rmSync(RUN_DIR, { recursive: true, force: true }); // demo data is re-seeded on every start
  const e = process.env;
  const stack = await startStack({
    runDir: RUN_DIR,
    services: true,
    log,
    ports: {
      clickhouse: num(e.CLICKHOUSE_PORT, 8123),
      redis: num(e.REDIS_PORT, 6380),
      bridge: num(e.UPSTASH_BRIDGE_PORT, 8079),
      ingest: num(e.INGEST_PORT, 8788),
      edge: num(e.EDGE_PORT, 8787),
      mediaOrigin: num(e.MEDIA_ORIGIN_PORT, 8790),
    },
  });
  lifecycle.setStack(stack);
  const edgeUrl = stack.urls.edge!;
  const tenants = await provision(edgeUrl, stack.env.ADMIN_API_KEY!);
  const ctx: DemoContext = { edgeUrl, env: stack.env, tenants, log };
  await runSeeders(ctx);
  lifecycle.onStop(startSimilarityJob(ctx));
  lifecycle.onStop(startEventGenerator(ctx));
  const line = '─'.repeat(72);
  console.log(`\n${line}\n vidplat is running locally (Ctrl-C to stop)\n${line}`);
  console.log(` edge API        ${edgeUrl}   (try ${edgeUrl}/healthz)`);
  console.log(` admin page      ${edgeUrl}/admin`);
  const vlog = tenants.find((t) => t.tenantId === 'demo-vlog');
  console.log(` recommend       curl -H 'authorization: Bearer ${vlog?.superKey}' '${edgeUrl}/v1/recommend?tenant=demo-vlog&scenario=feed&user=u1&debug=1'`);
  console.log(` OpenAPI         ${edgeUrl}/v1/openapi.json`);
  const media = stack.env.MEDIA_ORIGIN_URL;
  if (media) console.log(` media-node      ${media}   (tus uploads ${media}/v1/uploads, HLS ${media}/hls/…)`);
  console.log(` platform key    ADMIN_API_KEY in ${join(RUN_DIR, 'edge.env')} (POST /v1/platform/tenants; local only)`);
  for (const [k, v] of Object.entries(stack.urls)) if (k !== 'edge') console.log(` ${k.padEnd(15)} ${v}`);
  console.log(` Kafka brokers   ${stack.env.KAFKA_BROKERS}`);
  console.log(` versions        ${Object.values(stack.versions).join(' · ')}`);
  console.log(` logs            ${join(RUN_DIR, 'logs')}`);
  console.log(' demo tenant keys (local only):');
  for (const t of tenants) console.log(`   ${t.tenantId.padEnd(11)} ${t.superKey}`);
  console.log(`${line}\n`);
  await new Promise(() => undefined);
}

async function down(): Promise<void> {
  const stopped = await stopAll(RUN_DIR);
  console.log(stopped.length ? `stopped ${stopped.join(', ')}` : 'nothing was running');
}

const cmd = process.argv[2];
if (cmd === 'up') await up();
else if (cmd === 'down') await down();
else {
  console.error('usage: cli.ts up|down');
  process.exit(2);
}
