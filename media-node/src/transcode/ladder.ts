import type { Rung } from '@vidplat/contracts';
import type { MediaProbe } from './probe.js';

/** A rung resolved against a source: exact output size. */
export interface PlannedRung extends Rung {
  width: number;
}

export interface LadderPlan {
  rungs: PlannedRung[];
  hasAudio: boolean;
  fps: number;
  durationSeconds: number;
  segmentSeconds: number;
  /** Frames between keyframes; identical for every rung so segments align across renditions. */
  gop: number;
  storyboard: { intervalSeconds: number; columns: number; rows: number; tileWidth: number; tileHeight: number };
  thumbnails: number;
  posterAtSeconds: number;
}

const even = (n: number) => Math.max(2, Math.round(n / 2) * 2);

/** The ladder for a source: every rung not above the source height (never upscale). */
export function planLadder(probe: MediaProbe, ladder: Rung[], segmentSeconds: number): LadderPlan {
  const sorted = [...ladder].sort((a, b) => a.height - b.height);
  let rungs: Rung[] = sorted.filter((r) => r.height <= probe.height);
  if (rungs.length === 0) {
    // Source smaller than the lowest rung: one rendition at source height, bitrate scaled down.
    const low = sorted[0]!;
    const h = even(probe.height);
    rungs = [{ name: `${h}p`, height: h, videoKbps: Math.max(150, Math.round((low.videoKbps * h) / low.height)), audioKbps: low.audioKbps }];
  }
  const aspect = probe.width / probe.height;
  const fps = probe.fps > 0 && probe.fps <= 120 ? probe.fps : 30;
  const d = probe.durationSeconds;
  const intervalSeconds = Math.max(1, Math.ceil(d / 100));
  const tiles = Math.max(1, Math.ceil(d / intervalSeconds));
  const tileWidth = 160;
  return {
    rungs: rungs.map((r) => ({ ...r, width: even(r.height * aspect) })),
    hasAudio: probe.hasAudio,
    fps,
    durationSeconds: d,
    segmentSeconds,
    gop: Math.max(1, Math.round(fps * segmentSeconds)),
    storyboard: { intervalSeconds, columns: Math.min(10, tiles), rows: Math.ceil(tiles / 10), tileWidth, tileHeight: even(tileWidth / aspect) },
    thumbnails: 10,
    posterAtSeconds: Math.min(d * 0.1, 5),
  };
}

export interface EncodeOptions {
  preset: string;
  /** Poster, thumbnails and storyboard stills from the same decode (default true). */
  images?: boolean;
}

function videoEncodeArgs(plan: LadderPlan, o: EncodeOptions): string[] {
  return [
    '-c:v', 'libx264', '-preset', o.preset, '-profile:v', 'high', '-pix_fmt', 'yuv420p',
    // Aligned keyframes: fixed GOP, no scene-cut keyframes, and a forced IDR on every segment boundary.
    '-g', String(plan.gop), '-keyint_min', String(plan.gop), '-sc_threshold', '0',
    '-force_key_frames', `expr:gte(t,n_forced*${plan.segmentSeconds})`,
  ];
}

function rateArgs(i: number, r: Rung): string[] {
  return [
    `-b:v:${i}`, `${r.videoKbps}k`, `-maxrate:v:${i}`, `${Math.round(r.videoKbps * 1.07)}k`, `-bufsize:v:${i}`, `${Math.round(r.videoKbps * 1.5)}k`,
  ];
}

const hlsArgs = (plan: LadderPlan) => [
  '-f', 'hls', '-hls_time', String(plan.segmentSeconds), '-hls_playlist_type', 'vod', '-hls_segment_type', 'fmp4',
  '-hls_flags', 'independent_segments', '-hls_fmp4_init_filename', 'init.mp4',
];

/**
 * One ffmpeg invocation for the whole job: decode once, `split` the frames to a scaler per rung plus
 * the poster, thumbnail and storyboard branches, encode every rung with identical GOP settings, and
 * mux HLS fMP4 with a master playlist. Paths are relative to the output directory (cwd).
 */
