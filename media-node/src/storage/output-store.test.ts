import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError, MediaNodeEnv, parseEnv } from '@vidplat/contracts';
import { outputStoreFromEnv, uploadStorageFromEnv } from './from-env.js';
import { LocalOutputStore, resolveRange } from './local-output-store.js';
import { listFiles, publishBatches, videoKeyPrefix } from './output-store.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'output-store-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function finishedFolder(at: string): Promise<void> {
  await mkdir(join(at, '360p'), { recursive: true });
  await mkdir(join(at, '720p'), { recursive: true });
  for (const f of ['360p/init.mp4', '360p/seg_00000.m4s', '720p/init.mp4', '720p/seg_00000.m4s', 'poster.jpg']) await writeFile(join(at, f), `bytes of ${f}`);
  await writeFile(join(at, '360p/index.m3u8'), '#EXTM3U\n#EXT-X-MAP:URI="init.mp4"\nseg_00000.m4s\n');
  await writeFile(join(at, '720p/index.m3u8'), '#EXTM3U\nseg_00000.m4s\n');
  await writeFile(join(at, 'master.m3u8'), '#EXTM3U\n360p/index.m3u8\n720p/index.m3u8\n');
  await writeFile(join(at, 'manifest.json'), JSON.stringify({ jobId: 'job-1', doneEventId: 'e1' }));
}

describe('publish order', () => {
  it('media first, then variant playlists, then the master, then the manifest', () => {
    const files = ['720p/index.m3u8', 'manifest.json', 'master.m3u8', '360p/seg_00000.m4s', 'poster.jpg', '360p/index.m3u8', '360p/init.mp4'];
    expect(publishBatches(files)).toEqual([['360p/seg_00000.m4s', 'poster.jpg', '360p/init.mp4'], ['720p/index.m3u8', '360p/index.m3u8'], ['master.m3u8'], ['manifest.json']]);
    expect(publishBatches(['a.m4s'])).toEqual([['a.m4s']]);
  });

  it('byte ranges: open-ended, suffix and out-of-range', () => {
    expect(resolveRange({ start: 2, end: 5 }, 10)).toEqual({ start: 2, end: 5 });
    expect(resolveRange({ start: 8 }, 10)).toEqual({ start: 8, end: 9 });
    expect(resolveRange({ end: 3 }, 10)).toEqual({ start: 7, end: 9 });
    expect(resolveRange({ start: 2, end: 50 }, 10)).toEqual({ start: 2, end: 9 });
    expect(resolveRange({ start: 10 }, 10)).toBeNull();
  });
});

describe('LocalOutputStore', () => {
  it('publishes a folder from elsewhere once, with deterministic keys, and reads it back', async () => {
    const src = join(dir, 'staging');
    await finishedFolder(src);
    const store = new LocalOutputStore(join(dir, 'out'));
    const prefix = videoKeyPrefix('t1', 'v1');
    expect(await store.readManifest(prefix)).toBeNull();
    expect(await store.publish(src, prefix)).toEqual({ written: 9, alreadyPublished: false });
    expect(await store.list(prefix)).toEqual((await listFiles(src)).map((f) => `${prefix}${f}`));
    expect((await store.readManifest(prefix))?.jobId).toBe('job-1');
    // Published again (a redelivered job): nothing is written, no new keys appear.
    expect(await store.publish(src, prefix)).toEqual({ written: 0, alreadyPublished: true });
    expect(await store.list(prefix)).toHaveLength(9);
    const got = await store.get(`${prefix}360p/seg_00000.m4s`, { start: 0, end: 4 });
    if (!('body' in got)) throw new Error('expected an object');
    let text = '';
    for await (const c of got.body) text += String(c);
    expect(text).toBe('bytes');
    expect(got).toMatchObject({ size: 'bytes of 360p/seg_00000.m4s'.length, range: { start: 0, end: 4 } });
    expect(await store.get(`${prefix}nope.m4s`)).toEqual({ missing: true });
  });

  it('publishing the transcoder\'s own folder is a no-op; symlinks out of the folder are refused', async () => {
    const store = new LocalOutputStore(join(dir, 'own'));
    const prefix = videoKeyPrefix('t2', 'v2');
    await finishedFolder(join(dir, 'own', prefix));
    expect(await store.publish(join(dir, 'own', prefix), prefix)).toEqual({ written: 0, alreadyPublished: true });
    await writeFile(join(dir, 'secret.txt'), 'secret');
    await symlink(join(dir, 'secret.txt'), join(dir, 'own', prefix, 'leak.m4s'));
    expect(await store.get(`${prefix}leak.m4s`)).toEqual({ forbidden: 'path escapes the media folder' });
    expect(await store.getText(`${prefix}leak.m4s`)).toBeNull();
    expect(await readFile(join(dir, 'own', prefix, 'master.m3u8'), 'utf8')).toContain('720p/index.m3u8');
  });
});

