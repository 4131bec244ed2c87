import { createServer, type Server } from 'node:http';

/** A /healthz endpoint on its own port (the dev stack and compose probe it). */
export function startHealthServer(port: number, status: () => unknown | Promise<unknown>, ok: () => boolean = () => true): Promise<Server> {
  const server = createServer((req, res) => {
    if (req.url !== '/healthz') {
      res.writeHead(404).end();
      return;
    }
    Promise.resolve(status())
      .then((s) => {
        res.writeHead(ok() ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(s));
      })
      .catch(() => res.writeHead(503).end());
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve(server));
  });
}
