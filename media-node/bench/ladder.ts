/**
 * npm run bench:media — single-decode ladder vs one ffmpeg per rung, same source, same run.
 *
 * Source (generated at bench time, never committed): 60 s of 1080p30 shaped like a phone/camera
 * upload — H.264 High with CABAC at ~18 Mb/s (maxrate 20M), 1-s GOP, AAC 128k — whose picture is
 * lavfi testsrc2 (moving pattern, text, gradients) plus temporal luma/chroma grain like a sensor's.
 * Why: decode cost grows with bitrate and entropy coding, and it is exactly what the single-decode
 * ladder saves. The earlier source (testsrc2 through x264 ultrafast: CAVLC, ~1 Mb/s, flat areas)
 * decoded ~5× cheaper than a real upload and understated a second decode; pure noise would be
 * pathological the other way (nobody uploads it and x264 spends everything on it).
 *
 * Rungs: DEFAULT_LADDER up to the source height (360p/720p/1080p). Preset: the workers' own default
 * (MEDIA_X264_PRESET in contracts) with the ladder's per-rung settings (FAST_TOP_RUNG for 1080p+).
 * Per-rung side: one ffmpeg per rung, run one after another (each already keeps both cores busy),
 * each decoding the source itself and scaling straight from it with the same resampler, with the
 * same x264/AAC/HLS arguments. Images are off on both sides so the work is equal.
 * Besides wall time it prints CPU seconds of the ffmpeg children (what the other tenants of a
 * shared machine do not distort) and PSNR/SSIM of the single-decode top rung against the source.
 *
 * Env: BENCH_PRESET (default: the workers' default), BENCH_SECONDS (60), BENCH_ROUNDS (2),
 * BENCH_SOURCE=file (skip generation), BENCH_QUALITY=0 (skip PSNR/SSIM), BENCH_KEEP=1 (keep the files).
 * Last line: {"bench":"ladder","single_decode_s":A,"per_rung_s":B,"ratio":A/B,"realtime_factor":R}
 */
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_LADDER, MediaWorkerEnv } from '@vidplat/contracts';
import { runCapture, runFfmpeg, FFMPEG } from '../src/transcode/ffmpeg.js';
import { buildLadderArgs, buildSingleRungArgs, planLadder, rungEncoder, SCALE_FLAGS } from '../src/transcode/ladder.js';
import { probeMedia } from '../src/transcode/probe.js';

const preset = process.env.BENCH_PRESET ?? MediaWorkerEnv.shape.MEDIA_X264_PRESET.parse(undefined);
const seconds = Number(process.env.BENCH_SECONDS ?? 60);
const rounds = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 2));
const dir = await mkdtemp(join(tmpdir(), 'bench-ladder-'));
const la = () => loadavg().map((x) => x.toFixed(2)).join(' ');
const t = async (fn: () => Promise<void>) => {
  const s = performance.now();
  await fn();
  return (performance.now() - s) / 1000;
};
/** CPU seconds (user+sys) of waited-for children, from /proc: independent of other load. */
const childCpu = async () => {
  const f = (await readFile('/proc/self/stat', 'utf8')).split(') ')[1]!.split(' ');
  return (Number(f[13]) + Number(f[14])) / 100; // cutime + cstime, in clock ticks (USER_HZ 100)
};

/** The camera-like source described above. */
async function makeUploadLikeSource(file: string, s: number): Promise<void> {
  await runFfmpeg(
    [
      '-f', 'lavfi', '-i', `testsrc2=size=1920x1080:rate=30:duration=${s}`,
      '-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${s}`,
      '-vf', 'noise=c0s=6:c0f=t+u:c1s=3:c1f=t+u:c2s=3:c2f=t+u',
      '-c:v', 'libx264', '-preset', 'superfast', '-profile:v', 'high', '-pix_fmt', 'yuv420p', '-g', '30',
      '-b:v', '18M', '-maxrate', '20M', '-bufsize', '20M',
      '-c:a', 'aac', '-b:a', '128k', '-shortest', file,
    ],
    { timeoutMs: 1800_000 },
  );
}

/**
 * PSNR and SSIM of a rendition against the source (same size). Frames are paired by index: the
 * HLS muxer shifts timestamps by a frame or two (audio priming), and pairing by time then compares
 * neighbouring frames (measured: 28.8 dB instead of 41.3).
 */
