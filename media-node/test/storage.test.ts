import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer as netServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { CreateBucketCommand, HeadObjectCommand, ListMultipartUploadsCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import HLS from 'hls-parser';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  CreatedApiKey,
  MediaS3Env,
  parseEnv,
  parseSigningKeys,
  signPlaybackToken,
  Topics,
  TranscodeJob,
  TranscodeProgress,
  uuidv7,
} from '@vidplat/contracts';
import { createKafka, createProducer, ensureTopics, kafkaSettingsFromEnv, type Consumer, type Producer } from '@vidplat/node-runtime/kafka';
import type {} from '@vidplat/devstack/vitest-global-setup';
import { HttpVideoRegistry } from '../src/catalogue/video-registry.js';
import { sha256File, TusClient } from '../src/cli/tus-client.js';
import { hlsOriginHandler } from '../src/origin/hls-origin.js';
import { videoKeyPrefix } from '../src/storage/output-store.js';
import { createS3Client, s3SettingsFromEnv, type S3Settings } from '../src/storage/s3-client.js';
import { S3OutputStore } from '../src/storage/s3-output-store.js';
import { FileUploadStorage, objectExists, S3UploadStorage, type UploadStorage } from '../src/storage/upload-storage.js';
import { makeTestVideo } from '../src/testing/lavfi.js';
import { until } from '../src/testing/until.js';
import { createUploadServer, UPLOAD_PATH, type UploadServer } from '../src/uploads/upload-server.js';

/**
 * S3-compatible storage against the dev stack's real S3 server (OpenStack Swift's s3api): tus
 * uploads into a bucket, a transcode worker process reading the source from it and publishing the
 * HLS folder to another bucket, the origin serving from that bucket; and expiry of abandoned
 * uploads in both stores.
 */
const { env } = inject('stack');
const REPO = resolve(import.meta.dirname, '..', '..');
const run = `${process.pid}-${Date.now().toString(36)}`;
const tenant = `store-${run}`;
const jobsTopic = `transcode-jobs-store-${run}`;
const idleTopic = `transcode-jobs-idle-${run}`; // nobody consumes it: uploads that must not transcode
const group = `media-transcode-store-${run}`;
const uploadBucket = `up-${run}`.toLowerCase();
const outputBucket = `out-${run}`.toLowerCase();

let dir: string;
let superKey: string;
let producer: Producer;
let s3: S3Client;
let s3Settings: S3Settings;
let worker: ChildProcess | undefined;
let consumer: Consumer | undefined;
const progress: TranscodeProgress[] = [];
const closers: Array<() => unknown> = [];
const registry = new HttpVideoRegistry(env.EDGE_URL!, { timeoutMs: 10_000 });

const freePort = () =>
  new Promise<number>((res) => {
    const s = netServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as AddressInfo).port;
      s.close(() => res(p));
    });
  });

async function listen(o: Parameters<typeof createUploadServer>[0]): Promise<UploadServer & { url: string; base: string }> {
  const up = createUploadServer(o);
  await new Promise<void>((r) => up.server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(up.server.address() as AddressInfo).port}`;
  closers.push(() => up.server.close());
  return { ...up, base, url: `${base}${UPLOAD_PATH}` };
}

const eventsOf = (jobId: string) => progress.filter((p) => p.jobId === jobId);
const s3Storage = (expiryMs: number) => new S3UploadStorage(s3, s3Settings, uploadBucket, join(dir, 'scratch'), expiryMs);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'media-store-it-'));
  s3Settings = s3SettingsFromEnv(parseEnv(MediaS3Env, env));
  s3 = createS3Client(s3Settings);
  // Buckets of this run only: the expiry test's cleanup must not touch anyone else's uploads.
  for (const Bucket of [uploadBucket, outputBucket]) await s3.send(new CreateBucketCommand({ Bucket }));

  const res = await fetch(`${env.EDGE_URL}/v1/platform/tenants`, {
    method: 'POST',
    headers: { authorization: `Bearer ${env.ADMIN_API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ tenantId: tenant, name: 'media storage test' }),
  });
  expect(res.status).toBe(201);
  superKey = CreatedApiKey.parse(await res.json()).apiKey;

  const settings = { ...kafkaSettingsFromEnv(env), replicationFactor: 1 };
  const kafka = createKafka(settings);
  await ensureTopics(kafka, settings, [jobsTopic, idleTopic, Topics.transcodeProgress]);
  producer = createProducer(kafka);
  await producer.connect();
  consumer = kafka.consumer({ kafkaJS: { groupId: `collector-store-${run}`, fromBeginning: true, autoCommit: true } });
  await consumer.connect();
  await consumer.subscribe({ topics: [Topics.transcodeProgress] });
  void consumer.run({
    eachMessage: async ({ message }) => {
      const p = TranscodeProgress.safeParse(JSON.parse(message.value?.toString() ?? 'null'));
      if (p.success && p.data.tenantId === tenant) progress.push(p.data);
    },
  });
  await makeTestVideo(join(dir, 'short.mp4'), { seconds: 3, width: 640, height: 360 });
}, 120_000);

