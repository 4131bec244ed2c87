import { spawn, type SpawnOptions } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** A background process the dev stack started: its log file and PID file live under the run dir. */
export interface ManagedProcess {
  name: string;
  pid: number;
  logFile: string;
  stop(): Promise<void>;
}

export function runDirs(runDir: string): { logs: string; pids: string } {
  const logs = join(runDir, 'logs');
  const pids = join(runDir, 'pids');
  mkdirSync(logs, { recursive: true });
  mkdirSync(pids, { recursive: true });
  return { logs, pids };
}

export function startProcess(
  runDir: string,
  name: string,
  cmd: string,
  args: string[],
  opts: SpawnOptions = {},
): ManagedProcess {
  const { logs, pids } = runDirs(runDir);
  const logFile = join(logs, `${name}.log`);
  const fd = openSync(logFile, 'a');
  // detached: own process group, so stop() takes children (wrangler's workerd) with it.
  const child = spawn(cmd, args, { ...opts, detached: true, stdio: ['ignore', fd, fd] });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`could not start ${name}: ${cmd}`);
  child.unref();
  const pid = child.pid;
  const pidFile = join(pids, `${name}.pid`);
  writeFileSync(pidFile, String(pid));
  return { name, pid, logFile, stop: () => stopPid(pid, pidFile) };
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** SIGTERM the process group, then SIGKILL after a grace period. */
export async function stopPid(pid: number, pidFile?: string, graceMs = 5000): Promise<void> {
  const signal = (s: NodeJS.Signals) => {
    try {
      process.kill(-pid, s);
    } catch {
      try {
        process.kill(pid, s);
      } catch {
        /* already gone */
      }
    }
  };
  signal('SIGTERM');
  const deadline = Date.now() + graceMs;
  while (isAlive(pid) && Date.now() < deadline) await sleep(100);
  if (isAlive(pid)) signal('SIGKILL');
  if (pidFile && existsSync(pidFile)) rmSync(pidFile);
}

/** Stops everything recorded in the run dir's PID files (a stale stack from a crashed run). */
export async function stopAll(runDir: string): Promise<string[]> {
  const { pids } = runDirs(runDir);
  const { readdirSync } = await import('node:fs');
  const stopped: string[] = [];
  for (const f of readdirSync(pids)) {
    const pid = Number(readFileSync(join(pids, f), 'utf8'));
    if (Number.isInteger(pid) && isAlive(pid)) {
      await stopPid(pid, join(pids, f));
      stopped.push(f.replace(/\.pid$/, ''));
    } else rmSync(join(pids, f));
  }
  return stopped;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** A free TCP port on loopback, or the preferred one when it is free. */
export async function freePort(preferred = 0): Promise<number> {
  const tryPort = (p: number) =>
    new Promise<number>((resolve, reject) => {
      const srv = createServer();
      srv.once('error', reject);
      srv.listen(p, '127.0.0.1', () => {
        const addr = srv.address();
        const port = typeof addr === 'object' && addr ? addr.port : p;
        srv.close(() => resolve(port));
      });
    });
  if (preferred) {
    try {
      return await tryPort(preferred);
    } catch {
      /* taken: fall through to any free port */
    }
  }
  return tryPort(0);
}

/** Polls until check() resolves true, or fails naming what it waited for and where the log is. */
export async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs: number, logFile?: string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      if (await check()) return;
    } catch {
      /* not ready yet */
    }
    await sleep(150);
  }
  const tail = logFile && existsSync(logFile) ? readFileSync(logFile, 'utf8').split('\n').slice(-20).join('\n') : '';
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${logFile ? ` (log: ${logFile})` : ''}\n${tail}`);
}

export async function httpOk(url: string, init?: RequestInit): Promise<boolean> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(1000) });
  return res.ok;
}
