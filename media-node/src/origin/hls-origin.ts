import { createReadStream } from 'node:fs';
import { realpath, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { basename, dirname, extname, join, resolve, sep } from 'node:path';
import { readFile } from 'node:fs/promises';
import { cutPlaylistAt, safeMediaPath, segmentsWithin, verifyPlaybackToken, type ErrorBody, type ErrorCode, type SigningKeys } from '@vidplat/contracts';

const TYPES: Record<string, string> = {
  '.m3u8': 'application/vnd.apple.mpegurl',
  '.m4s': 'video/iso.segment',
  '.mp4': 'video/mp4',
  '.jpg': 'image/jpeg',
  '.vtt': 'text/vtt',
};

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

/**
 * Local HLS origin: GET /hls/<tenant>/<video>/<file>?token=… Every request needs a playback token
 * (contracts' verifyPlaybackToken: signature, expiry, path prefix) and a path that stays inside the
 * output folder after symlinks are resolved. Playlists are rewritten to carry the token onwards.
 */
export function createHlsOrigin(o: { outputRoot: string; keys: SigningKeys }): Server {
  return createServer(hlsOriginHandler(o));
}

/** The origin as a request handler, so the upload server can serve /hls/* on its port too. */
export function hlsOriginHandler(o: { outputRoot: string; keys: SigningKeys }): (req: IncomingMessage, res: ServerResponse) => void {
  const root = resolve(o.outputRoot, 'hls');
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
      const file = join(root, path.slice('/hls/'.length));
      let real: string;
      try {
        real = await realpath(file);
      } catch {
        return send(res, 404, 'not_found', 'no such media file');
      }
      if (!real.startsWith(root + sep)) return send(res, 403, 'forbidden', 'path escapes the media folder');
      const st = await stat(real);
      if (!st.isFile()) return send(res, 404, 'not_found', 'no such media file');
      const type = TYPES[extname(real)] ?? 'application/octet-stream';
      const cache = `private, max-age=${Math.max(0, check.claims.exp - Math.floor(Date.now() / 1000))}`;
      // Trial tokens: media playlists end at maxPositionSeconds, later segments are refused.
      const trial = check.claims.maxPositionSeconds;
      if (trial !== undefined && (extname(real) === '.m4s' || extname(real) === '.mp4')) {
        const playlist = await readFile(join(dirname(real), 'index.m3u8'), 'utf8').catch(() => '');
        if (!segmentsWithin(playlist, trial).has(basename(real))) return send(res, 403, 'forbidden', `beyond the trial limit of ${trial} s`);
      }
      if (extname(real) === '.m3u8') {
        const text = await readFile(real, 'utf8');
        const body = signPlaylist(trial !== undefined ? cutPlaylistAt(text, trial) : text, token);
        res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body) });
        return void res.end(req.method === 'HEAD' ? undefined : body);
      }
      const range = /^bytes=(\d*)-(\d*)$/.exec(req.headers.range ?? '');
      if (range && (range[1] || range[2])) {
        const start = range[1] ? Number(range[1]) : Math.max(0, st.size - Number(range[2]));
        const end = range[1] && range[2] ? Math.min(Number(range[2]), st.size - 1) : st.size - 1;
        if (start > end || start >= st.size) {
          return void res.writeHead(416, { 'content-range': `bytes */${st.size}` }).end();
        }
        res.writeHead(206, { 'content-type': type, 'cache-control': cache, 'accept-ranges': 'bytes', 'content-range': `bytes ${start}-${end}/${st.size}`, 'content-length': end - start + 1 });
        if (req.method === 'HEAD') return void res.end();
        return void createReadStream(real, { start, end }).pipe(res);
      }
      res.writeHead(200, { 'content-type': type, 'cache-control': cache, 'accept-ranges': 'bytes', 'content-length': st.size });
      if (req.method === 'HEAD') return void res.end();
      createReadStream(real).pipe(res);
    })().catch(() => {
      if (!res.headersSent) send(res, 500, 'internal', 'internal error');
      else res.destroy();
    });
  };
}
