/**
 * npm run bench:media — single-decode ladder vs one ffmpeg per rung, same source, same run.
 * Source: generated 60-s 1080p30 (lavfi testsrc2 + sine). Rungs: DEFAULT_LADDER up to 1080p.
 * Both sides encode identical x264/AAC/HLS-fMP4 settings (images off, so the work is equal).
 * Env: BENCH_PRESET (default veryfast), BENCH_SECONDS (default 60), BENCH_KEEP=1 keeps the files.
 * Last line: {"bench":"ladder","single_decode_s":A,"per_rung_s":B,"ratio":A/B,"realtime_factor":R}
 */
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_LADDER } from '@vidplat/contracts';
import { makeTestVideo } from '../src/testing/lavfi.js';
import { runFfmpeg } from '../src/transcode/ffmpeg.js';
import { buildLadderArgs, buildSingleRungArgs, planLadder } from '../src/transcode/ladder.js';
import { probeMedia } from '../src/transcode/probe.js';

const preset = process.env.BENCH_PRESET ?? 'veryfast';
const seconds = Number(process.env.BENCH_SECONDS ?? 60);
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

try {
  console.log(`cpus: ${cpus().length} (${cpus()[0]?.model ?? '?'}), preset: ${preset}, load avg before: ${la()}`);
  const src = join(dir, 'src.mp4');
  const genS = await t(() => makeTestVideo(src, { seconds, width: 1920, height: 1080, fps: 30, preset: 'ultrafast' }));
  console.log(`generated ${seconds}-s 1080p30 source in ${genS.toFixed(1)} s`);
  const probe = await probeMedia(src);
  const plan = planLadder(probe, DEFAULT_LADDER, 4);
  console.log(`rungs: ${plan.rungs.map((r) => `${r.name} ${r.width}x${r.height} ${r.videoKbps}k`).join(', ')}`);

  const single = join(dir, 'single');
  await mkdir(single, { recursive: true });
  for (const r of plan.rungs) await mkdir(join(single, r.name), { recursive: true });
  const cpu0 = await childCpu();
  const singleS = await t(() => runFfmpeg(buildLadderArgs(src, plan, { preset, images: false }), { cwd: single, timeoutMs: 3600_000 }));
  const cpu1 = await childCpu();
  console.log(`single-decode ladder: ${singleS.toFixed(1)} s wall, ${(cpu1 - cpu0).toFixed(1)} CPU-s (load avg ${la()})`);

  const per = join(dir, 'per-rung');
  await mkdir(per, { recursive: true });
  let perS = 0;
  for (const r of plan.rungs) {
    await mkdir(join(per, r.name), { recursive: true });
    const s = await t(() => runFfmpeg(buildSingleRungArgs(src, plan, r, { preset }), { cwd: per, timeoutMs: 3600_000 }));
    console.log(`  per-rung ${r.name}: ${s.toFixed(1)} s`);
    perS += s;
  }
  const cpu2 = await childCpu();
  console.log(`one ffmpeg per rung (sequential): ${perS.toFixed(1)} s wall, ${(cpu2 - cpu1).toFixed(1)} CPU-s (load avg ${la()})`);
  console.log(`CPU-time ratio ${((cpu1 - cpu0) / (cpu2 - cpu1)).toFixed(3)}; CPU-bound realtime factor on ${cpus().length} idle cores ≈ ${((seconds * cpus().length) / (cpu1 - cpu0)).toFixed(2)}`);
  const r3 = (x: number) => Math.round(x * 1000) / 1000;
  console.log(JSON.stringify({ bench: 'ladder', single_decode_s: r3(singleS), per_rung_s: r3(perS), ratio: r3(singleS / perS), realtime_factor: r3(seconds / singleS) }));
} finally {
  if (!process.env.BENCH_KEEP) await rm(dir, { recursive: true, force: true });
}
