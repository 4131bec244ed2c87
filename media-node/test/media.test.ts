import { spawn, type ChildProcess } from 'node:child_process';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createServer as netServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import HLS from 'hls-parser';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import {
  CreatedApiKey,
  DeadLetter,
  deadLetterTopic,
  MediaTopics,
  parseSigningKeys,
  signPlaybackToken,
  Topics,
  TranscodeControl,
  TranscodeJob,
  TranscodeProgress,
  TRANSCODE_TRANSITIONS,
  uuidv7,
  type Rung,
  type Video,
} from '@vidplat/contracts';
import { createKafka, createProducer, ensureTopics, kafkaSettingsFromEnv, type Consumer, type Producer } from '@vidplat/node-runtime/kafka';
import type {} from '@vidplat/devstack/vitest-global-setup';
import { HttpVideoRegistry } from '../src/catalogue/video-registry.js';
import { encodeMetadata, sha256File, TusClient, UploadError } from '../src/cli/tus-client.js';
import { hlsOriginHandler } from '../src/origin/hls-origin.js';
import { makeTestVideo, probeRendition } from '../src/testing/lavfi.js';
import { until } from '../src/testing/until.js';
import { readManifest, videoDir } from '../src/transcode/hls-output.js';
import { createUploadServer, UPLOAD_PATH } from '../src/uploads/upload-server.js';

/**
 * The media path against the real stack: tus uploads checked by the edge's catalogue (workerd, D1),
 * jobs through the Kafka mock cluster, two real transcode worker processes running Debian's FFmpeg,
 * and the HLS origin verifying playback tokens.
 */
const { env } = inject('stack');
const REPO = resolve(import.meta.dirname, '..', '..');
const run = `${process.pid}-${Date.now().toString(36)}`;
const tenant = `media-${run}`;
const jobsTopic = `transcode-jobs-test-${run}`;
const group = `media-transcode-test-${run}`;
const LADDER: Rung[] = [
  { name: '240p', height: 240, videoKbps: 400, audioKbps: 64 },
  { name: '360p', height: 360, videoKbps: 700, audioKbps: 96 },
  { name: '480p', height: 480, videoKbps: 1000, audioKbps: 96 },
];

let dir: string;
let out: string;
let superKey: string;
let producer: Producer;
const consumers: Consumer[] = [];
const progress: TranscodeProgress[] = [];
const dead: DeadLetter[] = [];
const controls: TranscodeControl[] = [];
const workers = new Map<string, { child: ChildProcess; port: number }>();
const closers: Array<() => unknown> = [];
let uploadUrl: string;
let originUrl: string;
const registry = new HttpVideoRegistry(env.EDGE_URL!, { timeoutMs: 10_000 });

const freePort = () =>
  new Promise<number>((res) => {
    const s = netServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as AddressInfo).port;
      s.close(() => res(p));
    });
  });

async function startWorker(id: string): Promise<void> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'media-node/src/transcode/main.ts')], {
    cwd: REPO,
    stdio: ['ignore', 'ignore', 'inherit'],
    env: { ...process.env, ...workerEnv(id), MEDIA_WORKER_PORT: String(port) },
  });
  workers.set(id, { child, port });
  await until(`worker ${id} healthy`, async () => {
    const r = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => null);
    return r?.ok && ((await r.json()) as { state: string }).state === 'idle';
  });
}

function workerEnv(id: string): Record<string, string> {
  return {
    KAFKA_BROKERS: env.KAFKA_BROKERS!,
    KAFKA_REPLICATION_FACTOR: '1',
    EDGE_URL: env.EDGE_URL!,
    // A tenant super key is the other credential the internal API accepts (beside the stack's
    // EDGE_INTERNAL_TOKEN): the workers act for this test tenant only.
    EDGE_INTERNAL_TOKEN: superKey,
    MEDIA_OUTPUT_DIR: out,
    MEDIA_WORKER_ID: id,
    MEDIA_JOBS_TOPIC: jobsTopic,
    MEDIA_CONSUMER_GROUP: group,
    MEDIA_SESSION_TIMEOUT_MS: '6000',
    MEDIA_PROGRESS_INTERVAL_MS: '300',
    MEDIA_RETRY_BASE_MS: '300',
    MEDIA_SEGMENT_SECONDS: '2',
    MEDIA_X264_PRESET: 'veryfast',
    LOG_LEVEL: 'warn',
  };
}

