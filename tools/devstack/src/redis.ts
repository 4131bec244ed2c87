import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Redis } from 'ioredis';
import { startProcess, waitFor, type ManagedProcess } from './process.js';

export interface RedisServer {
  process: ManagedProcess;
  url: string;
  version: string;
}

/** Debian's redis-server on loopback, no persistence: the feature store is rebuilt by the stream jobs. */
export async function startRedis(runDir: string, port: number): Promise<RedisServer> {
  if (!existsSync('/usr/bin/redis-server')) throw new Error('redis-server is not installed: run `npm run setup`');
  const version = execFileSync('redis-server', ['--version']).toString().match(/v=([\d.]+)/)?.[1] ?? '?';
  const proc = startProcess(runDir, 'redis', 'redis-server', [
    '--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'yes',
  ]);
  const url = `redis://127.0.0.1:${port}`;
  await waitFor(
    'redis-server PING',
    async () => {
      const r = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      r.on('error', () => undefined); // refused while starting: waitFor retries
      try {
        await r.connect();
        return (await r.ping()) === 'PONG';
      } finally {
        r.disconnect();
      }
    },
    10_000,
    proc.logFile,
  );
  return { process: proc, url, version: `Redis ${version}` };
}
