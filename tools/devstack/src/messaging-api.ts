/**
 * A local stand-in for the LINE Messaging API, so campaigns send under `npm start` and in the
 * integration tests exactly as they would against api.line.me. It speaks the documented shapes:
 *
 *   POST /v2/bot/message/multicast      {to: 1-500 ids, messages: 1-5}; Authorization: Bearer
 *        <channel token>; X-Line-Retry-Key (a UUID) executes a request once: the same key again
 *        answers 409 {"message":"The retry key is already accepted"} with
 *        X-Line-Accepted-Request-Id and delivers nothing. 200 {} with X-Line-Request-Id.
 *   GET  /v2/bot/message/quota          {"type":"limited","value":n} (or {"type":"none"})
 *   GET  /v2/bot/message/quota/consumption   {"totalUsage":n}
 *   errors: {"message", "details"?: [{message, property}]} (400 validation, 401 token, 409 retry
 *        key, 413 body over 2 MB, 429 monthly limit reached).
 *
 * Local introspection (not part of LINE's API, no auth, loopback only):
 *   GET  /_local/deliveries             every accepted multicast, oldest first
 *
 * Dev tooling only: production points MESSAGING_API_URL at https://api.line.me.
 */
import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

export interface MessagingApiOptions {
  /** Channel access token the API expects as Bearer. */
  token: string;
  port?: number;
  /** Monthly message allowance; null = unlimited ({"type":"none"}). */
  quota?: number | null;
}

export interface Delivery {
  requestId: string;
  retryKey: string | null;
  to: string[];
  messages: unknown[];
  at: string;
}

export interface MessagingApiServer {
  server: Server;
  url: string;
  deliveries: Delivery[];
  close(): Promise<void>;
}

/** LINE's documented limits for multicast. */
const MAX_TO = 500;
const MAX_MESSAGES = 5;
const MAX_TEXT = 5000;
const MAX_BODY_BYTES = 2 * 1024 * 1024;
/** Retry keys are remembered for 24 h from the first request. */
const RETRY_KEY_TTL_MS = 24 * 3_600_000;
const MESSAGE_TYPES = new Set(['text', 'sticker', 'image', 'video', 'audio', 'location', 'imagemap', 'template', 'flex']);
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type Detail = { message: string; property: string };

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}

const lineError = (message: string, details: Detail[] = []) => (details.length ? { message, details } : { message });

async function readBody(req: IncomingMessage): Promise<Buffer | null> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > MAX_BODY_BYTES) return null;
    chunks.push(c as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Validation of a multicast body as the API reports it: every problem with its property path. */
export function multicastErrors(body: unknown): Detail[] {
  const d: Detail[] = [];
  const b = (body ?? {}) as { to?: unknown; messages?: unknown };
  if (!Array.isArray(b.to)) d.push({ message: 'Must be an array', property: 'to' });
  else {
    if (b.to.length < 1 || b.to.length > MAX_TO) d.push({ message: `Size must be between 1 and ${MAX_TO}`, property: 'to' });
    b.to.forEach((u, i) => {
      if (typeof u !== 'string' || !u) d.push({ message: 'May not be empty', property: `to[${i}]` });
    });
  }
  if (!Array.isArray(b.messages)) d.push({ message: 'Must be an array', property: 'messages' });
  else {
    if (b.messages.length < 1 || b.messages.length > MAX_MESSAGES) d.push({ message: `Size must be between 1 and ${MAX_MESSAGES}`, property: 'messages' });
    b.messages.forEach((m: unknown, i) => {
      const msg = (m ?? {}) as { type?: unknown; text?: unknown };
      if (typeof msg.type !== 'string' || !MESSAGE_TYPES.has(msg.type)) {
        d.push({ message: `Must be one of the following values: [${[...MESSAGE_TYPES].join(', ')}]`, property: `messages[${i}].type` });
      } else if (msg.type === 'text') {
        if (typeof msg.text !== 'string' || !msg.text) d.push({ message: 'May not be empty', property: `messages[${i}].text` });
        else if (msg.text.length > MAX_TEXT) d.push({ message: `Length must be between 0 and ${MAX_TEXT}`, property: `messages[${i}].text` });
      }
    });
  }
  return d;
}

export async function startMessagingApi(o: MessagingApiOptions): Promise<MessagingApiServer> {
  const quota = o.quota === undefined ? 1_000_000 : o.quota;
  const deliveries: Delivery[] = [];
  /** Accepted retry keys → the request id that executed them, with when. */
  const accepted = new Map<string, { requestId: string; at: number }>();
  let totalUsage = 0;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://local');
    const requestId = randomUUID();
    const ids = { 'x-line-request-id': requestId };
    if (url.pathname === '/_local/deliveries' && req.method === 'GET') return send(res, 200, deliveries);
    if (!url.pathname.startsWith('/v2/bot/message/')) return send(res, 404, lineError('Not found'), ids);
    const auth = req.headers.authorization ?? '';
    if (auth !== `Bearer ${o.token}`) {
      return send(res, 401, lineError('Authentication failed due to the following reason: invalid token. Confirm that the access token in the authorization header is valid.'), ids);
    }
    if (req.method === 'GET' && url.pathname === '/v2/bot/message/quota') return send(res, 200, quota === null ? { type: 'none' } : { type: 'limited', value: quota }, ids);
    if (req.method === 'GET' && url.pathname === '/v2/bot/message/quota/consumption') return send(res, 200, { totalUsage }, ids);
    if (url.pathname !== '/v2/bot/message/multicast') return send(res, 404, lineError('Not found'), ids);
    if (req.method !== 'POST') return send(res, 405, lineError('Method not allowed'), ids);

    const retryKey = req.headers['x-line-retry-key'];
    const key = typeof retryKey === 'string' ? retryKey : null;
    if (key !== null && !UUID.test(key)) return send(res, 400, lineError("The value for the 'X-Line-Retry-Key' header is invalid"), ids);
    const raw = await readBody(req);
    if (raw === null) return send(res, 413, lineError('Request entity too large'), ids);
    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      return send(res, 400, lineError('The request body has 1 error(s)', [{ message: 'Could not parse the request body as JSON', property: '' }]), ids);
    }
    const errors = multicastErrors(body);
    if (errors.length) return send(res, 400, lineError(`The request body has ${errors.length} error(s)`, errors), ids);
    const now = Date.now();
    if (key !== null) {
      const prev = accepted.get(key);
      if (prev && now - prev.at < RETRY_KEY_TTL_MS) {
        return send(res, 409, lineError('The retry key is already accepted'), { ...ids, 'x-line-accepted-request-id': prev.requestId });
      }
    }
    const { to, messages } = body as { to: string[]; messages: unknown[] };
    if (quota !== null && totalUsage + to.length > quota) return send(res, 429, lineError('You have reached your monthly limit.'), ids);
    if (key !== null) accepted.set(key, { requestId, at: now });
    totalUsage += to.length;
    deliveries.push({ requestId, retryKey: key, to, messages, at: new Date(now).toISOString() });
    return send(res, 200, {}, ids);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((e: unknown) => {
      if (!res.headersSent) send(res, 500, lineError(`internal error: ${(e as Error).message}`));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port ?? 0, '127.0.0.1', () => resolve());
  });
  const addr = server.address();
  const port = typeof addr === 'object' && addr ? addr.port : o.port;
  return {
    server,
    url: `http://127.0.0.1:${port}`,
    deliveries,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}