describe('store selection from the environment', () => {
  const base = { KAFKA_BROKERS: 'k:9092', EDGE_URL: 'http://edge:8787', EDGE_INTERNAL_TOKEN: 'x'.repeat(20), PLAYBACK_SIGNING_KEYS: '{"k":"' + 'y'.repeat(32) + '"}' };

  it('local folders by default, with a 24 h upload expiry', () => {
    const env = parseEnv(MediaNodeEnv, base);
    expect(env).toMatchObject({ MEDIA_UPLOAD_STORE: 'file', MEDIA_OUTPUT_STORE: 'file', MEDIA_UPLOAD_EXPIRY_S: 86_400, MEDIA_S3_REGION: 'auto', MEDIA_S3_FORCE_PATH_STYLE: true });
    expect(outputStoreFromEnv(env).kind).toBe('file');
    expect(uploadStorageFromEnv(env).kind).toBe('file');
  });

  it('s3 needs endpoint and credentials, named when missing; bad values name their variable', () => {
    const env = parseEnv(MediaNodeEnv, { ...base, MEDIA_OUTPUT_STORE: 's3', MEDIA_S3_ENDPOINT: '' });
    expect(() => outputStoreFromEnv(env)).toThrow(ConfigError);
    expect(() => outputStoreFromEnv(env)).toThrow(/MEDIA_S3_ENDPOINT: required when/);
    expect(() => outputStoreFromEnv(parseEnv(MediaNodeEnv, { ...base, MEDIA_OUTPUT_STORE: 's3', MEDIA_S3_ENDPOINT: 'http://127.0.0.1:9000' }))).toThrow(/MEDIA_S3_ACCESS_KEY_ID/);
    const s3 = parseEnv(MediaNodeEnv, { ...base, MEDIA_UPLOAD_STORE: 's3', MEDIA_OUTPUT_STORE: 's3', MEDIA_S3_ENDPOINT: 'http://127.0.0.1:9000', MEDIA_S3_ACCESS_KEY_ID: 'a', MEDIA_S3_SECRET_ACCESS_KEY: 'b' });
    expect(outputStoreFromEnv(s3).kind).toBe('s3');
    expect(uploadStorageFromEnv(s3).kind).toBe('s3');
    expect(() => parseEnv(MediaNodeEnv, { ...base, MEDIA_UPLOAD_STORE: 'r2' })).toThrow(/MEDIA_UPLOAD_STORE/);
    expect(() => parseEnv(MediaNodeEnv, { ...base, MEDIA_S3_OUTPUT_BUCKET: 'Bad_Bucket' })).toThrow(/MEDIA_S3_OUTPUT_BUCKET/);
    expect(() => parseEnv(MediaNodeEnv, { ...base, MEDIA_UPLOAD_EXPIRY_S: '-1' })).toThrow(/MEDIA_UPLOAD_EXPIRY_S/);
  });
});
