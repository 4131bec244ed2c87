/**
 * The Upstash Redis REST protocol over a local redis-server, so the edge's @upstash/redis client
 * runs unchanged in development and tests. Supports what the SDK sends: a single command as a JSON
 * array at `/`, `/pipeline` and `/multi-exec` with arrays of commands, bearer-token auth and
 * `Upstash-Encoding: base64` responses. Dev tooling only: production talks to Upstash itself.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { Redis } from 'ioredis';

type Reply = Buffer | number | null | Reply[] | string;
type Encoded = string | number | null | Encoded[];

function encode(v: Reply, base64: boolean): Encoded {
  if (v === null || typeof v === 'number') return v;
  if (Array.isArray(v)) return v.map((x) => encode(x, base64));
  const buf = typeof v === 'string' ? Buffer.from(v) : v;
  return base64 ? buf.toString('base64') : buf.toString('utf8');
}

const isCommand = (x: unknown): x is (string | number)[] =>
  Array.isArray(x) && x.length > 0 && x.every((a) => typeof a === 'string' || typeof a === 'number');

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

export interface UpstashBridge {
  server: Server;
  url: string;
  close(): Promise<void>;
}

export interface UpstashBridgeOptions {
  /** Where the bridge says that Redis went away and came back (default: console.error). */
  log?: (line: string) => void;
}

/**
 * A Redis reply error (WRONGTYPE, wrong arguments...) is the command's answer: Upstash returns it
 * as 400 {"error"}. Anything else (connection refused or closed, retries exhausted, offline) means
 * the store is unavailable: 503 {"error"}, which the edge's feature-store breaker counts.
 */
const isReplyError = (e: unknown) => e instanceof Error && e.name === 'ReplyError';

export async function startUpstashBridge(redisUrl: string, token: string, port: number, o: UpstashBridgeOptions = {}): Promise<UpstashBridge> {
  const log = o.log ?? ((l: string) => console.error(l));
  const where = new URL(redisUrl).host;
  // No offline queue: while Redis is down a request is answered 503 at once instead of waiting
  // for reconnects (the edge has its own timeout and breaker); ioredis keeps reconnecting.
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 1, enableAutoPipelining: false, enableOfflineQueue: false, lazyConnect: true });
  // One line per outage and one per recovery, not one per reconnect attempt; without a listener
  // ioredis prints every failed reconnect as an unhandled error event.
  let down: string | null = null;
  redis.on('error', (e: Error & { code?: string }) => {
    const why = e.code ?? e.message;
    if (down === null) log(`upstash bridge: Redis at ${where} unreachable (${why}); answering 503 until it is back`);
    down = why;
  });
  redis.on('ready', () => {
    if (down !== null) log(`upstash bridge: Redis at ${where} reachable again`);
    down = null;
  });
  // Down at start: the error listener says so and ioredis keeps trying; requests get 503 meanwhile.
  await redis.connect().catch(() => undefined);
  const unavailable = (res: ServerResponse, e?: unknown) =>
    send(res, 503, { error: `ERR feature store unavailable: Redis at ${where} ${down ? `unreachable (${down})` : `not ready (${e instanceof Error ? e.message : redis.status})`}` });
  const server = createServer(async (req, res) => {
    try {
      if (req.headers.authorization !== `Bearer ${token}`) return send(res, 401, { error: 'Unauthorized' });
      if (req.method !== 'POST') return send(res, 405, { error: 'only POST is supported by the local bridge' });
      const base64 = String(req.headers['upstash-encoding'] ?? '').toLowerCase() === 'base64';
      const path = (req.url ?? '/').split('?')[0];
      const body = await readJson(req);
      if (path === '/' || path === '') {
        if (!isCommand(body)) return send(res, 400, { error: 'body must be a command array' });
        if (redis.status !== 'ready') return unavailable(res);
        try {
          const [cmd, ...args] = body;
          const r = (await redis.callBuffer(String(cmd), ...args.map(String))) as Reply;
          return send(res, 200, { result: encode(r, base64) });
        } catch (e) {
          if (!isReplyError(e)) return unavailable(res, e);
          return send(res, 400, { error: e instanceof Error ? e.message : String(e) });
        }
      }
      if (path === '/pipeline' || path === '/multi-exec') {
        if (!Array.isArray(body) || !body.every(isCommand)) return send(res, 400, { error: 'body must be an array of commands' });
        if (redis.status !== 'ready') return unavailable(res);
        const batch = path === '/multi-exec' ? redis.multi() : redis.pipeline();
        for (const [cmd, ...args] of body) batch.callBuffer(String(cmd), ...args.map(String));
        let results: [Error | null, unknown][];
        try {
          results = (await batch.exec()) ?? [];
        } catch (e) {
          if (!isReplyError(e)) return unavailable(res, e);
          return send(res, 400, { error: e instanceof Error ? e.message : String(e) });
        }
        // A command that failed for want of a connection is not the command's answer.
        const lost = results.find(([err]) => err && !isReplyError(err));
        if (lost) return unavailable(res, lost[0]);
        return send(
          res,
          200,
          results.map(([err, r]) => (err ? { error: err.message } : { result: encode(r as Reply, base64) })),
        );
      }
      return send(res, 404, { error: `unknown path ${path}` });
    } catch (e) {
      return send(res, 400, { error: e instanceof Error ? e.message : String(e) });
    }
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    server,
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      redis.disconnect();
    },
  };
}

// Run as a process: `tsx upstash-bridge.ts` with REDIS_URL, UPSTASH_BRIDGE_PORT, UPSTASH_REDIS_REST_TOKEN.
if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  const port = Number(process.env.UPSTASH_BRIDGE_PORT ?? 8079);
  const token = process.env.UPSTASH_REDIS_REST_TOKEN;
  if (!token) {
    console.error('UPSTASH_REDIS_REST_TOKEN is required');
    process.exit(2);
  }
  const b = await startUpstashBridge(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', token, port);
  console.log(`upstash bridge listening on ${b.url}`);
  const stop = () => void b.close().then(() => process.exit(0));
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
