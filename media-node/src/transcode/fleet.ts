/**
 * The transcode fleet on one host: MEDIA_TRANSCODE_WORKERS worker processes (one consumer-group
 * member each, so the broker spreads partitions over them), restarted with backoff when one dies.
 * /healthz on MEDIA_FLEET_PORT reports every worker. Other hosts run their own fleet.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MediaFleetEnv, parseEnv } from '@vidplat/contracts';
import { startHealthServer } from '../ops/health.js';
import { log } from '../ops/log.js';

const env = parseEnv(MediaFleetEnv, process.env);
const entry = join(dirname(fileURLToPath(import.meta.url)), 'main.ts');

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

interface Slot {
  id: string;
  port: number;
  child?: ChildProcess;
  restarts: number;
}
let stopping = false;
const slots: Slot[] = [];

function launch(slot: Slot): void {
  // execArgv carries the TypeScript loader (tsx) the fleet itself was started with.
  const child = spawn(process.execPath, [...process.execArgv, entry], {
    env: { ...process.env, MEDIA_WORKER_ID: slot.id, MEDIA_WORKER_PORT: String(slot.port) },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  slot.child = child;
  child.on('exit', (code, signal) => {
    if (stopping) return;
    slot.restarts++;
    const delay = Math.min(30_000, 500 * 2 ** Math.min(slot.restarts, 6));
    log.warn('transcode worker exited; restarting', { workerId: slot.id, code, signal, delayMs: delay });
    setTimeout(() => launch(slot), delay);
  });
}

for (let i = 1; i <= env.MEDIA_TRANSCODE_WORKERS; i++) {
  const slot: Slot = { id: `${hostname()}-w${i}`, port: await freePort(), restarts: 0 };
  slots.push(slot);
  launch(slot);
}

async function workerHealth(s: Slot): Promise<unknown> {
  try {
    const r = await fetch(`http://127.0.0.1:${s.port}/healthz`, { signal: AbortSignal.timeout(1000) });
    return { ok: r.ok, restarts: s.restarts, ...((await r.json()) as object) };
  } catch {
    return { ok: false, workerId: s.id, restarts: s.restarts };
  }
}
let allOk = false;
await startHealthServer(
  env.MEDIA_FLEET_PORT,
  async () => {
    const workers = (await Promise.all(slots.map(workerHealth))) as Array<{ ok: boolean }>;
    allOk = workers.every((w) => w.ok);
    return { workers };
  },
  () => allOk,
);
log.info('transcode fleet started', { workers: slots.length, port: env.MEDIA_FLEET_PORT });

const shutdown = () => {
  stopping = true;
  for (const s of slots) s.child?.kill('SIGTERM');
  setTimeout(() => process.exit(0), 10_000).unref();
  Promise.all(slots.map((s) => new Promise((r) => (s.child?.exitCode !== null ? r(null) : s.child.once('exit', r))))).then(() => process.exit(0));
};
process.on('SIGTERM', shutdown);
process.on('SIGINT', shutdown);
