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

export async function startUpstashBridge(redisUrl: string, token: string, port: number): Promise<UpstashBridge> {
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: 2, enableAutoPipelining: false });
  const server = createServer(async (req, res) => {
    try {
      if (req.headers.authorization !== `Bearer ${token}`) return send(res, 401, { error: 'Unauthorized' });
      if (req.method !== 'POST') return send(res, 405, { error: 'only POST is supported by the local bridge' });
      const base64 = String(req.headers['upstash-encoding'] ?? '').toLowerCase() === 'base64';
      const path = (req.url ?? '/').split('?')[0];
      const body = await readJson(req);
      if (path === '/' || path === '') {
        if (!isCommand(body)) return send(res, 400, { error: 'body must be a command array' });
        try {
          const [cmd, ...args] = body;
          const r = (await redis.callBuffer(String(cmd), ...args.map(String))) as Reply;
          return send(res, 200, { result: encode(r, base64) });
        } catch (e) {
          return send(res, 400, { error: e instanceof Error ? e.message : String(e) });
        }
      }
      if (path === '/pipeline' || path === '/multi-exec') {
        if (!Array.isArray(body) || !body.every(isCommand)) return send(res, 400, { error: 'body must be an array of commands' });
        const batch = path === '/multi-exec' ? redis.multi() : redis.pipeline();
        for (const [cmd, ...args] of body) batch.callBuffer(String(cmd), ...args.map(String));
        const results = (await batch.exec()) ?? [];
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
