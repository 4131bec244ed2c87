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
  /** x264 preset of every rung below FAST_TOP_RUNG.fromHeight (MEDIA_X264_PRESET). */
  preset: string;
  /** Encode rungs of FAST_TOP_RUNG.fromHeight and up with FAST_TOP_RUNG's settings (default true). */
  fastTopRung?: boolean;
  /** Poster, thumbnails and storyboard stills from the same decode (default true). */
  images?: boolean;
}

/**
 * Resampling for every downscale (ffmpeg's default, bicubic). Measured against a lanczos reference on
 * the bench source: bilinear is 9 dB softer at 720p (44.6 vs 53.6 dB) and cascading it compounds the
 * blur (1080→720→360 bilinear: 40.4 dB vs 51.2 bicubic), for a saving of ~2 ms of the ~30 ms of CPU a
 * ladder frame costs; fast_bilinear aliases badly (30 dB). Not worth it.
 */
export const SCALE_FLAGS = 'bicubic';

/**
 * x264 settings for the large rungs (1080p and up), which take most of the encoding CPU. Measured on
 * a noisy 18 Mb/s 1080p30 source at 5 Mb/s (media-node/README.md): x264 ultrafast with CABAC,
 * deblocking and adaptive quantisation put back costs ~6 ms/frame against ~12 (superfast) and ~25
 * (veryfast), for PSNR 41.3 dB vs 41.75 / 42.3 (SSIM 0.982 vs 0.983 / 0.984). B-frames were left
 * out: they cost as much as superfast's whole analysis on noisy input. Lower rungs are cheap and
 * starved of bits, so they keep the configured preset.
 */
export const FAST_TOP_RUNG = { fromHeight: 1080, preset: 'ultrafast', x264Params: 'cabac=1:deblock=0,0:aq-mode=1' } as const;

/** The x264 preset (and extra x264 params) one rung is encoded with. */
export function rungEncoder(rung: Rung, o: EncodeOptions): { preset: string; x264Params?: string } {
  const fast = o.fastTopRung !== false && rung.height >= FAST_TOP_RUNG.fromHeight && o.preset !== 'ultrafast';
  return fast ? { preset: FAST_TOP_RUNG.preset, x264Params: FAST_TOP_RUNG.x264Params } : { preset: o.preset };
}

function gopArgs(plan: LadderPlan): string[] {
  return [
    '-c:v', 'libx264', '-profile:v', 'high', '-pix_fmt', 'yuv420p',
    // Aligned keyframes: fixed GOP, no scene-cut keyframes, and a forced IDR on every segment boundary.
    '-g', String(plan.gop), '-keyint_min', String(plan.gop), '-sc_threshold', '0',
    '-force_key_frames', `expr:gte(t,n_forced*${plan.segmentSeconds})`,
  ];
}

/** Per-output-stream x264 settings: index i of the video streams of this ffmpeg command. */
function rungArgs(i: number, r: Rung, o: EncodeOptions): string[] {
  const enc = rungEncoder(r, o);
  return [
    `-preset:v:${i}`, enc.preset, ...(enc.x264Params ? [`-x264-params:v:${i}`, enc.x264Params] : []),
    `-b:v:${i}`, `${r.videoKbps}k`, `-maxrate:v:${i}`, `${Math.round(r.videoKbps * 1.07)}k`, `-bufsize:v:${i}`, `${Math.round(r.videoKbps * 1.5)}k`,
  ];
}

const hlsArgs = (plan: LadderPlan) => [
  '-f', 'hls', '-hls_time', String(plan.segmentSeconds), '-hls_playlist_type', 'vod', '-hls_segment_type', 'fmp4',
  '-hls_flags', 'independent_segments', '-hls_fmp4_init_filename', 'init.mp4',
];

const scaleTo = (w: number, h: number) => `scale=${w}:${h}:flags=${SCALE_FLAGS}`;

/** Index of the smallest rung at least this large (else the largest): the cheapest frames to scale images from. */
function smallestRungAtLeast(plan: LadderPlan, minWidth: number, minHeight: number): number {
  const i = plan.rungs.findIndex((r) => r.width >= minWidth && r.height >= minHeight);
  return i >= 0 ? i : plan.rungs.length - 1;
}