async function quality(rendition: string, source: string): Promise<string> {
  const graph = '[0:v]setpts=N/FRAME_RATE/TB,split[a][b];[1:v]setpts=N/FRAME_RATE/TB,split[c][d];[a][c]psnr;[b][d]ssim';
  const r = await runCapture(FFMPEG, ['-hide_banner', '-nostdin', '-i', rendition, '-i', source, '-lavfi', graph, '-f', 'null', '-'], 1800_000);
  const psnr = /PSNR .*average:([\d.]+)/.exec(r.stderr)?.[1];
  const ssim = /SSIM .*All:([\d.]+)/.exec(r.stderr)?.[1];
  return `PSNR ${psnr ?? '?'} dB, SSIM ${ssim ?? '?'}`;
}

try {
  console.log(`cpus: ${cpus().length} (${cpus()[0]?.model ?? '?'}), preset: ${preset}, load avg before: ${la()}`);
  let src = process.env.BENCH_SOURCE;
  if (!src) {
    src = join(dir, 'src.mp4');
    const genS = await t(() => makeUploadLikeSource(src!, seconds));
    console.log(`generated ${seconds}-s 1080p30 upload-like source in ${genS.toFixed(1)} s`);
  }
  const probe = await probeMedia(src);
  const srcSeconds = probe.durationSeconds;
  const plan = planLadder(probe, DEFAULT_LADDER, 4);
  const o = { preset, images: false };
  console.log(`source: ${probe.width}x${probe.height} ${probe.fps} fps, ${srcSeconds.toFixed(1)} s`);
  console.log(
    `rungs (scaler ${SCALE_FLAGS}): ${plan.rungs
      .map((r) => {
        const e = rungEncoder(r, o);
        return `${r.name} ${r.width}x${r.height} ${r.videoKbps}k x264 ${e.preset}${e.x264Params ? `+${e.x264Params}` : ''}`;
      })
      .join(', ')}`,
  );

  // Rounds alternate the two sides, so a burst of load from the machine's other tenants hits both;
  // each side's figure is its fastest round (the least disturbed), every round is printed.
  const single = join(dir, 'single');
  const per = join(dir, 'per-rung');
  const singleWall: number[] = [];
  const perWall: number[] = [];
  let singleCpu = 0;
  let perCpu = 0;
  for (let round = 1; round <= rounds; round++) {
    await rm(single, { recursive: true, force: true });
    for (const r of plan.rungs) await mkdir(join(single, r.name), { recursive: true });
    const cpu0 = await childCpu();
    const sw = await t(() => runFfmpeg(buildLadderArgs(src!, plan, o), { cwd: single, timeoutMs: 3600_000 }));
    const cpu1 = await childCpu();
    singleWall.push(sw);
    singleCpu += cpu1 - cpu0;
    console.log(`round ${round}: single-decode ladder ${sw.toFixed(1)} s wall, ${(cpu1 - cpu0).toFixed(1)} CPU-s (load avg ${la()})`);

    await rm(per, { recursive: true, force: true });
    let pw = 0;
    const parts: string[] = [];
    for (const r of plan.rungs) {
      await mkdir(join(per, r.name), { recursive: true });
      const c = await childCpu();
      const s = await t(() => runFfmpeg(buildSingleRungArgs(src!, plan, r, o), { cwd: per, timeoutMs: 3600_000 }));
      parts.push(`${r.name} ${s.toFixed(1)} s/${((await childCpu()) - c).toFixed(1)} CPU-s`);
      pw += s;
    }
    const cpu2 = await childCpu();
    perWall.push(pw);
    perCpu += cpu2 - cpu1;
    console.log(`round ${round}: one ffmpeg per rung (sequential) ${pw.toFixed(1)} s wall, ${(cpu2 - cpu1).toFixed(1)} CPU-s [${parts.join(', ')}] (load avg ${la()})`);
  }
  const singleS = Math.min(...singleWall);
  const perS = Math.min(...perWall);
  console.log(
    `fastest rounds: single ${singleS.toFixed(1)} s, per-rung ${perS.toFixed(1)} s; CPU-time ratio ${(singleCpu / perCpu).toFixed(3)}; ` +
      `CPU-bound realtime factor on ${cpus().length} idle cores ≈ ${((srcSeconds * cpus().length * rounds) / singleCpu).toFixed(2)}`,
  );
  if (process.env.BENCH_QUALITY !== '0') {
    const top = plan.rungs.at(-1)!;
    if (top.width === probe.width && top.height === probe.height) {
      console.log(`quality of the single-decode ${top.name} rung vs the source: ${await quality(join(single, top.name, 'index.m3u8'), src)}`);
    }
  }
  const r3 = (x: number) => Math.round(x * 1000) / 1000;
  console.log(JSON.stringify({ bench: 'ladder', single_decode_s: r3(singleS), per_rung_s: r3(perS), ratio: r3(singleS / perS), realtime_factor: r3(srcSeconds / singleS) }));
} finally {
  if (!process.env.BENCH_KEEP) await rm(dir, { recursive: true, force: true });
}
