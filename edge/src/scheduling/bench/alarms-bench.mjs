// npm run bench:alarms — alarm lateness of the Scheduler under `wrangler dev`.
// One tenant, N schedules (default 10,000) due over a window (default 120 s) starting a minute
// from now; every fire's lateness (completed − scheduled) is measured inside the object and read
// from GET /v1/admin/scheduling/stats. Last line:
//   {"bench":"alarms","schedules":N,"lateness_p50_ms":A,"lateness_p99_ms":B,"fired":F}
// Plain JS (Node 20) so the Worker's TypeScript project ignores it.
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { prepareEdge, REPO_ROOT, startEdge } from '../testing/wrangler-dev.mjs';

const N = Number(process.env.BENCH_SCHEDULES ?? 10_000);
const WINDOW_S = Number(process.env.BENCH_WINDOW_SECONDS ?? 120);
const LEAD_S = Number(process.env.BENCH_LEAD_SECONDS ?? 60);
const RUN = join(REPO_ROOT, '.run', 'bench', `alarms-${process.pid}`);
const PLATFORM_KEY = 'vp_platform_bench-platform-key-0123456789';
const log = (m) => process.stderr.write(`[bench:alarms] ${m}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

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
  // Nothing listens on port 9: schedule events stay in the outbox (retried with backoff).
  const prepared = await prepareEdge(RUN, {
    INGEST_URL: 'http://127.0.0.1:9',
    INGEST_TOKEN: 'bench-ingest-token-0123456789',
    UPSTASH_REDIS_REST_URL: 'http://127.0.0.1:9',
    UPSTASH_REDIS_REST_TOKEN: 'bench',
    ADMIN_API_KEY: PLATFORM_KEY,
    PLAYBACK_SIGNING_KEYS: JSON.stringify({ kb: 'bench-signing-key-0123456789abcdef' }),
  });
  const edge = await startEdge(prepared, { verbose: !!process.env.BENCH_VERBOSE });
  const base = edge.url;
  try {
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
    await edge.kill();
    if (!process.env.BENCH_KEEP) rmSync(RUN, { recursive: true, force: true });
  }
}

main().catch((e) => {
  log(e instanceof Error ? e.stack ?? e.message : String(e));
  process.exit(1);
});