async function collect<T>(topic: string, into: T[], parse: (v: unknown) => T | undefined): Promise<void> {
  const kafka = createKafka(kafkaSettingsFromEnv(env));
  const c = kafka.consumer({ kafkaJS: { groupId: `collector-${topic}-${run}`, fromBeginning: true, autoCommit: true } });
  await c.connect();
  await c.subscribe({ topics: [topic] });
  void c.run({
    eachMessage: async ({ message }) => {
      const v = parse(JSON.parse(message.value?.toString() ?? 'null'));
      if (v !== undefined) into.push(v);
    },
  });
  consumers.push(c);
}

const newJob = (over: Partial<TranscodeJob> & { videoId: string; sourceUri: string }): TranscodeJob =>
  TranscodeJob.parse({ eventId: uuidv7(), tenantId: tenant, eventTime: new Date().toISOString(), schemaVersion: 1, jobId: `job-${over.videoId}`, ladder: LADDER, ...over });

const publish = (topic: string, key: string, value: string) => producer.send({ topic, messages: [{ key, value }] });
const readVideo = (videoId: string): Promise<Video> => registry.createVideo(superKey, { videoId, title: videoId });
const eventsOf = (jobId: string) => progress.filter((p) => p.jobId === jobId);

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'media-it-'));
  out = join(dir, 'out');
  const res = await fetch(`${env.EDGE_URL}/v1/platform/tenants`, {
    method: 'POST',
    headers: { authorization: `Bearer ${env.ADMIN_API_KEY}`, 'content-type': 'application/json' },
    body: JSON.stringify({ tenantId: tenant, name: 'media test' }),
  });
  expect(res.status).toBe(201);
  superKey = CreatedApiKey.parse(await res.json()).apiKey;

  const settings = { ...kafkaSettingsFromEnv(env), replicationFactor: 1 };
  const kafka = createKafka(settings);
  await ensureTopics(kafka, settings, [jobsTopic, Topics.transcodeProgress, MediaTopics.transcodeControl, deadLetterTopic(group)]);
  producer = createProducer(kafka);
  await producer.connect();
  await collect(Topics.transcodeProgress, progress, (v) => {
    const p = TranscodeProgress.safeParse(v);
    return p.success && p.data.tenantId === tenant ? p.data : undefined;
  });
  await collect(deadLetterTopic(group), dead, (v) => DeadLetter.parse(v));
  await collect(MediaTopics.transcodeControl, controls, (v) => {
    const c = TranscodeControl.safeParse(v);
    return c.success && c.data.tenantId === tenant ? c.data : undefined;
  });

  await Promise.all([
    makeTestVideo(join(dir, 'short.mp4'), { seconds: 3, width: 640, height: 360 }),
    makeTestVideo(join(dir, 'long.mp4'), { seconds: 12, width: 854, height: 480 }),
  ]);
  await Promise.all([startWorker('worker-a'), startWorker('worker-b')]);

  // One process serves tus uploads and the HLS origin, as in docker-compose (MEDIA_PORT).
  const origin = hlsOriginHandler({ outputRoot: out, keys: parseSigningKeys(env.PLAYBACK_SIGNING_KEYS!).keys });
  const up = createUploadServer({ uploadDir: join(dir, 'uploads'), maxBytes: 3 * 1024 * 1024, registry, producer, jobsTopic, origin });
  await new Promise<void>((r) => up.server.listen(0, '127.0.0.1', r));
  originUrl = `http://127.0.0.1:${(up.server.address() as AddressInfo).port}`;
  uploadUrl = `${originUrl}${UPLOAD_PATH}`;
  closers.push(() => up.server.close());
}, 120_000);

afterAll(async () => {
  for (const w of workers.values()) w.child.kill('SIGTERM');
  for (const c of closers) c();
  await Promise.allSettled(consumers.map((c) => c.disconnect()));
  await producer?.disconnect().catch(() => undefined);
  await new Promise((r) => setTimeout(r, 500));
  for (const w of workers.values()) w.child.kill('SIGKILL');
  await rm(dir, { recursive: true, force: true });
});

async function tusCreate(headers: Record<string, string>): Promise<{ status: number; code?: string; message?: string; location?: string }> {
  const res = await fetch(uploadUrl, { method: 'POST', headers: { 'tus-resumable': '1.0.0', ...headers } });
  const text = await res.text();
  const err = text ? (JSON.parse(text) as { error?: { code: string; message: string } }).error : undefined;
  return { status: res.status, code: err?.code, message: err?.message, location: res.headers.get('location') ?? undefined };
}