export function buildLadderArgs(input: string, plan: LadderPlan, o: EncodeOptions): string[] {
  const n = plan.rungs.length;
  const images = o.images !== false;
  const sb = plan.storyboard;
  const graph = [
    `[0:v]split=${n + (images ? 3 : 0)}${plan.rungs.map((_, i) => `[v${i}]`).join('')}${images ? '[vp][vt][vs]' : ''}`,
    ...plan.rungs.map((r, i) => `[v${i}]scale=${r.width}:${r.height}:flags=bicubic,setsar=1[o${i}]`),
    ...(images
      ? [
          `[vp]select='gte(t\\,${plan.posterAtSeconds.toFixed(3)})',scale=-2:${Math.min(720, plan.rungs.at(-1)!.height)}[poster]`,
          `[vt]fps=${(plan.thumbnails / plan.durationSeconds).toFixed(6)},scale=320:-2[thumbs]`,
          // Storyboard stills only; they are tiled afterwards (ffmpeg's tile filter emits at EOF,
          // and an output that stays empty that long stalls ffmpeg's progress reports).
          `[vs]fps=1/${sb.intervalSeconds},scale=${sb.tileWidth}:${sb.tileHeight}[stills]`,
        ]
      : []),
  ].join(';');
  const args = ['-i', input, '-filter_complex', graph];
  plan.rungs.forEach((_, i) => args.push('-map', `[o${i}]`));
  if (plan.hasAudio) plan.rungs.forEach(() => args.push('-map', '0:a:0'));
  args.push(...videoEncodeArgs(plan, o));
  plan.rungs.forEach((r, i) => args.push(...rateArgs(i, r)));
  if (plan.hasAudio) {
    args.push('-c:a', 'aac', '-ac', '2', '-ar', '48000');
    plan.rungs.forEach((r, i) => args.push(`-b:a:${i}`, `${r.audioKbps}k`));
  }
  const streamMap = plan.rungs.map((r, i) => (plan.hasAudio ? `v:${i},a:${i},name:${r.name}` : `v:${i},name:${r.name}`)).join(' ');
  args.push(...hlsArgs(plan), '-hls_segment_filename', '%v/seg_%05d.m4s', '-master_pl_name', 'master.m3u8', '-var_stream_map', streamMap, '%v/index.m3u8');
  if (images) {
    args.push('-map', '[poster]', '-frames:v', '1', '-q:v', '3', 'poster.jpg');
    args.push('-map', '[thumbs]', '-q:v', '5', 'thumbs/thumb_%03d.jpg');
    args.push('-map', '[stills]', '-q:v', '5', 'storyboard/still_%04d.jpg');
  }
  return args;
}

/** Tiles the storyboard stills (at most 100 small JPEGs, no video decode) into one sprite. */
export function buildSpriteArgs(plan: LadderPlan): string[] {
  const sb = plan.storyboard;
  return ['-framerate', '1', '-i', 'storyboard/still_%04d.jpg', '-vf', `tile=${sb.columns}x${sb.rows}`, '-frames:v', '1', '-q:v', '5', 'storyboard.jpg'];
}

/** The baseline the benchmark compares against: one ffmpeg (and one decode) per rung. */
export function buildSingleRungArgs(input: string, plan: LadderPlan, rung: PlannedRung, o: EncodeOptions): string[] {
  const args = ['-i', input, '-vf', `scale=${rung.width}:${rung.height}:flags=bicubic,setsar=1`, '-map', '0:v:0'];
  if (plan.hasAudio) args.push('-map', '0:a:0', '-c:a', 'aac', '-ac', '2', '-ar', '48000', '-b:a', `${rung.audioKbps}k`);
  args.push(...videoEncodeArgs(plan, o), ...rateArgs(0, rung));
  args.push(...hlsArgs(plan), '-hls_segment_filename', `${rung.name}/seg_%05d.m4s`, `${rung.name}/index.m3u8`);
  return args;
}

/** WebVTT that maps time ranges to tiles of the storyboard sprite (the usual scrubbing-preview format). */
export function storyboardVtt(plan: LadderPlan, spriteName = 'storyboard.jpg'): string {
  const sb = plan.storyboard;
  const ts = (s: number) => {
    const h = Math.floor(s / 3600);
    const m = Math.floor((s % 3600) / 60);
    const sec = s % 60;
    return `${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:${sec.toFixed(3).padStart(6, '0')}`;
  };
  const tiles = Math.ceil(plan.durationSeconds / sb.intervalSeconds);
  const out = ['WEBVTT', ''];
  for (let i = 0; i < tiles; i++) {
    const start = i * sb.intervalSeconds;
    const end = Math.min(plan.durationSeconds, start + sb.intervalSeconds);
    const x = (i % sb.columns) * sb.tileWidth;
    const y = Math.floor(i / sb.columns) * sb.tileHeight;
    out.push(`${ts(start)} --> ${ts(end)}`, `${spriteName}#xywh=${x},${y},${sb.tileWidth},${sb.tileHeight}`, '');
  }
  return out.join('\n');
}
