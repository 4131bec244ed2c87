import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import HLS from 'hls-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TranscodeJob, uuidv7, type Rung } from '@vidplat/contracts';
import { makeTestVideo, probeRendition } from '../testing/lavfi.js';
import { transcodeToHls, videoDir } from './hls-output.js';
import { MediaRejected, probeMedia } from './probe.js';

const LADDER: Rung[] = [
  { name: '180p', height: 180, videoKbps: 300, audioKbps: 64 },
  { name: '360p', height: 360, videoKbps: 700, audioKbps: 96 },
  { name: '720p', height: 720, videoKbps: 2500, audioKbps: 128 },
];

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'media-ladder-'));
  await makeTestVideo(join(dir, 'src.mp4'), { seconds: 4, width: 640, height: 360 });
});
afterAll(() => rm(dir, { recursive: true, force: true }));

const job = (over: Partial<TranscodeJob> = {}) =>
  TranscodeJob.parse({
    eventId: uuidv7(),
    tenantId: 't-ladder',
    eventTime: new Date().toISOString(),
    schemaVersion: 1,
    jobId: `j-${Date.now()}`,
    videoId: 'v1',
    sourceUri: pathToFileURL(join(dir, 'src.mp4')).href,
    ladder: LADDER,
    ...over,
  });

describe('single-decode ladder to HLS fMP4', () => {
  it('encodes every rung up to the source height with aligned keyframes, a master playlist, poster, thumbnails and storyboard', async () => {
    const out = join(dir, 'out');
    const progress: number[] = [];
    const r = await transcodeToHls(job(), { outputRoot: out, preset: 'ultrafast', segmentSeconds: 2, timeoutMs: 120_000, onProgress: (p) => progress.push(p.percent) });
    expect(r.alreadyDone).toBe(false);
    expect(r.manifest.renditions).toEqual(['180p', '360p']); // 720p would upscale a 360p source
    expect(progress.at(-1)).toBe(100);

    const vdir = videoDir(out, 't-ladder', 'v1');
    const master = HLS.parse(await readFile(join(vdir, 'master.m3u8'), 'utf8'));
    if (!master.isMasterPlaylist) throw new Error('expected a master playlist');
    expect(master.variants.map((v) => v.resolution)).toEqual([
      { width: 320, height: 180 },
      { width: 640, height: 360 },
    ]);
    for (const v of master.variants) {
      expect(v.bandwidth).toBeGreaterThan(0);
      expect(v.codecs).toMatch(/^avc1\.[0-9a-f]{6},mp4a\.40\.2$/);
    }

    const keyframes: number[][] = [];
    for (const [i, rung] of ['180p', '360p'].entries()) {
      const text = await readFile(join(vdir, rung, 'index.m3u8'), 'utf8');
      const media = HLS.parse(text);
      if (media.isMasterPlaylist) throw new Error('expected a media playlist');
      expect(media.endlist).toBe(true);
      expect(media.segments.length).toBe(2);
      expect(media.segments[0]!.map?.uri).toMatch(/^init_\d\.mp4$/);
      for (const s of media.segments) expect(s.duration).toBeLessThanOrEqual(2.05);

      const p = await probeRendition(join(vdir, rung, 'index.m3u8'));
      expect([p.width, p.height]).toEqual([[320, 180], [640, 360]][i]);
      keyframes.push(p.keyframeTimes.map((t) => Math.round(t * 100) / 100));
      // Bitrate of the muxed segments within a broad band around the rung's target.
      let bytes = 0;
      for (const s of media.segments) bytes += (await stat(join(vdir, rung, s.uri))).size;
      const kbps = (bytes * 8) / 1000 / 4;
      const target = LADDER[i]!.videoKbps + LADDER[i]!.audioKbps;
      expect(kbps).toBeGreaterThan(target * 0.3);
      expect(kbps).toBeLessThan(target * 1.6);
    }
    // One keyframe per 2-s segment, at the same instants in every rendition.
    expect(keyframes[0]).toEqual(keyframes[1]);
    expect(keyframes[0]!.length).toBe(2);
    expect(keyframes[0]![1]! - keyframes[0]![0]!).toBeCloseTo(2, 1);

    const files = await readdir(vdir);
    expect(files).toEqual(expect.arrayContaining(['poster.jpg', 'storyboard.jpg', 'storyboard.vtt', 'manifest.json', 'thumbs']));
    expect((await readdir(join(vdir, 'thumbs'))).length).toBeGreaterThanOrEqual(8);
    expect(files).not.toContain('storyboard'); // stills are tiled into the sprite, then removed
    expect(await readFile(join(vdir, 'storyboard.vtt'), 'utf8')).toMatch(/storyboard\.jpg#xywh=160,0,160,90/);
    // No staging leftovers.
    expect(await readdir(join(out, '.staging'))).toEqual([]);

    // The same job again (a redelivery) finds the finished folder and encodes nothing.
    const again = await transcodeToHls(job({ jobId: r.manifest.jobId }), { outputRoot: out, preset: 'ultrafast', segmentSeconds: 2, timeoutMs: 60_000 });
    expect(again.alreadyDone).toBe(true);
    expect(again.manifest.doneEventId).toBe(r.manifest.doneEventId);
  });

  it('rejects non-video and truncated files with a clear reason', async () => {
    await writeFile(join(dir, 'notes.mp4'), 'these are not the frames you are looking for\n'.repeat(50));
    await expect(probeMedia(join(dir, 'notes.mp4'))).rejects.toThrow(MediaRejected);
    await expect(probeMedia(join(dir, 'notes.mp4'))).rejects.toThrow(/not a recognised video file|Invalid data/);

    const whole = await readFile(join(dir, 'src.mp4'));
    await writeFile(join(dir, 'half.mp4'), whole.subarray(0, Math.floor(whole.length / 2)));
    const err = await probeMedia(join(dir, 'half.mp4')).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(MediaRejected);
    expect((err as MediaRejected).kind).toBe('corrupt');
    expect((err as MediaRejected).message).toMatch(/truncated or corrupt/);
  });
});