describe('uploads: auth, limits, checksum, validation', () => {
  it('refuses missing or unknown keys, wrong types, over-size and bad metadata with clear 4xx reasons', async () => {
    const meta = (m: Record<string, string>) => encodeMetadata({ filename: 'a.mp4', filetype: 'video/mp4', sha256: 'a'.repeat(64), ...m });
    expect(await tusCreate({ 'upload-length': '100', 'upload-metadata': meta({}) })).toMatchObject({ status: 401, code: 'unauthorized', message: expect.stringMatching(/missing API key/) });
    expect(await tusCreate({ authorization: 'Bearer vp_nope_0000000000000000', 'upload-length': '100', 'upload-metadata': meta({}) })).toMatchObject({ status: 401, code: 'unauthorized' });
    const auth = { authorization: `Bearer ${superKey}` };
    expect(await tusCreate({ ...auth, 'upload-length': '100', 'upload-metadata': meta({ filename: 'notes.pdf', filetype: 'application/pdf' }) })).toMatchObject({ status: 415, code: 'unsupported_media_type', message: expect.stringMatching(/only video files/) });
    expect(await tusCreate({ ...auth, 'upload-length': String(10 * 1024 * 1024), 'upload-metadata': meta({}) })).toMatchObject({ status: 413, code: 'payload_too_large' });
    expect(await tusCreate({ ...auth, 'upload-length': '100', 'upload-metadata': meta({ sha256: 'xyz' }) })).toMatchObject({ status: 400, message: expect.stringMatching(/64 lowercase hex/) });
    // tus's own protocol checks answer in JSON too (they used to be plain text), naming the header.
    const neg = await fetch(uploadUrl, { method: 'POST', headers: { 'tus-resumable': '1.0.0', ...auth, 'upload-length': '-5', 'upload-metadata': meta({}) } });
    expect(neg.status).toBe(400);
    expect(neg.headers.get('content-type')).toMatch(/application\/json/);
    expect(await neg.json()).toEqual({ error: { code: 'invalid_field', message: 'invalid upload-length header', field: 'upload-length' } });
    const noVersion = await fetch(uploadUrl, { method: 'POST', headers: { ...auth, 'upload-length': '100' } });
    expect(noVersion.status).toBe(412);
    expect(((await noVersion.json()) as { error: { code: string } }).error.code).toBe('invalid_body');
  });

  it('fails checksum mismatches, non-video and truncated files, and marks the video failed with the reason', async () => {
    const client = new TusClient({ endpoint: uploadUrl, apiKey: superKey });
    const whole = await readFile(join(dir, 'short.mp4'));
    await writeFile(join(dir, 'half.mp4'), whole.subarray(0, Math.floor(whole.length / 2)));
    await writeFile(join(dir, 'text.mp4'), 'plain text, not a video\n'.repeat(100));
    const cases = [
      { file: 'short.mp4', sha: 'b'.repeat(64), status: 460, reason: /checksum mismatch/ },
      { file: 'text.mp4', status: 415, reason: /not a recognised video file/ },
      { file: 'half.mp4', status: 422, reason: /truncated or corrupt: moov atom not found/ },
    ];
    for (const [i, c] of cases.entries()) {
      const path = join(dir, c.file);
      const videoId = `bad-${i}-${run}`;
      const url = await client.create((await readFile(path)).length, { filename: c.file, filetype: 'video/mp4', videoId, sha256: c.sha ?? (await sha256File(path)) });
      const err = await client.upload(path, url).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UploadError);
      expect((err as UploadError).status).toBe(c.status);
      expect((err as UploadError).message).toMatch(c.reason);
      const v = await readVideo(videoId);
      expect(v.status).toBe('failed');
      expect(v.failureReason).toMatch(c.reason);
    }
  });
});

