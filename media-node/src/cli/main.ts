/**
 * media-node CLI.
 *   media-node upload FILE [--title T] [--video-id ID] [--course-id ID] [--no-wait]
 * Env: MEDIA_UPLOAD_URL (default http://127.0.0.1:8790/v1/uploads), MEDIA_API_KEY (a tenant
 * super/admin key), KAFKA_BROKERS (to follow transcode progress on `transcode-progress`).
 * Re-running the same command resumes an interrupted upload (the upload URL is remembered in
 * FILE's directory as .FILE.tus).
 */
import { randomBytes } from 'node:crypto';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import { basename, dirname, extname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { Topics, TranscodeProgress } from '@vidplat/contracts';
import { createKafka, kafkaSettingsFromEnv, type Consumer } from '@vidplat/node-runtime/kafka';
import { formatBytes, ProgressBar } from './progress-bar.js';
import { sha256File, TusClient, UploadError } from './tus-client.js';

const TYPES: Record<string, string> = { '.mp4': 'video/mp4', '.m4v': 'video/mp4', '.mov': 'video/quicktime', '.mkv': 'video/x-matroska', '.webm': 'video/webm', '.ts': 'video/mp2t', '.mpg': 'video/mpeg', '.avi': 'video/x-msvideo' };

async function followTranscode(videoId: string, timeoutMs: number): Promise<{ consumer: Consumer; done: Promise<TranscodeProgress> }> {
  const kafka = createKafka(kafkaSettingsFromEnv(process.env));
  const consumer = kafka.consumer({ kafkaJS: { groupId: `media-cli-${randomBytes(6).toString('hex')}`, fromBeginning: false, autoCommit: false } });
  await consumer.connect();
  await consumer.subscribe({ topics: [Topics.transcodeProgress] });
  const bar = new ProgressBar('transcode');
  const done = new Promise<TranscodeProgress>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('no transcode result before the timeout')), timeoutMs);
    void consumer.run({
      eachMessage: async ({ message }) => {
        const p = TranscodeProgress.safeParse(JSON.parse(message.value?.toString() ?? 'null'));
        if (!p.success || p.data.videoId !== videoId) return;
        const e = p.data;
        if (e.state === 'running') bar.update(e.percent, `${(e.fps ?? 0).toFixed(0)} fps ${(e.speed ?? 0).toFixed(2)}x`);
        else if (e.state === 'queued') bar.update(0, e.error ? `queued: ${e.error}` : 'queued');
        else {
          clearTimeout(timer);
          if (e.state === 'done') bar.done(`${e.renditions?.join(' ')}`);
          resolve(e);
        }
      },
    });
  });
  // Offsets start at "latest" once partitions are assigned: wait for that before uploading, or a
  // quick transcode could finish before we listen.
  const deadline = Date.now() + 30_000;
  while (consumer.assignment().length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  return { consumer, done };
}

async function upload(file: string, o: { title?: string; videoId?: string; courseId?: string; wait: boolean }): Promise<number> {
  const endpoint = process.env.MEDIA_UPLOAD_URL ?? 'http://127.0.0.1:8790/v1/uploads';
  const apiKey = process.env.MEDIA_API_KEY;
  if (!apiKey) throw new Error('set MEDIA_API_KEY to a tenant super/admin API key');
  const size = (await stat(file)).size;
  const filetype = TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream';
  const stateFile = join(dirname(file), `.${basename(file)}.tus`);
  const saved = JSON.parse(await readFile(stateFile, 'utf8').catch(() => 'null')) as { url: string; videoId: string; size: number } | null;
  const videoId = saved?.size === size ? saved.videoId : (o.videoId ?? `vid-${Date.now().toString(36)}${randomBytes(3).toString('hex')}`);
  const follow = o.wait && process.env.KAFKA_BROKERS ? await followTranscode(videoId, 6 * 3600_000) : undefined;
  try {
    const bar = new ProgressBar('upload');
    const client = new TusClient({ endpoint, apiKey, onProgress: (sent, total) => bar.update((100 * sent) / Math.max(1, total), `${formatBytes(sent)} / ${formatBytes(total)}`) });
    let url = saved?.size === size ? saved.url : undefined;
    if (url) {
      try {
        await client.offset(url);
      } catch {
        url = undefined; // expired or unknown: start over
      }
    }
    if (!url) {
      process.stderr.write(`hashing ${basename(file)} (${formatBytes(size)})…\n`);
      url = await client.create(size, { filename: basename(file), filetype, title: o.title, videoId, courseId: o.courseId, sha256: await sha256File(file) });
      await writeFile(stateFile, JSON.stringify({ url, videoId, size }));
    }
    const completed = await client.upload(file, url);
    bar.done();
    await rm(stateFile, { force: true });
    process.stdout.write(`${JSON.stringify(completed)}\n`);
    if (!follow) return 0;
    const result = await follow.done;
    process.stdout.write(`${JSON.stringify({ state: result.state, renditions: result.renditions, masterPath: result.masterPath, error: result.error })}\n`);
    return result.state === 'done' ? 0 : 1;
  } finally {
    await follow?.consumer.disconnect().catch(() => undefined);
  }
}

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { title: { type: 'string' }, 'video-id': { type: 'string' }, 'course-id': { type: 'string' }, 'no-wait': { type: 'boolean', default: false } },
});
const [cmd, file] = positionals;
if (cmd !== 'upload' || !file) {
  process.stderr.write('usage: media-node upload FILE [--title T] [--video-id ID] [--course-id ID] [--no-wait]\n');
  process.exit(2);
}
try {
  process.exit(await upload(file, { title: values.title, videoId: values['video-id'], courseId: values['course-id'], wait: !values['no-wait'] }));
} catch (e) {
  const msg = e instanceof UploadError ? `upload refused (${e.status} ${e.code}): ${e.message}` : (e as Error).message;
  process.stderr.write(`\nmedia-node: ${msg}\n`);
  process.exit(1);
}
