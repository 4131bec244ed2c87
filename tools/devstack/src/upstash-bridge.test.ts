import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { freePort } from './process.js';
import { startRedis } from './redis.js';
import { startUpstashBridge, type UpstashBridge } from './upstash-bridge.js';

/**
 * The local Upstash bridge while its Redis dies and comes back (bench:chaos kills Redis under
 * load): Upstash-shaped answers all along ({"error"} with 503 while the store is unreachable, so
 * the edge's feature-store breaker counts them; 400 stays a command's own error), one log line
 * per outage and per recovery, and no unhandled ioredis error events.
 */
const runDir = mkdtempSync(join(tmpdir(), 'upstash-bridge-'));
let bridge: UpstashBridge | undefined;
afterAll(async () => {
  await bridge?.close();
  rmSync(runDir, { recursive: true, force: true });
});

describe('upstash bridge', () => {
  it('answers 503 {"error"} at once while Redis is down, logs the outage and the recovery once each, and serves again after', async () => {
    const port = await freePort();
    let redis = await startRedis(runDir, port);
    const lines: string[] = [];
    bridge = await startUpstashBridge(redis.url, 'tok', await freePort(), { log: (l) => lines.push(l) });
    const call = async (path: string, body: unknown) => {
      const t0 = Date.now();
      const res = await fetch(`${bridge!.url}${path}`, { method: 'POST', headers: { authorization: 'Bearer tok' }, body: JSON.stringify(body), signal: AbortSignal.timeout(5000) });
      return { status: res.status, body: (await res.json()) as unknown, ms: Date.now() - t0 };
    };
    expect((await call('/', ['SET', 'k', 'v'])).body).toEqual({ result: 'OK' });
    expect(await call('/pipeline', [['GET', 'k'], ['LPUSH', 'k', 'x']])).toMatchObject({
      status: 200,
      body: [{ result: 'v' }, { error: expect.stringMatching(/^WRONGTYPE/) }],
    });
    expect(await call('/', ['HGET', 'k', 'f'])).toMatchObject({ status: 400, body: { error: expect.stringMatching(/^WRONGTYPE/) } });

    // ioredis prints "[ioredis] Unhandled error event" through console.error when nobody listens.
    const consoleError = vi.spyOn(console, 'error');
    await redis.process.stop();
    // Every shape answers 503 with an Upstash error body, without waiting for reconnects.
    for (const [path, body] of [
      ['/', ['GET', 'k']],
      ['/pipeline', [['GET', 'k'], ['ZRANGE', 'z', '0', '-1']]],
      ['/multi-exec', [['INCR', 'n']]],
    ] as const) {
      const r = await call(path, body);
      expect(r.status, path).toBe(503);
      expect(r.body, path).toEqual({ error: expect.stringMatching(/^ERR feature store unavailable: Redis at 127\.0\.0\.1:\d+/) });
      expect(r.ms, path).toBeLessThan(2000);
    }
    // ioredis retries in the background: still one line for the whole outage.
    await new Promise((r) => setTimeout(r, 1500));
    expect(lines).toEqual([expect.stringMatching(/^upstash bridge: Redis at 127\.0\.0\.1:\d+ unreachable \(ECONNREFUSED\); answering 503 until it is back$/)]);

    redis = await startRedis(runDir, port);
    let back = await call('/', ['SET', 'k', 'again']);
    for (let i = 0; i < 100 && back.status !== 200; i++) {
      await new Promise((r) => setTimeout(r, 100));
      back = await call('/', ['SET', 'k', 'again']);
    }
    expect(back).toMatchObject({ status: 200, body: { result: 'OK' } });
    expect((await call('/', ['GET', 'k'])).body).toEqual({ result: 'again' });
    expect(lines).toHaveLength(2);
    expect(lines[1]).toMatch(/^upstash bridge: Redis at 127\.0\.0\.1:\d+ reachable again$/);
    expect(consoleError).not.toHaveBeenCalled();
    consoleError.mockRestore();
    await redis.process.stop();
  });
});