afterAll(async () => {
  worker?.kill('SIGTERM');
  for (const c of closers) c();
  await consumer?.disconnect().catch(() => undefined);
  await producer?.disconnect().catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
});

describe('S3 storage: upload → transcode → publish → play', () => {
  it('uploads through tus into the bucket (resumed), transcodes from it, publishes deterministic keys once and serves them behind a token', async () => {
    const port = await freePort();
    const out = join(dir, 'worker-out');
    worker = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'media-node/src/transcode/main.ts')], {
      cwd: REPO,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: {
        ...process.env,
        KAFKA_BROKERS: env.KAFKA_BROKERS!,
        KAFKA_REPLICATION_FACTOR: '1',
        EDGE_URL: env.EDGE_URL!,
        EDGE_INTERNAL_TOKEN: superKey,
        MEDIA_OUTPUT_DIR: out,
        MEDIA_WORKER_PORT: String(port),
        MEDIA_JOBS_TOPIC: jobsTopic,
        MEDIA_CONSUMER_GROUP: group,
        MEDIA_SEGMENT_SECONDS: '2',
        MEDIA_PROGRESS_INTERVAL_MS: '300',
        MEDIA_UPLOAD_STORE: 's3',
        MEDIA_OUTPUT_STORE: 's3',
        MEDIA_S3_ENDPOINT: env.MEDIA_S3_ENDPOINT!,
        MEDIA_S3_REGION: env.MEDIA_S3_REGION!,
        MEDIA_S3_ACCESS_KEY_ID: env.MEDIA_S3_ACCESS_KEY_ID!,
        MEDIA_S3_SECRET_ACCESS_KEY: env.MEDIA_S3_SECRET_ACCESS_KEY!,
        MEDIA_S3_UPLOAD_BUCKET: uploadBucket,
        MEDIA_S3_OUTPUT_BUCKET: outputBucket,
        LOG_LEVEL: 'warn',
      },
    });
    const store = new S3OutputStore(s3, outputBucket);
    const keys = parseSigningKeys(env.PLAYBACK_SIGNING_KEYS!);
    const up = await listen({ uploadDir: join(dir, 'uploads'), storage: s3Storage(0), maxBytes: 20 * 1024 * 1024, registry, producer, jobsTopic, origin: hlsOriginHandler({ store, keys: keys.keys }) });
    await until('worker healthy', async () => {
      const r = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => null);
      return r?.ok && ((await r.json()) as { state: string }).state === 'idle';
    });

    // Upload, cut off part-way through the first PATCH, then resumed in small chunks: the S3
    // store keeps the short pieces as a .part object and assembles the multipart upload.
    const file = join(dir, 'short.mp4');
    const bytes = await readFile(file);
    const videoId = `s3-${run}`;
    const client = new TusClient({ endpoint: up.url, apiKey: superKey, chunkBytes: 128 * 1024 });
    const url = await client.create(bytes.length, { filename: 'short.mp4', filetype: 'video/mp4', videoId, sha256: await sha256File(file) });
    const uploadId = url.split('/').at(-1)!;
    const sent = Math.floor(bytes.length / 3);
    await new Promise<void>((resolveP) => {
      const req = request(url, { method: 'PATCH', headers: { 'tus-resumable': '1.0.0', authorization: `Bearer ${superKey}`, 'upload-offset': '0', 'content-type': 'application/offset+octet-stream', 'content-length': String(bytes.length) } });
      req.on('error', () => resolveP());
      req.write(bytes.subarray(0, sent), () => setTimeout(() => req.destroy(), 300));
    });
    const offset = await until('stored offset', async () => (await client.offset(url)) || undefined, 10_000);
    expect(offset).toBeLessThanOrEqual(sent);
    expect((await s3.send(new ListMultipartUploadsCommand({ Bucket: uploadBucket }))).Uploads?.map((u) => u.Key)).toContain(uploadId);
    const seen: number[] = [];
    const done = await new TusClient({ endpoint: up.url, apiKey: superKey, chunkBytes: 128 * 1024, onProgress: (s) => seen.push(s) }).upload(file, url);
    expect(seen[0]).toBe(offset);
    expect(done).toMatchObject({ tenantId: tenant, videoId, width: 640, height: 360 });
    // The finished upload is one object in the bucket, byte for byte the source.
    const head = await s3.send(new HeadObjectCommand({ Bucket: uploadBucket, Key: uploadId }));
    expect(head.ContentLength).toBe(bytes.length);

    const finished = await until('done event', () => eventsOf(done.jobId).find((p) => p.state === 'done'), 90_000);
    expect(finished.renditions).toEqual(['360p']);
    const prefix = videoKeyPrefix(tenant, videoId);
    const published = await store.list(prefix);
    expect(published).toEqual(expect.arrayContaining([`${prefix}master.m3u8`, `${prefix}manifest.json`, `${prefix}360p/index.m3u8`, `${prefix}360p/init.mp4`, `${prefix}360p/seg_00000.m4s`, `${prefix}poster.jpg`, `${prefix}storyboard.jpg`, `${prefix}storyboard.vtt`]));
    expect(published.filter((k) => k.endsWith('.m4s'))).toEqual(['seg_00000.m4s', 'seg_00001.m4s'].map((s) => `${prefix}360p/${s}`));
    expect((await store.readManifest(prefix))?.jobId).toBe(done.jobId);
    // Published, so the worker's local copy is gone (no staging or source leftovers either).
    expect(existsSync(join(out, 'hls', tenant, videoId))).toBe(false);
    expect(await readdir(join(out, '.sources')).catch(() => [])).toEqual([]);

    // A redelivered job finds the published manifest: it re-announces with the same done event
    // and writes nothing (same keys, same objects).
    const versions = () =>
      Promise.all(published.map(async (Key) => {
        const h = await s3.send(new HeadObjectCommand({ Bucket: outputBucket, Key }));
        return `${h.ETag} ${h.LastModified!.toISOString()}`;
      }));
    const before = await versions();
    const again = TranscodeJob.parse({ eventId: uuidv7(), tenantId: tenant, eventTime: new Date().toISOString(), schemaVersion: 1, jobId: done.jobId, videoId, sourceUri: `s3://${uploadBucket}/${uploadId}` });
    await producer.send({ topic: jobsTopic, messages: [{ key: `${tenant}:${videoId}`, value: JSON.stringify(again) }] });
    await until('second done event', () => eventsOf(done.jobId).filter((p) => p.state === 'done').length === 2, 30_000);
    expect(new Set(eventsOf(done.jobId).filter((p) => p.state === 'done').map((p) => p.eventId)).size).toBe(1);
    expect(await store.list(prefix)).toEqual(published);
    expect(await versions()).toEqual(before);

    // The origin reads the bucket: the token is required and carried onto every URI.
    const token = await signPlaybackToken({ kid: keys.currentKid, tenantId: tenant, userId: 'u1', videoId, pathPrefix: `/hls/${tenant}/${videoId}/`, exp: Math.floor(Date.now() / 1000) + 300 }, keys.keys);
    expect((await fetch(`${up.base}${finished.masterPath}`)).status).toBe(401);
    const master = await fetch(`${up.base}${finished.masterPath}?token=${token}`);
    expect(master.status).toBe(200);
    expect(master.headers.get('content-type')).toBe('application/vnd.apple.mpegurl');
    const parsed = HLS.parse(await master.text());
    if (!parsed.isMasterPlaylist) throw new Error('expected master');
    expect(parsed.variants[0]!.resolution).toEqual({ width: 640, height: 360 });
    expect(parsed.variants[0]!.uri).toBe(`360p/index.m3u8?token=${encodeURIComponent(token)}`);
    const media = HLS.parse(await (await fetch(`${up.base}/hls/${tenant}/${videoId}/${parsed.variants[0]!.uri}`)).text());
    if (media.isMasterPlaylist) throw new Error('expected media playlist');
    expect(media.segments).toHaveLength(2);
    const seg = await fetch(`${up.base}/hls/${tenant}/${videoId}/360p/${media.segments[0]!.uri}`, { headers: { range: 'bytes=0-99' } });
    expect(seg.status).toBe(206);
    expect(seg.headers.get('content-range')).toMatch(/^bytes 0-99\/\d+$/);
    expect((await seg.arrayBuffer()).byteLength).toBe(100);
    expect((await fetch(`${up.base}/hls/${tenant}/${videoId}/360p/seg_00099.m4s?token=${token}`)).status).toBe(404);
  }, 180_000);
});

