/**
 * Tail diagnostic for bench:edge: does a *trivial* Worker on one workerd (Miniflare API, as the
 * bench runs it) also stall? Drives a fixed 100 req/s (open loop, latency from the scheduled send
 * time) at a Worker that answers "hi", optionally holding a large heap of small objects
 * (STALL_HEAP=N objects kept in module scope) and allocating per request (STALL_ALLOC=N objects),
 * and prints every request slower than 15 ms with its send time, so stalls (one pause holding up
 * the requests queued behind it) can be counted and compared with bench:edge's.
 * `tsx tools/devstack/src/bench/workerd-stalls.ts` (env STALL_SECONDS, default 30).
 */
import http from 'node:http';
import { Miniflare } from 'miniflare';
import { freePort } from '../process.js';

const SECONDS = Number(process.env.STALL_SECONDS ?? 30);
const HEAP = Number(process.env.STALL_HEAP ?? 0);
const ALLOC = Number(process.env.STALL_ALLOC ?? 0);
/** STALL_RETAIN=N: per-request objects also kept in a ring of N, so they survive scavenges and promote (old generation grows, major GCs happen). */
const RETAIN = Number(process.env.STALL_RETAIN ?? 0);
const log = (s: string) => console.log(`[stalls] ${s}`);

const script = `
const keep = [];
const ring = new Array(${RETAIN});
let at = 0;
for (let i = 0; i < ${HEAP}; i++) keep.push({ id: 'v' + i, s: 'published', p: i, c: ['x'] });
export default {
  fetch() {
    let junk = 0;
    for (let i = 0; i < ${ALLOC}; i++) {
      const o = { a: i, b: 'x' + (i & 7) };
      junk += o.a;
      if (${RETAIN} > 0) { ring[at] = o; at = (at + 1) % ${RETAIN}; }
    }
    return new Response('hi ' + (junk & 1) + ' ' + keep.length);
  },
};`;

const port = await freePort();
const mf = new Miniflare({ modules: true, script, compatibilityDate: '2026-04-01', host: '127.0.0.1', port });
try {
  const url = new URL((await mf.ready).toString());
  const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const get = () =>
    new Promise<void>((resolve, reject) => {
      const req = http.get({ hostname: url.hostname, port: url.port, path: '/', agent }, (res) => {
        res.resume();
        res.on('end', () => resolve());
      });
      req.on('error', reject);
      req.setTimeout(10_000, () => req.destroy(new Error('timeout')));
    });
  for (let i = 0; i < 300; i++) await get(); // warm
  const lat: [number, number][] = [];
  const start = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < SECONDS * 100; i++) {
    const due = start + i * 10;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    pending.push(get().then(() => void lat.push([due - start, performance.now() - due])));
  }
  await Promise.all(pending);
  const sorted = lat.map(([, l]) => l).sort((a, b) => a - b);
  const pct = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
  const slow = lat.filter(([, l]) => l > 15).sort((a, b) => a[0] - b[0]);
  // A stall: slow requests sent within 100 ms of each other.
  let stalls = 0;
  let last = -Infinity;
  for (const [t] of slow) {
    if (t - last > 100) stalls++;
    last = t;
  }
  log(`heap objects ${HEAP}, per-request objects ${ALLOC} (ring of ${RETAIN} kept), ${SECONDS} s at 100 req/s: p50 ${pct(50).toFixed(2)} ms, p99 ${pct(99).toFixed(2)} ms, max ${sorted.at(-1)!.toFixed(1)} ms; ${slow.length} requests > 15 ms in ${stalls} stalls`);
  log(`slow requests (s into the run:ms): ${slow.map(([t, l]) => `${(t / 1000).toFixed(2)}s:${l.toFixed(1)}`).join(' ') || 'none'}`);
  agent.destroy();
} finally {
  await mf.dispose();
}
