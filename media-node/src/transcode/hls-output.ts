import { randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { uuidv7, type TranscodeJob } from '@vidplat/contracts';
import { runFfmpeg, type FfmpegProgress } from './ffmpeg.js';
import { buildLadderArgs, buildSpriteArgs, planLadder, storyboardVtt, type LadderPlan } from './ladder.js';
import { probeMedia } from './probe.js';

/** Written last into a finished output folder; its presence means "this video is done". */
export interface OutputManifest {
  jobId: string;
  tenantId: string;
  videoId: string;
  renditions: string[];
  durationSeconds: number;
  masterPath: string;
  completedAt: string;
  /** The done event's id, re-used if a redelivered job re-announces completion (consumers dedupe). */
  doneEventId: string;
}

export interface TranscodeOptions {
  outputRoot: string;
  preset: string;
  segmentSeconds: number;
  timeoutMs: number;
  signal?: AbortSignal;
  onProgress?: (p: FfmpegProgress & { percent: number }) => void;
}

export type TranscodeOutcome = { manifest: OutputManifest; alreadyDone: boolean; plan?: LadderPlan };

/** HLS output folder of a video; every file of a video lives under it (and under its URL prefix). */
export const videoDir = (root: string, tenantId: string, videoId: string) => join(root, 'hls', tenantId, videoId);
export const videoUrlPrefix = (tenantId: string, videoId: string) => `/hls/${tenantId}/${videoId}/`;

export function sourcePath(uri: string): string {
  if (uri.startsWith('file://')) return fileURLToPath(uri);
  throw new Error(`unsupported source URI scheme: ${uri.split(':')[0]} (this worker reads file:// sources)`);
}

export async function readManifest(dir: string): Promise<OutputManifest | null> {
  try {
    return JSON.parse(await readFile(join(dir, 'manifest.json'), 'utf8')) as OutputManifest;
  } catch {
    return null;
  }
}

/**
 * Transcodes one job into a private staging folder and renames it into place in one step, so a
 * video folder is either absent or complete. A redelivered job finds the folder and does nothing;
 * two workers racing on the same job both encode, but only the first rename wins.
 */
export async function transcodeToHls(job: TranscodeJob, o: TranscodeOptions): Promise<TranscodeOutcome> {
  const finalDir = videoDir(o.outputRoot, job.tenantId, job.videoId);
  const existing = await readManifest(finalDir);
  if (existing) return { manifest: existing, alreadyDone: true };

  const src = sourcePath(job.sourceUri);
  const probe = await probeMedia(src);
  const plan = planLadder(probe, job.ladder, o.segmentSeconds);
  const staging = join(o.outputRoot, '.staging', `${job.jobId}-a${job.attempt}-${randomBytes(4).toString('hex')}`);
  await mkdir(join(staging, 'thumbs'), { recursive: true });
  await mkdir(join(staging, 'storyboard'), { recursive: true });
  for (const r of plan.rungs) await mkdir(join(staging, r.name), { recursive: true });
  try {
    const totalFrames = Math.max(1, plan.durationSeconds * plan.fps);
    await runFfmpeg(buildLadderArgs(src, plan, { preset: o.preset }), {
      cwd: staging,
      signal: o.signal,
      timeoutMs: o.timeoutMs,
      onProgress: (p) => o.onProgress?.({ ...p, percent: p.done ? 100 : Math.min(99.9, (100 * p.frame) / totalFrames) }),
    });
    await runFfmpeg(buildSpriteArgs(plan), { cwd: staging, signal: o.signal, timeoutMs: 60_000 });
    await rm(join(staging, 'storyboard'), { recursive: true, force: true });
    await writeFile(join(staging, 'storyboard.vtt'), storyboardVtt(plan));
    const manifest: OutputManifest = {
      jobId: job.jobId,
      tenantId: job.tenantId,
      videoId: job.videoId,
      renditions: plan.rungs.map((r) => r.name),
      durationSeconds: plan.durationSeconds,
      masterPath: `${videoUrlPrefix(job.tenantId, job.videoId)}master.m3u8`,
      completedAt: new Date().toISOString(),
      doneEventId: uuidv7(),
    };
    await writeFile(join(staging, 'manifest.json'), JSON.stringify(manifest, null, 2));
    await mkdir(join(o.outputRoot, 'hls', job.tenantId), { recursive: true });
    try {
      await rename(staging, finalDir);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw e;
      const winner = await readManifest(finalDir);
      if (!winner) throw e;
      return { manifest: winner, alreadyDone: true, plan };
    }
    return { manifest, alreadyDone: false, plan };
  } finally {
    await rm(staging, { recursive: true, force: true });
  }
}

/** Removes staging folders left by killed workers (older than any job may run). */
export async function sweepStaging(outputRoot: string, olderThanMs: number): Promise<number> {
  const dir = join(outputRoot, '.staging');
  let n = 0;
  for (const name of await readdir(dir).catch(() => [] as string[])) {
    const p = join(dir, name);
    const s = await stat(p).catch(() => null);
    if (s && Date.now() - s.mtimeMs > olderThanMs) {
      await rm(p, { recursive: true, force: true });
      n++;
    }
  }
  return n;
}