describe('S3 output publishing', () => {
  it('completes a publish that was cut short, skipping objects already there, and then never writes again', async () => {
    const local = join(dir, 'cut-short');
    const files: Record<string, string> = {
      '360p/init.mp4': 'init',
      '360p/seg_00000.m4s': 'segment zero',
      '360p/seg_00001.m4s': 'segment one',
      '360p/index.m3u8': '#EXTM3U\n#EXT-X-MAP:URI="init.mp4"\nseg_00000.m4s\nseg_00001.m4s\n',
      'master.m3u8': '#EXTM3U\n360p/index.m3u8\n',
      'manifest.json': JSON.stringify({ jobId: 'job-cut', doneEventId: uuidv7() }),
    };
    for (const [f, body] of Object.entries(files)) {
      await mkdir(dirname(join(local, f)), { recursive: true });
      await writeFile(join(local, f), body);
    }
    const store = new S3OutputStore(s3, outputBucket);
    const prefix = videoKeyPrefix(tenant, `cut-${run}`);
    // What a worker killed mid-publish left: some media, one of them truncated, no playlists.
    await s3.send(new PutObjectCommand({ Bucket: outputBucket, Key: `${prefix}360p/init.mp4`, Body: 'init' }));
    await s3.send(new PutObjectCommand({ Bucket: outputBucket, Key: `${prefix}360p/seg_00000.m4s`, Body: 'segm' }));
    expect(await store.readManifest(prefix)).toBeNull();
    expect(await store.publish(local, prefix)).toEqual({ written: 5, alreadyPublished: false });
    expect(await store.list(prefix)).toEqual(Object.keys(files).map((f) => `${prefix}${f}`).sort());
    expect(await store.getText(`${prefix}360p/seg_00000.m4s`)).toBe('segment zero');
    expect((await store.readManifest(prefix))?.jobId).toBe('job-cut');
    expect(await store.publish(local, prefix)).toEqual({ written: 0, alreadyPublished: true });
    const seg = await s3.send(new HeadObjectCommand({ Bucket: outputBucket, Key: `${prefix}360p/seg_00001.m4s` }));
    expect(seg.ContentType).toBe('video/iso.segment');
    expect(seg.CacheControl).toMatch(/immutable/);
  });
});

