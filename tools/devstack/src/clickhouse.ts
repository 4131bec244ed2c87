import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { httpOk, startProcess, waitFor, type ManagedProcess } from './process.js';

export interface ClickHouseServer {
  process: ManagedProcess;
  url: string;
  version: string;
}

const here = dirname(fileURLToPath(import.meta.url));

function libchdbPath(): string {
  const require = createRequire(import.meta.url);
  const { libchdbPath: find } = require('chdb/libchdb') as { libchdbPath: () => string };
  return find();
}

/** Compiles the tiny launcher once per run dir (cc is on every Debian machine we target). */
function launcher(runDir: string): string {
  const src = resolve(here, '..', 'native', 'clickhouse-http.c');
  const bin = join(runDir, 'bin', 'clickhouse-http');
  if (!existsSync(bin) || statSync(bin).mtimeMs < statSync(src).mtimeMs) {
    mkdirSync(dirname(bin), { recursive: true });
    execFileSync('cc', ['-O2', '-o', bin, src, '-ldl'], { stdio: 'inherit' });
  }
  return bin;
}

/**
 * ClickHouse 26.x's own HTTP server, run from the chdb npm package's engine library. Clients use
 * @clickhouse/client with CLICKHOUSE_URL exactly as against a production server.
 */
export async function startClickHouse(runDir: string, dataDir: string, port: number): Promise<ClickHouseServer> {
  mkdirSync(dataDir, { recursive: true });
  const proc = startProcess(runDir, 'clickhouse', launcher(runDir), [libchdbPath(), dataDir, String(port)]);
  const url = `http://127.0.0.1:${port}`;
  await waitFor('ClickHouse HTTP /ping', () => httpOk(`${url}/ping`), 60_000, proc.logFile);
  const res = await fetch(`${url}/?query=SELECT%20version()`);
  return { process: proc, url, version: `ClickHouse ${(await res.text()).trim()} (chdb)` };
}
