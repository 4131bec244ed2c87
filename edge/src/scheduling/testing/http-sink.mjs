// A real HTTP receiver for scheduling tests (Node): webhook targets and a LINE-like messaging API.
// Started by edge/vitest.config.ts (workerd tests reach it over loopback) and usable from
// integration tests. Plain JS so the Worker's TypeScript project (workers types) ignores it.
//
//   POST /hook/<ns>/ok|fail/...        records the request; answers 200 or 500
//   POST /hook/<ns>/idem/...           a receiver honouring Idempotency-Key (required): the first
//        request with a key is accepted (200, held by holdMs, failNext → 500), a repeat answers 409
//   POST /msg/<ns>/v2/bot/message/multicast
//        LINE-like: X-Line-Retry-Key required; a key already accepted answers 409 and delivers
//        nothing (LINE's behaviour), so a retried batch never reaches a recipient twice.
//   GET  /msg/<ns>/v2/bot/message/quota             {type:'limited', value}
//   GET  /msg/<ns>/v2/bot/message/quota/consumption {totalUsage}
//   POST /_control/<ns>  {failNext?: n, quota?: n, holdMs?: n}
//        inject failures / set the quota / hold accepted multicast answers (a crash window)
//   GET  /_log/<ns>                                   every request recorded under ns
import { createServer } from 'node:http';

export async function startHttpSink(port = 0) {
  const spaces = new Map();
  const space = (ns) => {
    let s = spaces.get(ns);
    if (!s) {
      s = { log: [], acceptedKeys: new Set(), delivered: 0, failNext: 0, quota: 1_000_000, holdMs: 0 };
      spaces.set(ns, s);
    }
    return s;
  };
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const url = new URL(req.url ?? '/', 'http://sink');
      const [, kind, ns, ...rest] = url.pathname.split('/');
      const send = (status, obj) => {
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify(obj ?? {}));
      };
      if (!ns) return send(404, { message: 'no namespace' });
      const s = space(ns);
      if (kind === '_log') return send(200, s.log);
      if (kind === '_control') {
        const c = body ? JSON.parse(body) : {};
        if (typeof c.failNext === 'number') s.failNext = c.failNext;
        if (typeof c.quota === 'number') s.quota = c.quota;
        if (typeof c.holdMs === 'number') s.holdMs = c.holdMs;
        return send(200, { ok: true });
      }
      const entry = { method: req.method, path: '/' + rest.join('/'), headers: req.headers, body, at: Date.now(), status: 0 };
      s.log.push(entry);
      const answer = (status, obj) => {
        entry.status = status;
        send(status, obj);
      };
      if (kind === 'hook' && rest[0] === 'idem') {
        const key = req.headers['idempotency-key'];
        if (!key) return answer(400, { message: 'Idempotency-Key required by this receiver' });
        if (s.acceptedKeys.has(key)) return answer(409, { message: 'already processed', idempotencyKey: key });
        if (s.failNext > 0) {
          s.failNext--;
          return answer(500, { message: 'injected failure' });
        }
        s.acceptedKeys.add(key);
        entry.accepted = [key];
        if (s.holdMs > 0) return setTimeout(() => answer(200, {}), s.holdMs);
        return answer(200, {});
      }
      if (kind === 'hook') return answer(rest[0] === 'fail' ? 500 : 200, {});
      if (kind === 'msg') {
        const path = '/' + rest.join('/');
        if (path === '/v2/bot/message/quota') return answer(200, { type: 'limited', value: s.quota });
        if (path === '/v2/bot/message/quota/consumption') return answer(200, { totalUsage: s.delivered });
        if (path === '/v2/bot/message/multicast' && req.method === 'POST') {
          if (s.failNext > 0) {
            s.failNext--;
            return answer(500, { message: 'injected failure' });
          }
          const key = req.headers['x-line-retry-key'];
          if (!key) return answer(400, { message: 'X-Line-Retry-Key required by this test API' });
          if (s.acceptedKeys.has(key)) return answer(409, { message: 'The retry key is already accepted' });
          const to = JSON.parse(body).to ?? [];
          if (to.length > 500) return answer(400, { message: 'more than 500 recipients' });
          s.acceptedKeys.add(key);
          s.delivered += to.length;
          entry.accepted = to;
          if (s.holdMs > 0) return setTimeout(() => answer(200, {}), s.holdMs);
          return answer(200, {});
        }
      }
      return answer(404, { message: 'unknown sink path' });
    });
  });
  await new Promise((resolve) => server.listen(port, '127.0.0.1', resolve));
  server.unref();
  const addr = server.address();
  return { url: `http://127.0.0.1:${addr.port}`, close: () => new Promise((r) => server.close(r)) };
}