/**
 * The filter graph of the single-decode ladder: the decoded frames go to the top rung, and every
 * lower rung is scaled from the rung above it (a cascade: 1080→720→360 scales 0.9 Mpx per frame
 * instead of 2 Mpx × rungs from the source). Poster, thumbnails and storyboard stills tap the
 * smallest rung that is large enough, so they cost almost nothing. A scale to the source's own size
 * is a pass-through in ffmpeg's scale filter. Outputs: [o<i>] per rung, [poster] [thumbs] [stills].
 */
export function ladderGraph(plan: LadderPlan, images: boolean): string {
  const n = plan.rungs.length;
  const sb = plan.storyboard;
  const taps: string[][] = plan.rungs.map((_, i) => [`o${i}`, ...(i > 0 ? [`c${i}`] : [])]);
  const chains: string[] = [];
  if (images) {
    const posterH = Math.min(720, plan.rungs[n - 1]!.height);
    const p = smallestRungAtLeast(plan, 0, posterH);
    const t = smallestRungAtLeast(plan, 320, 0);
    const s = smallestRungAtLeast(plan, sb.tileWidth, sb.tileHeight);
    taps[p]!.push('ip');
    taps[t]!.push('it');
    taps[s]!.push('is');
    chains.push(
      // Only the first frame at or after the poster time passes (not every later frame). The scale
      // stays even when the size already matches: it is where the JPEG encoder's full-range format
      // is converted; without it that format is negotiated up through `split` into the rung chain
      // and every frame of the rung is converted (measured: +2.5 ms per frame).
      `[ip]select='gte(t\\,${plan.posterAtSeconds.toFixed(3)})*isnan(prev_selected_t)',scale=-2:${posterH}:flags=${SCALE_FLAGS}[poster]`,
      `[it]fps=${(plan.thumbnails / plan.durationSeconds).toFixed(6)},scale=320:-2:flags=${SCALE_FLAGS}[thumbs]`,
      // Storyboard stills only; they are tiled afterwards (ffmpeg's tile filter emits at EOF,
      // and an output that stays empty that long stalls ffmpeg's progress reports).
      `[is]fps=1/${sb.intervalSeconds},scale=${sb.tileWidth}:${sb.tileHeight}:flags=${SCALE_FLAGS}[stills]`,
    );
  }
  const rungs: string[] = [];
  for (let i = n - 1; i >= 0; i--) {
    const r = plan.rungs[i]!;
    const from = i === n - 1 ? '0:v' : `c${i + 1}`;
    const outs = taps[i]!;
    const split = outs.length > 1 ? `,split=${outs.length}` : '';
    rungs.push(`[${from}]${scaleTo(r.width, r.height)},setsar=1${split}${outs.map((l) => `[${l}]`).join('')}`);
  }
  return [...rungs, ...chains].join(';');
}

/**
 * One ffmpeg invocation for the whole job: decode once, scale down the rung cascade (ladderGraph),
 * encode every rung with identical GOP settings, and mux HLS fMP4 with a master playlist; poster,
 * thumbnails and storyboard stills come out of the same pass. Paths are relative to the output
 * directory (cwd). Threads: ffmpeg's defaults (frame-threaded decode, x264 frame threads per
 * encoder) kept both cores busy; explicit counts measured no better (README).
 */
export function buildLadderArgs(input: string, plan: LadderPlan, o: EncodeOptions): string[] {
  const images = o.images !== false;
  const args = ['-i', input, '-filter_complex', ladderGraph(plan, images)];
  plan.rungs.forEach((_, i) => args.push('-map', `[o${i}]`));
  if (plan.hasAudio) plan.rungs.forEach(() => args.push('-map', '0:a:0'));
  args.push(...gopArgs(plan));
  plan.rungs.forEach((r, i) => args.push(...rungArgs(i, r, o)));
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

/**
 * The baseline the benchmark compares against: one ffmpeg (and one decode) per rung, scaled straight
 * from the source with the same resampler, and the same x264/AAC/HLS settings as the ladder.
 */
export function buildSingleRungArgs(input: string, plan: LadderPlan, rung: PlannedRung, o: EncodeOptions): string[] {
  const args = ['-i', input, '-vf', `${scaleTo(rung.width, rung.height)},setsar=1`, '-map', '0:v:0'];
  if (plan.hasAudio) args.push('-map', '0:a:0', '-c:a', 'aac', '-ac', '2', '-ar', '48000', '-b:a', `${rung.audioKbps}k`);
  args.push(...gopArgs(plan), ...rungArgs(0, rung, o));
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
