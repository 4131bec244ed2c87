import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { posix } from 'node:path';
import { cutPlaylistAt, safeMediaPath, segmentsWithin, verifyPlaybackToken, type ErrorBody, type ErrorCode, type SigningKeys } from '@vidplat/contracts';
import { LocalOutputStore } from '../storage/local-output-store.js';
import { contentTypeOf, type OutputStore } from '../storage/output-store.js';

/** Appends the token to every URI in a playlist, so players carry it to variants and segments. */
export function signPlaylist(text: string, token: string): string {
  const q = `token=${encodeURIComponent(token)}`;
  const add = (uri: string) => (/^[a-z]+:\/\//i.test(uri) ? uri : `${uri}${uri.includes('?') ? '&' : '?'}${q}`);
  return text
    .split('\n')
    .map((line) => {
      if (line.startsWith('#')) return line.replace(/URI="([^"]+)"/g, (_, u: string) => `URI="${add(u)}"`);
      return line.trim() ? add(line.trim()) : line;
    })
    .join('\n');
}

/** Where the origin reads: an output store, or (older callers) a local output folder. */
export type OriginOptions = { keys: SigningKeys } & ({ store: OutputStore } | { outputRoot: string });

/**
 * HLS origin: GET /hls/<tenant>/<video>/<file>?token=… Every request needs a playback token
 * (contracts' verifyPlaybackToken: signature, expiry, path prefix) and a safe path; files come
 * from the output store (local folder, where symlinks may not lead outside it, or S3 bucket).
 * Playlists are rewritten to carry the token onwards.
 */
export function createHlsOrigin(o: OriginOptions): Server {
  return createServer(hlsOriginHandler(o));
}

/** The origin as a request handler, so the upload server can serve /hls/* on its port too. */
export function hlsOriginHandler(o: OriginOptions): (req: IncomingMessage, res: ServerResponse) => void {
  const store = 'store' in o ? o.store : new LocalOutputStore(o.outputRoot);
  const send = (res: ServerResponse, status: number, code: ErrorCode, message: string) =>
    res.writeHead(status, { 'content-type': 'application/json', 'cache-control': 'no-store' }).end(JSON.stringify({ error: { code, message } } satisfies ErrorBody));

  return (req, res) => {
    void (async () => {
      // Keep the raw path: '..' segments must be seen (and refused), not normalised away by URL.
      const rawPath = (req.url ?? '/').split('?')[0]!;
      const query = new URLSearchParams((req.url ?? '').split('?')[1] ?? '');
      if (rawPath === '/healthz') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'invalid_query', 'only GET and HEAD');
      const path = safeMediaPath(rawPath);
      if (!path || !/^\/hls\/[A-Za-z0-9_.:-]+\/[A-Za-z0-9_.:-]+\/.+/.test(path)) return send(res, 400, 'invalid_query', 'not a media path');
      const token = query.get('token');
      if (!token) return send(res, 401, 'unauthorized', 'missing playback token (?token=)');
      const check = await verifyPlaybackToken(token, o.keys, path);
      if (!check.ok) return send(res, check.reason === 'path_not_allowed' ? 403 : 401, check.reason === 'path_not_allowed' ? 'forbidden' : 'unauthorized', `playback token rejected: ${check.reason}`);
      const key = path.slice(1);
      const ext = posix.extname(key);
      const type = contentTypeOf(key);
      const cache = `private, max-age=${Math.max(0, check.claims.exp - Math.floor(Date.now() / 1000))}`;
      // Trial tokens: media playlists end at maxPositionSeconds, later segments are refused.
      const trial = check.claims.maxPositionSeconds;
      if (trial !== undefined && (ext === '.m4s' || ext === '.mp4')) {
        const playlist = (await store.getText(posix.join(posix.dirname(key), 'index.m3u8'))) ?? '';
        if (!segmentsWithin(playlist, trial).has(posix.basename(key))) return send(res, 403, 'forbidden', `beyond the trial limit of ${trial} s`);
      }
      const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
      const wanted = range && (range[1] || range[2]) && ext !== '.m3u8' ? { start: range[1] ? Number(range[1]) : undefined, end: range[2] ? Number(range[2]) : undefined } : undefined;
      const got = await store.get(key, wanted);
      if ('missing' in got) return send(res, 404, 'not_found', 'no such media file');
      if ('forbidden' in got) return send(res, 403, 'forbidden', got.forbidden);
      if ('unsatisfiable' in got) return void res.writeHead(416, { 'content-range': `bytes */${got.size}` }).end();
      if (ext === '.m3u8') {
        const chunks: Buffer[] = [];
        for await (const c of got.body) chunks.push(c as Buffer);
        const text = Buffer.concat(chunks).toString('utf8');
        const body = signPlaylist(trial !== undefined ? cutPlaylistAt(text, trial) : text, token);
        res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) });
        return void res.end(req.method === 'HEAD' ? undefined : body);
      }
      if (got.range) {
        const { start, end } = got.range;
        res.writeHead(206, { 'content-type': type, 'cache-control': cache, 'accept-ranges': 'bytes', 'content-range': `bytes ${start}-${end}/${got.size}`, 'content-length': end - start + 1 });
      } else {
        res.writeHead(200, { 'content-type': type, 'cache-control': cache, 'accept-ranges': 'bytes', 'content-length': got.size });
      }
      if (req.method === 'HEAD') {
        got.body.destroy();
        return void res.end();
      }
      got.body.on('error', () => res.destroy());
      got.body.pipe(res);
    })().catch(() => {
      if (!res.headersSent) send(res, 500, 'internal', 'internal error');
      else res.destroy();
    });
  };
}