describe('upload → transcode → play', () => {
  it('resumes an interrupted upload, transcodes it on the fleet and serves it behind a playback token', async () => {
    const file = join(dir, 'short.mp4');
    const bytes = await readFile(file);
    const client = new TusClient({ endpoint: uploadUrl, apiKey: superKey, chunkBytes: 64 * 1024 });
    const videoId = `up-${run}`;
    const url = await client.create(bytes.length, { filename: 'short.mp4', filetype: 'video/mp4', title: 'Lesson 1', videoId, sha256: await sha256File(file) });
    expect((await readVideo(videoId)).status).toBe('uploading');

    // The connection drops after part of the first PATCH body.
    const sent = Math.floor(bytes.length / 3);
    await new Promise<void>((resolveP) => {
      const req = request(url, { method: 'PATCH', headers: { 'tus-resumable': '1.0.0', authorization: `Bearer ${superKey}`, 'upload-offset': '0', 'content-type': 'application/offset+octet-stream', 'content-length': String(bytes.length) } });
      req.on('error', () => resolveP());
      req.write(bytes.subarray(0, sent), () => setTimeout(() => req.destroy(), 300));
    });
    const offset = await until('stored offset', async () => (await client.offset(url)) || undefined, 10_000);
    expect(offset).toBeGreaterThan(0);
    expect(offset).toBeLessThanOrEqual(sent);
    // Another key may not continue someone else's upload.
    const stranger = await fetch(url, { method: 'HEAD', headers: { 'tus-resumable': '1.0.0', authorization: 'Bearer vp_other_key_1234567890' } });
    expect(stranger.status).toBe(403);

    const seen: number[] = [];
    const done = await new TusClient({ endpoint: uploadUrl, apiKey: superKey, chunkBytes: 64 * 1024, onProgress: (s) => seen.push(s) }).upload(file, url);
    expect(seen[0]).toBe(offset); // resumed, not restarted
    expect(done).toMatchObject({ tenantId: tenant, videoId, width: 640, height: 360 });
    expect(done.durationSeconds).toBeCloseTo(3, 0);

    const finished = await until('done event', () => eventsOf(done.jobId).find((p) => p.state === 'done'), 90_000);
    expect(finished.renditions).toEqual(['360p']); // the default ladder, never above the 360p source
    const states = eventsOf(done.jobId).map((p) => p.state);
    expect(states[0]).toBe('queued');
    expect(new Set(states)).toEqual(new Set(['queued', 'running', 'done']));
    for (let i = 1; i < states.length; i++) expect(TRANSCODE_TRANSITIONS[states[i - 1]!]).toContain(states[i]);
    const v = await until('video ready', async () => {
      const x = await readVideo(videoId);
      return x.status === 'ready' && x;
    }, 10_000);
    expect(v.renditions).toEqual(['360p']);

    const keys = parseSigningKeys(env.PLAYBACK_SIGNING_KEYS!);
    const token = await signPlaybackToken({ kid: keys.currentKid, tenantId: tenant, userId: 'u1', videoId, pathPrefix: `/hls/${tenant}/${videoId}/`, exp: Math.floor(Date.now() / 1000) + 300 }, keys.keys);
    const master = await fetch(`${originUrl}${finished.masterPath}?token=${token}`);
    expect(master.status).toBe(200);
    const parsed = HLS.parse(await master.text());
    if (!parsed.isMasterPlaylist) throw new Error('expected master');
    const variant = parsed.variants.at(-1)!;
    expect(variant.resolution).toEqual({ width: 640, height: 360 });
    const media = HLS.parse(await (await fetch(`${originUrl}/hls/${tenant}/${videoId}/${variant.uri}`)).text());
    if (media.isMasterPlaylist) throw new Error('expected media playlist');
    const seg = await fetch(`${originUrl}/hls/${tenant}/${videoId}/360p/${media.segments[0]!.uri}`);
    expect(seg.status).toBe(200);
    expect(seg.headers.get('content-type')).toBe('video/iso.segment');
    expect((await fetch(`${originUrl}${finished.masterPath}`)).status).toBe(401);

    // Cancel route: only the uploading key; it broadcasts a cancel on transcode-control.
    const uploadId = url.split('/').at(-1)!;
    const cancelAs = (key: string, id = uploadId) => fetch(`${uploadUrl}/${id}/cancel`, { method: 'POST', headers: { authorization: `Bearer ${key}` } });
    expect((await cancelAs('vp_other_key_1234567890')).status).toBe(403);
    expect((await cancelAs(superKey, 'nope')).status).toBe(404);
    const c = await cancelAs(superKey);
    expect(c.status).toBe(202);
    expect(await c.json()).toMatchObject({ jobId: done.jobId, videoId });
    await until('cancel broadcast', () => controls.find((x) => x.jobId === done.jobId), 15_000);
  });
});

