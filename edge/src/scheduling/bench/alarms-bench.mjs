// npm run bench:alarms — alarm lateness of the Scheduler under `wrangler dev`.
// One tenant, N schedules (default 10,000) due over a window (default 120 s) starting a minute
// from now; every fire's lateness (completed − scheduled) is measured inside the object and read
// from GET /v1/admin/scheduling/stats. Last line:
//   {"bench":"alarms","schedules":N,"lateness_p50_ms":A,"lateness_p99_ms":B,"fired":F}
// Plain JS (Node 20) so the Worker's TypeScript project ignores it.
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../../..');
const N = Number(process.env.BENCH_SCHEDULES ?? 10_000);
const WINDOW_S = Number(process.env.BENCH_WINDOW_SECONDS ?? 120);
const LEAD_S = Number(process.env.BENCH_LEAD_SECONDS ?? 60);
const RUN = join(ROOT, '.run', 'bench', `alarms-${process.pid}`);
const WRANGLER = join(ROOT, 'node_modules', '.bin', 'wrangler');
const PLATFORM_KEY = 'vp_platform_bench-platform-key-0123456789';
const OFFLINE = { WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_HIDE_BANNER: 'true', CI: 'true' };
const log = (m) => process.stderr.write(`[bench:alarms] ${m}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const freePort = () =>
  new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

async function api(base, key, method, path, body) {
  for (let attempt = 1; ; attempt++) {
    try {
      const res = await fetch(`${base}${path}`, {
        method,
        headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        signal: AbortSignal.timeout(60_000),
      });
      const text = await res.text();
      if (res.status >= 500 && attempt < 3) throw new Error(`${res.status} ${text.slice(0, 200)}`);
      return { status: res.status, body: text ? JSON.parse(text) : null };
    } catch (e) {
      if (attempt >= 3) throw e;
      await sleep(300 * attempt);
    }
  }
}

async function main() {
  rmSync(RUN, { recursive: true, force: true });
  mkdirSync(RUN, { recursive: true });
  const persist = join(RUN, 'wrangler');
  const envFile = join(RUN, 'edge.env');
  // Nothing listens on port 9: schedule events stay in the outbox (retried with backoff).
  const vars = {
    INGEST_URL: 'http://127.0.0.1:9',
    INGEST_TOKEN: 'bench-ingest-token-0123456789',
    UPSTASH_REDIS_REST_URL: 'http://127.0.0.1:9',
    UPSTASH_REDIS_REST_TOKEN: 'bench',
    ADMIN_API_KEY: PLATFORM_KEY,
    PLAYBACK_SIGNING_KEYS: JSON.stringify({ kb: 'bench-signing-key-0123456789abcdef' }),
  };
  writeFileSync(envFile, Object.entries(vars).map(([k, v]) => `${k}=${v}`).join('\n') + '\n', { mode: 0o600 });
  await new Promise((resolve, reject) =>
    execFile(WRANGLER, ['d1', 'migrations', 'apply', 'vidplat-catalogue', '--local', '--persist-to', persist], { cwd: ROOT, env: { ...process.env, ...OFFLINE }, timeout: 120_000 }, (err, out, errOut) =>
      err ? reject(new Error(`migrations: ${errOut || out || err.message}`)) : resolve(),
    ),
  );
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const wrangler = spawn(
    WRANGLER,
    ['dev', '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', '0', '--persist-to', persist, '--env-file', envFile, '--show-interactive-dev-session=false', '--log-level', 'warn'],
    { cwd: ROOT, env: { ...process.env, ...OFFLINE }, stdio: ['ignore', 'ignore', 'pipe'], detached: true },
  );
  wrangler.stderr.on('data', (d) => process.env.BENCH_VERBOSE && process.stderr.write(d));
  const stop = () => {
    try {
      process.kill(-wrangler.pid, 'SIGTERM');
    } catch {}
  };
  process.on('exit', stop);
  try {
    const ready = Date.now() + 90_000;
    for (;;) {
      try {
        // Any answer means the Worker is up (healthz is 503 here: ingest and Redis are absent).
        await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(2000) });
        break;
      } catch {}
      if (Date.now() > ready) throw new Error('wrangler dev did not come up');
      await sleep(300);
    }
    const tenantId = `bench-${Date.now().toString(36)}`;
    const t = await api(base, PLATFORM_KEY, 'POST', '/v1/platform/tenants', { tenantId, name: 'alarm bench' });
    if (t.status !== 201) throw new Error(`provision: ${t.status} ${JSON.stringify(t.body)}`);
    const key = t.body.apiKey;
    const start = Date.now() + LEAD_S * 1000;
    const step = (WINDOW_S * 1000) / N;
    let created = 0;
    const t0 = Date.now();
    for (let i = 0; i < N; i += 200) {
      const create = [];
      for (let j = i; j < Math.min(N, i + 200); j++) {
        create.push({ contentKind: 'banner', contentId: `b${j}`, scheduledAt: new Date(Math.round(start + j * step)).toISOString(), title: `bench ${j}`, priority: j % 101 });
      }
      const r = await api(base, key, 'POST', '/v1/admin/scheduling/batch', { create });
      created += (r.body.create ?? []).filter((x) => x.ok).length;
    }
    log(`created ${created}/${N} schedules in ${Date.now() - t0} ms; first due in ${Math.round((start - Date.now()) / 1000)} s, window ${WINDOW_S} s`);
    const deadline = start + WINDOW_S * 1000 + 180_000;
    let stats;
    for (;;) {
      stats = (await api(base, key, 'GET', '/v1/admin/scheduling/stats')).body;
      if (stats.lateness.fired >= created || Date.now() > deadline) break;
      await sleep(2000);
    }
    log(`fired ${stats.lateness.fired}, lateness p50 ${stats.lateness.p50Ms} ms, p99 ${stats.lateness.p99Ms} ms, max ${stats.lateness.maxMs} ms`);
    console.log(JSON.stringify({ bench: 'alarms', schedules: created, lateness_p50_ms: stats.lateness.p50Ms, lateness_p99_ms: stats.lateness.p99Ms, fired: stats.lateness.fired }));
  } finally {
    stop();
  }
}

main().catch((e) => {
  log(e instanceof Error ? e.stack ?? e.message : String(e));
  process.exit(1);
});
