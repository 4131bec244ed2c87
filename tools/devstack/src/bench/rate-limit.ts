/**
 * `npm run bench:ratelimit`: the latency the shared rate limiter adds to a request.
 *
 * One workerd (Miniflare API) runs edge/bench/rate-limit-worker.ts, whose only work is one rate
 * check of the kind named in the query; the RateLimiter Durable Object is the production class.
 * Modes (per request, sequential, one keep-alive connection, interleaved in rounds so drift of
 * the shared machine falls on every mode alike):
 * - none: no check, the named baseline;
 * - isolate: the isolate's own token buckets (the limiter before the shared one);
 * - shared: production, the tenant's object through this isolate's leases;
 * - shared1: an object call on every request (leases of one token), the worst case, which a
 *   key's first request after an idle second pays.
 * Locally the object runs in the same workerd; in production it may sit in another location,
 * so the shared1 figure is a floor of that cost and the shared figure is what leases keep of it.
 * Last line: {"bench":"ratelimit","baseline":"none",…,"ratio_shared": baseline p50 ÷ shared p50}.
 * Env: RATELIMIT_ROUNDS (default 10), RATELIMIT_PER_ROUND (default 300).
 */
import { build } from 'esbuild';
import { Miniflare } from 'miniflare';
import { join } from 'node:path';
import { REPO_ROOT } from '../stack.js';

const ROUNDS = Number(process.env.RATELIMIT_ROUNDS ?? 10);
const PER_ROUND = Number(process.env.RATELIMIT_PER_ROUND ?? 300);
const MODES = ['none', 'isolate', 'shared', 'shared1'] as const;

const bundle = await build({
  entryPoints: [join(REPO_ROOT, 'edge/bench/rate-limit-worker.ts')],
  bundle: true,
  write: false,
  format: 'esm',
  platform: 'neutral',
  conditions: ['workerd', 'worker', 'browser'],
  mainFields: ['module', 'main'],
  external: ['cloudflare:*', 'node:*'],
  target: 'es2022',
});
const mf = new Miniflare({
  modules: true,
  script: bundle.outputFiles[0]!.text,
  compatibilityDate: '2026-04-01',
  compatibilityFlags: ['nodejs_compat'],
  durableObjects: { RATE_LIMITER: { className: 'RateLimiter', useSQLite: true } },
});
const url = await mf.ready;

const lat: Record<string, number[]> = Object.fromEntries(MODES.map((m) => [m, []]));
const statuses: Record<string, Record<number, number>> = Object.fromEntries(MODES.map((m) => [m, {}]));
async function once(mode: string): Promise<number> {
  const t = performance.now();
  const res = await fetch(`${url}?mode=${mode}`);
  await res.arrayBuffer();
  const ms = performance.now() - t;
  statuses[mode]![res.status] = (statuses[mode]![res.status] ?? 0) + 1;
  return ms;
}
// Warm-up: every mode's code paths and the object exist before measuring.
for (const m of MODES) for (let i = 0; i < 200; i++) await once(m);
await (await fetch(`${url}?mode=stats`)).arrayBuffer();
for (const m of MODES) statuses[m] = {};
for (let r = 0; r < ROUNDS; r++) for (const m of MODES) for (let i = 0; i < PER_ROUND; i++) lat[m]!.push(await once(m));
const calls = (await (await fetch(`${url}?mode=stats`)).json()) as { shared: number; shared1: number };
await mf.dispose();

const q = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(p * s.length))]!;
};
const r3 = (x: number) => Math.round(x * 1000) / 1000;
const row = (m: string) => ({ p50: q(lat[m]!, 0.5), p99: q(lat[m]!, 0.99), mean: lat[m]!.reduce((a, b) => a + b, 0) / lat[m]!.length });
console.log(`rate check latency per request, ${ROUNDS} rounds × ${PER_ROUND} requests per mode (HTTP round trip to workerd included):`);
console.log('mode      p50 ms   p99 ms   mean ms  added p50 ms  statuses');
const base = row('none');
for (const m of MODES) {
  const x = row(m);
  console.log(`${m.padEnd(9)} ${x.p50.toFixed(3).padStart(7)}  ${x.p99.toFixed(3).padStart(7)}  ${x.mean.toFixed(3).padStart(7)}  ${(x.p50 - base.p50).toFixed(3).padStart(12)}  ${JSON.stringify(statuses[m])}`);
}
console.log(`object calls per request: shared ${calls.shared.toFixed(4)}, shared1 ${calls.shared1.toFixed(4)}`);
const s = row('shared');
const s1 = row('shared1');
const iso = row('isolate');
console.log(
  JSON.stringify({
    bench: 'ratelimit',
    baseline: 'none',
    baseline_p50_ms: r3(base.p50),
    isolate_p50_ms: r3(iso.p50),
    shared_p50_ms: r3(s.p50),
    shared_p99_ms: r3(s.p99),
    shared1_p50_ms: r3(s1.p50),
    shared1_p99_ms: r3(s1.p99),
    added_p50_ms_shared: r3(s.p50 - base.p50),
    added_p50_ms_shared1: r3(s1.p50 - base.p50),
    object_calls_per_request: r3(calls.shared),
    ratio_shared: r3(base.p50 / s.p50),
  }),
);
