// Starts the edge Worker under `wrangler dev` (offline) on a free port with its own env file and
// persisted state directory; used by the alarm benchmark and the scheduling wrangler-dev tests.
import { execFile, spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '../../../..');
const WRANGLER = join(REPO_ROOT, 'node_modules', '.bin', 'wrangler');
const OFFLINE = { WRANGLER_SEND_METRICS: 'false', CLOUDFLARE_CF_FETCH_ENABLED: 'false', WRANGLER_HIDE_BANNER: 'true', CI: 'true' };
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export const freePort = () =>
  new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });

/** Writes the env file and applies the D1 migrations into `runDir`/wrangler. */
export async function prepareEdge(runDir, vars) {
  mkdirSync(runDir, { recursive: true });
  const persist = join(runDir, 'wrangler');
  const envFile = join(runDir, 'edge.env');
  writeFileSync(envFile, Object.entries(vars).map(([k, v]) => `${k}=${v}`).join('\n') + '\n', { mode: 0o600 });
  await new Promise((resolve, reject) =>
    execFile(WRANGLER, ['d1', 'migrations', 'apply', 'vidplat-catalogue', '--local', '--persist-to', persist], { cwd: REPO_ROOT, env: { ...process.env, ...OFFLINE }, timeout: 120_000 }, (err, out, errOut) =>
      err ? reject(new Error(`migrations: ${errOut || out || err.message}`)) : resolve(),
    ),
  );
  return { persist, envFile };
}

/** Starts wrangler dev; resolves once the Worker answers. kill(signal) ends the whole group. */
export async function startEdge({ persist, envFile }, { verbose = false } = {}) {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const child = spawn(
    WRANGLER,
    ['dev', '--ip', '127.0.0.1', '--port', String(port), '--inspector-port', '0', '--persist-to', persist, '--env-file', envFile, '--show-interactive-dev-session=false', '--log-level', 'warn'],
    { cwd: REPO_ROOT, env: { ...process.env, ...OFFLINE }, stdio: ['ignore', verbose ? 'inherit' : 'ignore', verbose ? 'inherit' : 'ignore'], detached: true },
  );
  const exited = new Promise((r) => child.once('exit', r));
  const kill = async (signal = 'SIGTERM') => {
    try {
      process.kill(-child.pid, signal);
    } catch {}
    await Promise.race([exited, sleep(10_000)]);
  };
  const deadline = Date.now() + 90_000;
  for (;;) {
    try {
      // Any answer means the Worker is up (healthz may be 503 when ingest/Redis are absent).
      await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(2000) });
      break;
    } catch {}
    if (Date.now() > deadline) {
      await kill('SIGKILL');
      throw new Error('wrangler dev did not come up');
    }
    await sleep(300);
  }
  return { url, kill };
}
