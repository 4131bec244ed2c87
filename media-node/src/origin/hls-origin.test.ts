import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { signPlaybackToken, type PlaybackTokenClaims } from '@vidplat/contracts';
import { createHlsOrigin } from './hls-origin.js';

const keys = { k1: 'a'.repeat(40) };
let dir: string;
let base: string;
let close: () => void;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'origin-'));
  const v = join(dir, 'out', 'hls', 't1', 'v1');
  await mkdir(join(v, '360p'), { recursive: true });
  await writeFile(join(v, 'master.m3u8'), '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1000,RESOLUTION=640x360,CODECS="avc1.64001e,mp4a.40.2"\n360p/index.m3u8\n');
  await writeFile(join(v, '360p', 'index.m3u8'), '#EXTM3U\n#EXT-X-MAP:URI="init_0.mp4"\n#EXTINF:2.0,\nseg_00000.m4s\n#EXTINF:2.0,\nseg_00001.m4s\n#EXT-X-ENDLIST\n');
  await writeFile(join(v, '360p', 'seg_00000.m4s'), Buffer.from('0123456789'));
  await writeFile(join(v, '360p', 'seg_00001.m4s'), Buffer.from('abcdefghij'));
  await writeFile(join(dir, 'secret.txt'), 'outside');
  await symlink(join(dir, 'secret.txt'), join(v, 'leak.m4s'));
  const server = createHlsOrigin({ outputRoot: join(dir, 'out'), keys });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  close = () => server.close();
});
afterAll(async () => {
  close();
  await rm(dir, { recursive: true, force: true });
});

function rawStatus(path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(`${base}/`, { path }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

const claims = (over: Partial<PlaybackTokenClaims> = {}): PlaybackTokenClaims => ({
  kid: 'k1',
  tenantId: 't1',
  userId: 'u1',
  videoId: 'v1',
  pathPrefix: '/hls/t1/v1/',
  exp: Math.floor(Date.now() / 1000) + 600,
  ...over,
});

describe('HLS origin with playback tokens', () => {
  it('serves playlists with the token carried onto every URI, and segments with ranges', async () => {
    const token = await signPlaybackToken(claims(), keys);
    const master = await fetch(`${base}/hls/t1/v1/master.m3u8?token=${token}`);
    expect(master.status).toBe(200);
    expect(master.headers.get('content-type')).toBe('application/vnd.apple.mpegurl');
    expect(await master.text()).toContain(`360p/index.m3u8?token=${token}`);
    const media = await (await fetch(`${base}/hls/t1/v1/360p/index.m3u8?token=${token}`)).text();
    expect(media).toContain(`URI="init_0.mp4?token=${token}"`);
    expect(media).toContain(`seg_00000.m4s?token=${token}`);
    const seg = await fetch(`${base}/hls/t1/v1/360p/seg_00000.m4s?token=${token}`, { headers: { range: 'bytes=2-5' } });
    expect(seg.status).toBe(206);
    expect(await seg.text()).toBe('2345');
  });

  it('cuts playlists and refuses segments beyond a trial token\'s limit', async () => {
    const token = await signPlaybackToken(claims({ maxPositionSeconds: 1 }), keys);
    const media = await (await fetch(`${base}/hls/t1/v1/360p/index.m3u8?token=${token}`)).text();
    expect(media).toContain('seg_00000.m4s');
    expect(media).not.toContain('seg_00001.m4s');
    expect((await fetch(`${base}/hls/t1/v1/360p/seg_00000.m4s?token=${token}`)).status).toBe(200);
    const beyond = await fetch(`${base}/hls/t1/v1/360p/seg_00001.m4s?token=${token}`);
    expect(beyond.status).toBe(403);
    expect(((await beyond.json()) as { error: { message: string } }).error.message).toMatch(/beyond the trial/);
  });

  it('refuses missing, tampered, expired, foreign-prefix and escaping requests', async () => {
    const token = await signPlaybackToken(claims(), keys);
    const get = async (path: string) => {
      const r = await fetch(`${base}${path}`);
      const body = (await r.json()) as { error: { code: string; message: string } };
      return { status: r.status, message: body.error.message };
    };
    expect(await get('/hls/t1/v1/master.m3u8')).toMatchObject({ status: 401, message: expect.stringMatching(/missing playback token/) });
    const [body, sig] = token.split('.');
    const forged = Buffer.from(JSON.stringify({ ...claims(), pathPrefix: '/hls/t1/' })).toString('base64url');
    expect(await get(`/hls/t1/v1/master.m3u8?token=${forged}.${sig}`)).toMatchObject({ status: 401, message: expect.stringMatching(/bad_signature/) });
    expect(await get(`/hls/t1/v1/master.m3u8?token=${body}.${sig!.slice(0, -2)}AA`)).toMatchObject({ status: 401 });
    const expired = await signPlaybackToken(claims({ exp: Math.floor(Date.now() / 1000) - 1 }), keys);
    expect(await get(`/hls/t1/v1/master.m3u8?token=${expired}`)).toMatchObject({ status: 401, message: expect.stringMatching(/expired/) });
    const other = await signPlaybackToken(claims({ videoId: 'v2', pathPrefix: '/hls/t1/v2/' }), keys);
    expect(await get(`/hls/t1/v1/master.m3u8?token=${other}`)).toMatchObject({ status: 403, message: expect.stringMatching(/path_not_allowed/) });
    // fetch would normalise dot segments away; send the raw paths an attacker would.
    expect(await rawStatus(`/hls/t1/v1/../../../secret.txt?token=${token}`)).toBe(400);
    expect(await rawStatus(`/hls/t1/v1/%2e%2e/v2/master.m3u8?token=${token}`)).toBe(400);
    expect(await rawStatus(`/hls/t1/v1/..%2f..%2f..%2fsecret.txt?token=${token}`)).toBe(400);
    expect(await get(`/hls/t1/v1/leak.m4s?token=${token}`)).toMatchObject({ status: 403, message: expect.stringMatching(/escapes/) });
    expect((await get(`/hls/t1/v1/nope.m4s?token=${token}`)).status).toBe(404);
  });
});