describe('CLI', () => {
  it('media-node upload FILE shows upload and transcode progress and ends with the renditions', async () => {
    const r = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolveP) => {
      const child = spawn(join(REPO, 'media-node/bin/media-node'), ['upload', join(dir, 'short.mp4'), '--title', 'CLI lesson'], {
        cwd: dir,
        env: { ...process.env, MEDIA_API_KEY: superKey, MEDIA_UPLOAD_URL: uploadUrl, KAFKA_BROKERS: env.KAFKA_BROKERS, KAFKA_REPLICATION_FACTOR: '1' },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.on('close', (code) => resolveP({ code, stdout, stderr }));
    });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/upload +\[#{30}\] 100\.0%/);
    expect(r.stderr).toMatch(/transcode +\[#{30}\] 100\.0% 360p/);
    const last = JSON.parse(r.stdout.trim().split('\n').at(-1)!) as { state: string; renditions: string[] };
    expect(last).toMatchObject({ state: 'done', renditions: ['360p'] });
  });
});

describe('transcode fleet', () => {
  it('a worker SIGKILLed mid-job has its job redelivered; it completes once, without duplicate outputs', async () => {
    const videoId = `kill-${run}`;
    await registry.createVideo(superKey, { videoId, title: 'long', status: 'transcoding' });
    const job = newJob({ videoId, sourceUri: pathToFileURL(join(dir, 'long.mp4')).href });
    await publish(jobsTopic, `${tenant}:${videoId}`, JSON.stringify(job));

    // Ask the workers directly (no Kafka lag) who is encoding it, let ffmpeg get going, then kill.
    const victimId = await until('a worker running the job', async () => {
      for (const [id, w] of workers) {
        const s = (await (await fetch(`http://127.0.0.1:${w.port}/healthz`)).json()) as { jobId: string | null };
        if (s.jobId === job.jobId) return id;
      }
      return undefined;
    }, 60_000);
    await until('ffmpeg progress', () => eventsOf(job.jobId).find((p) => p.state === 'running' && p.percent > 0 && p.workerId === victimId), 30_000);
    workers.get(victimId)!.child.kill('SIGKILL');
    expect(eventsOf(job.jobId).some((p) => p.state === 'done')).toBe(false);
    const survivor = [...workers.keys()].find((k) => k !== victimId)!;

    const done = await until('done after redelivery', () => eventsOf(job.jobId).find((p) => p.state === 'done'), 120_000);
    expect(done.workerId).toBe(survivor);
    await new Promise((r) => setTimeout(r, 1500)); // room for a (wrong) second completion to show up
    const doneIds = new Set(eventsOf(job.jobId).filter((p) => p.state === 'done').map((p) => p.eventId));
    expect(doneIds.size).toBe(1);
    // Progress arrived at least every few seconds while running, with fps and speed.
    const running = eventsOf(job.jobId).filter((p) => p.state === 'running' && p.workerId === survivor && p.percent > 0);
    expect(running.length).toBeGreaterThan(0);
    expect(running.every((p) => (p.fps ?? 0) >= 0 && (p.speed ?? 0) >= 0)).toBe(true);

    const vdir = videoDir(out, tenant, videoId);
    expect((await readManifest(vdir))?.jobId).toBe(job.jobId);
    expect((await readdir(vdir)).filter((f) => /^\d+p$/.test(f)).sort()).toEqual(['240p', '360p', '480p']);
    const hd = await probeRendition(join(vdir, '480p', 'index.m3u8'));
    expect([hd.width, hd.height]).toEqual([854, 480]);
    expect(hd.keyframeTimes.length).toBe(6); // 12 s in 2-s segments
    expect((await readVideo(videoId)).status).toBe('ready');
    // The killed worker's ffmpeg did not live on (it dies on its closed progress pipe).
    const left = await until('no orphaned ffmpeg', () => !execFileSync('ps', ['-eo', 'args']).toString().includes(join(dir, 'long.mp4')) || undefined, 15_000);
    expect(left).toBe(true);
  });

  it('dead-letters poison messages and permanently failing jobs; the video is failed with the reason, never left running', async () => {
    await publish(jobsTopic, 'junk', '{not json');
    const corruptId = `corrupt-${run}`;
    await writeFile(join(dir, 'corrupt.mp4'), 'garbage '.repeat(500));
    await registry.createVideo(superKey, { videoId: corruptId, title: 'corrupt', status: 'transcoding' });
    const corrupt = newJob({ videoId: corruptId, sourceUri: pathToFileURL(join(dir, 'corrupt.mp4')).href });
    await publish(jobsTopic, `${tenant}:${corruptId}`, JSON.stringify(corrupt));
    // The catalogue does not know this video: setting it ready fails, so the job is retried with
    // backoff and dead-lettered after its last attempt.
    const ghost = newJob({ videoId: `ghost-${run}`, sourceUri: pathToFileURL(join(dir, 'short.mp4')).href, maxAttempts: 2 });
    await publish(jobsTopic, `${tenant}:${ghost.videoId}`, JSON.stringify(ghost));

    await until('poison dead-lettered', () => dead.find((d) => d.value === '{not json'), 30_000).then((d) => expect(d.reason).toMatch(/invalid transcode job/));
    const dc = await until('corrupt dead-lettered', () => dead.find((d) => d.value.includes(corrupt.jobId)), 30_000);
    expect(dc.reason).toMatch(/truncated or corrupt: moov atom not found/);
    const failed = await until('failed event', () => eventsOf(corrupt.jobId).find((p) => p.state === 'failed'), 10_000);
    expect(failed.error).toBe(dc.reason);
    const v = await until('video failed', async () => {
      const x = await readVideo(corruptId);
      return x.status === 'failed' && x;
    }, 10_000);
    expect(v.failureReason).toBe(dc.reason);

    const dg = await until('ghost dead-lettered after retries', () => dead.find((d) => d.value.includes(ghost.jobId)), 90_000);
    expect(dg.reason).toMatch(/gave up after 2 attempts: no such video in this tenant/);
    // The dead letter and the progress events travel on different topics: wait for the job's
    // final progress event before reading its history (same key, so earlier events came first).
    await until('ghost failed event', () => eventsOf(ghost.jobId).find((p) => p.state === 'failed'), 15_000);
    const ge = eventsOf(ghost.jobId);
    expect(ge.find((p) => p.state === 'queued' && p.attempt === 1)?.error).toMatch(/retrying in/);
    expect(ge.some((p) => p.attempt === 2 && p.state === 'running')).toBe(true);
    expect(ge.at(-1)!.state).toBe('failed');
  });

  it('cancels a job', async () => {
    const videoId = `cancel-${run}`;
    await registry.createVideo(superKey, { videoId, title: 'cancel me', status: 'transcoding' });
    const job = newJob({ videoId, sourceUri: pathToFileURL(join(dir, 'short.mp4')).href, notBefore: new Date(Date.now() + 60_000).toISOString() });
    await publish(jobsTopic, `${tenant}:${videoId}`, JSON.stringify(job));
    await until('queued (delayed)', () => eventsOf(job.jobId).find((p) => p.state === 'queued'), 30_000);
    await publish(MediaTopics.transcodeControl, `${tenant}:${videoId}`, JSON.stringify({ eventId: uuidv7(), tenantId: tenant, eventTime: new Date().toISOString(), schemaVersion: 1, action: 'cancel', jobId: job.jobId, videoId }));
    await until('cancelled', () => eventsOf(job.jobId).find((p) => p.state === 'cancelled'), 30_000);
    const v = await readVideo(videoId);
    expect(v.status).toBe('failed');
    expect(v.failureReason).toBe('transcode cancelled');
    expect(await readManifest(videoDir(out, tenant, videoId))).toBeNull();
  });

  it('the fleet supervisor runs N workers in the group and restarts one that dies', async () => {
    const port = await freePort();
    const fleet = spawn(process.execPath, ['--import', 'tsx', join(REPO, 'media-node/src/transcode/fleet.ts')], {
      cwd: REPO,
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, ...workerEnv('fleet'), MEDIA_FLEET_PORT: String(port), MEDIA_TRANSCODE_WORKERS: '2' },
    });
    closers.push(() => fleet.kill('SIGTERM'));
    type FleetHealth = { workers: Array<{ ok: boolean; pid: number; restarts: number; workerId: string }> };
    const health = async () => (await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()) as FleetHealth;
    const up = await until('fleet healthy', async () => {
      const r = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => null);
      return r?.ok && ((await r.json()) as FleetHealth);
    }, 60_000);
    expect(up.workers).toHaveLength(2);
    expect(new Set(up.workers.map((w) => w.workerId)).size).toBe(2);
    const victim = up.workers[0]!;
    process.kill(victim.pid, 'SIGKILL');
    const back = await until('worker restarted', async () => {
      const h = await health().catch(() => null);
      const w = h?.workers.find((x) => x.workerId === victim.workerId);
      return w?.ok && w.restarts === 1 && w.pid !== victim.pid && w;
    }, 60_000);
    expect(back.workerId).toBe(victim.workerId);
  });
});
