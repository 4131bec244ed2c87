import { mkdir, mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import HLS from 'hls-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LADDER } from '@vidplat/contracts';
import { makeTestVideo, probeRendition } from '../testing/lavfi.js';
import { runFfmpeg } from './ffmpeg.js';
import { buildLadderArgs, buildSingleRungArgs, FAST_TOP_RUNG, ladderGraph, planLadder, rungEncoder } from './ladder.js';
import { probeMedia, type MediaProbe } from './probe.js';

const probe1080: MediaProbe = { formatName: 'mov,mp4', width: 1920, height: 1080, fps: 30, durationSeconds: 60, videoCodec: 'h264', hasAudio: true, bitRate: 18e6 };

describe('ladder plan and ffmpeg arguments', () => {
  const plan = planLadder(probe1080, DEFAULT_LADDER, 4);

  it('decodes once and scales every lower rung from the rung above it', () => {
    const graph = ladderGraph(plan, true);
    expect(plan.rungs.map((r) => r.name)).toEqual(['360p', '720p', '1080p']);
    expect(graph.match(/\[0:v\]/g)).toHaveLength(1);
    expect(graph).toContain('[0:v]scale=1920:1080:flags=bicubic,setsar=1,split=2[o2][c2]');
    expect(graph).toContain('[c2]scale=1280:720:flags=bicubic,setsar=1,split=3[o1][c1][ip]');
    expect(graph).toContain('[c1]scale=640:360:flags=bicubic,setsar=1,split=3[o0][it][is]');
    // Poster from the 720p frames, one frame only; thumbnails and stills from the 360p frames.
    expect(graph).toMatch(/\[ip\]select='gte\(t\\,5\.000\)\*isnan\(prev_selected_t\)',scale=-2:720:flags=bicubic\[poster\]/);
    expect(ladderGraph(plan, false)).not.toMatch(/poster|thumbs|stills/);
  });

  it('encodes 1080p and up with the fast top-rung settings and the rest with the configured preset', () => {
    const o = { preset: 'superfast' };
    expect(plan.rungs.map((r) => rungEncoder(r, o))).toEqual([
      { preset: 'superfast' },
      { preset: 'superfast' },
      { preset: FAST_TOP_RUNG.preset, x264Params: FAST_TOP_RUNG.x264Params },
    ]);
    expect(rungEncoder(plan.rungs[2]!, { ...o, fastTopRung: false })).toEqual({ preset: 'superfast' });
    // ultrafast everywhere stays plain ultrafast (the top-rung settings would be slower).
    expect(rungEncoder(plan.rungs[2]!, { preset: 'ultrafast' })).toEqual({ preset: 'ultrafast' });

    const args = buildLadderArgs('in.mp4', plan, o);
    const at = (flag: string) => args[args.indexOf(flag) + 1];
    expect([at('-preset:v:0'), at('-preset:v:1'), at('-preset:v:2')]).toEqual(['superfast', 'superfast', 'ultrafast']);
    expect(at('-x264-params:v:2')).toBe(FAST_TOP_RUNG.x264Params);
    expect(args).not.toContain('-x264-params:v:0');
  });

  it('gives the per-rung baseline the same encoder settings as the ladder', () => {
    const o = { preset: 'superfast' };
    const ladder = buildLadderArgs('in.mp4', plan, o);
    for (const [i, r] of plan.rungs.entries()) {
      const single = buildSingleRungArgs('in.mp4', plan, r, o);
      const pick = (args: string[], idx: number) =>
        ['preset', 'x264-params', 'b', 'maxrate', 'bufsize'].map((k) => {
          const j = args.indexOf(`-${k}:v:${idx}`);
          return j < 0 ? undefined : args[j + 1];
        });
      expect(pick(single, 0)).toEqual(pick(ladder, i));
      expect(single.join(' ')).toContain(`scale=${r.width}:${r.height}:flags=bicubic`);
      for (const flag of ['-g', '-keyint_min', '-sc_threshold', '-force_key_frames', '-profile:v', '-pix_fmt']) {
        expect(single[single.indexOf(flag) + 1]).toBe(ladder[ladder.indexOf(flag) + 1]);
      }
    }
  });
});

describe('single-decode ladder on a 1080p source', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'ladder-1080-'));
    await makeTestVideo(join(dir, 'src.mp4'), { seconds: 2, width: 1920, height: 1080 });
  });
  afterAll(() => rm(dir, { recursive: true, force: true }));

  it('writes valid, aligned 360p/720p/1080p renditions, the 1080p one with CABAC, deblocking and AQ', async () => {
    const src = join(dir, 'src.mp4');
    const plan = planLadder(await probeMedia(src), DEFAULT_LADDER, 1);
    const out = join(dir, 'out');
    for (const sub of ['thumbs', 'storyboard', ...plan.rungs.map((r) => r.name)]) await mkdir(join(out, sub), { recursive: true });
    await runFfmpeg(buildLadderArgs(src, plan, { preset: 'superfast' }), { cwd: out, timeoutMs: 120_000 });

    const master = HLS.parse(await readFile(join(out, 'master.m3u8'), 'utf8'));
    if (!master.isMasterPlaylist) throw new Error('expected a master playlist');
    expect(master.variants.map((v) => v.resolution)).toEqual([
      { width: 640, height: 360 },
      { width: 1280, height: 720 },
      { width: 1920, height: 1080 },
    ]);
    const keyframes: number[][] = [];
    for (const r of plan.rungs) {
      const p = await probeRendition(join(out, r.name, 'index.m3u8'));
      expect([p.width, p.height]).toEqual([r.width, r.height]);
      keyframes.push(p.keyframeTimes.map((t) => Math.round(t * 100) / 100));
    }
    expect(keyframes[0]).toHaveLength(2); // 1-s segments of a 2-s source
    expect(keyframes[1]).toEqual(keyframes[0]);
    expect(keyframes[2]).toEqual(keyframes[0]);

    // x264 writes its settings into the stream (an SEI message in the first segment).
    const x264Settings = async (rung: string) => {
      const seg = (await readdir(join(out, rung))).filter((f) => f.endsWith('.m4s')).sort()[0]!;
      return /x264 - core[^\0]*/.exec((await readFile(join(out, rung, seg))).toString('latin1'))?.[0] ?? '';
    };
    const top = await x264Settings('1080p');
    expect(top).toMatch(/ cabac=1 /);
    expect(top).toMatch(/ deblock=1:0:0 /);
    expect(top).toMatch(/ subme=0 /); // ultrafast analysis
    expect(top).toMatch(/ aq=1:/);
    const mid = await x264Settings('720p');
    expect(mid).toMatch(/ subme=1 /); // superfast
    expect(mid).toMatch(/ bframes=3 /);

    expect((await readdir(out)).sort()).toEqual(expect.arrayContaining(['poster.jpg', 'thumbs', 'storyboard']));
    expect((await readdir(join(out, 'thumbs'))).length).toBeGreaterThanOrEqual(8);
  });
});