describe.each(['file', 's3'] as const)('abandoned uploads (%s store)', (kind) => {
  it('deletes an unfinished upload after the expiry on the server\'s schedule, keeps a finished one, and answers 410 then 404 for it', async () => {
    const expiryMs = 1500;
    const uploadDir = join(dir, `expiry-${kind}`);
    const storage = (): UploadStorage => (kind === 'file' ? new FileUploadStorage(uploadDir, expiryMs) : s3Storage(expiryMs));
    // No cleanup pass during the first part (1-hour schedule), so an expired upload is still there.
    const manual = await listen({ uploadDir, storage: storage(), expiryMs, cleanupIntervalMs: 3_600_000, maxBytes: 20 * 1024 * 1024, registry, producer, jobsTopic: idleTopic });
    const file = join(dir, 'short.mp4');
    const bytes = await readFile(file);
    const client = new TusClient({ endpoint: manual.url, apiKey: superKey });

    const created = await fetch(manual.url, {
      method: 'POST',
      headers: { 'tus-resumable': '1.0.0', authorization: `Bearer ${superKey}`, 'upload-length': String(bytes.length), 'upload-metadata': `filename ${Buffer.from('a.mp4').toString('base64')},filetype ${Buffer.from('video/mp4').toString('base64')},sha256 ${Buffer.from(await sha256File(file)).toString('base64')}` },
    });
    expect(created.status).toBe(201);
    expect(Date.parse(created.headers.get('upload-expires') ?? '')).toBeGreaterThan(Date.now());
    const abandoned = new URL(created.headers.get('location')!, manual.url).href;
    const abandonedId = abandoned.split('/').at(-1)!;
    const partial = await client.patch(abandoned, 0, bytes.subarray(0, 1000));
    expect(partial.offset).toBe(1000);
    const kept = await client.create(bytes.length, { filename: 'b.mp4', filetype: 'video/mp4', sha256: await sha256File(file) });
    const keptId = kept.split('/').at(-1)!;
    await client.upload(file, kept);

    const present = async (id: string) =>
      kind === 'file' ? existsSync(join(uploadDir, `${id}.json`)) : objectExists(s3, uploadBucket, `${id}.info`);
    const head = async (u: string) => (await fetch(u, { method: 'HEAD', headers: { 'tus-resumable': '1.0.0', authorization: `Bearer ${superKey}` } })).status;
    // Past its expiry but not yet removed: tus says 410 Gone for an upload known to have expired.
    await new Promise((r) => setTimeout(r, expiryMs + 200));
    expect(await present(abandonedId)).toBe(true);
    expect(await head(abandoned)).toBe(410);

    // A server with a short schedule removes it: data, tus info and owner sidecar.
    const scheduled = await listen({ uploadDir, storage: storage(), expiryMs, cleanupIntervalMs: 300, maxBytes: 20 * 1024 * 1024, registry, producer, jobsTopic: idleTopic });
    await until('abandoned upload removed', async () => !(await present(abandonedId)), 15_000);
    // Asked of the scheduled server (the first one's S3 store caches upload metadata in memory).
    expect(await head(abandoned.replace(manual.base, scheduled.base))).toBe(404);
    if (kind === 'file') {
      await until('no file of the abandoned upload left', async () => (await readdir(uploadDir)).every((f) => !f.startsWith(abandonedId)), 10_000);
    } else {
      const open = (await s3.send(new ListMultipartUploadsCommand({ Bucket: uploadBucket }))).Uploads ?? [];
      expect(open.map((u) => u.Key)).not.toContain(abandonedId);
      expect(await objectExists(s3, uploadBucket, `${abandonedId}.part`)).toBe(false);
      await until('owner sidecar swept', async () => !(await objectExists(s3, uploadBucket, `${abandonedId}.owner.json`)), 10_000);
    }
    // The finished upload stays: the transcode source.
    expect(await present(keptId)).toBe(true);
    if (kind === 'file') expect((await readFile(join(uploadDir, keptId))).equals(bytes)).toBe(true);
    else expect((await s3.send(new HeadObjectCommand({ Bucket: uploadBucket, Key: keptId }))).ContentLength).toBe(bytes.length);
  }, 60_000);
});
