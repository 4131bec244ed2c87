import { runFfmpeg } from '../transcode/ffmpeg.js';
import { FFPROBE, runCapture } from '../transcode/ffmpeg.js';

/** Generates a test source with FFmpeg's lavfi sources (never commit media; make it at test time). */
export async function makeTestVideo(
  file: string,
  o: { seconds: number; width: number; height: number; fps?: number; audio?: boolean; preset?: string },
): Promise<void> {
  const fps = o.fps ?? 30;
  const args = ['-f', 'lavfi', '-i', `testsrc2=size=${o.width}x${o.height}:rate=${fps}:duration=${o.seconds}`];
  if (o.audio !== false) args.push('-f', 'lavfi', '-i', `sine=frequency=440:sample_rate=48000:duration=${o.seconds}`);
  args.push('-c:v', 'libx264', '-preset', o.preset ?? 'ultrafast', '-pix_fmt', 'yuv420p', '-g', String(fps));
  if (o.audio !== false) args.push('-c:a', 'aac', '-b:a', '96k', '-shortest');
  args.push(file);
  await runFfmpeg(args, { timeoutMs: 120_000 });
}

/** Packet-level facts of one rendition (reads the HLS playlist with ffprobe). */
export async function probeRendition(playlist: string): Promise<{ width: number; height: number; keyframeTimes: number[]; durationSeconds: number }> {
  const s = await runCapture(FFPROBE, ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'stream=width,height', '-of', 'json', playlist]);
  const stream = (JSON.parse(s.stdout) as { streams: Array<{ width: number; height: number }> }).streams[0]!;
  const p = await runCapture(FFPROBE, ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=pts_time,flags', '-of', 'csv=p=0', playlist]);
  const packets = p.stdout
    .trim()
    .split('\n')
    .map((l) => l.split(','))
    .map(([t, f]) => ({ t: Number(t), key: (f ?? '').includes('K') }));
  const times = packets.map((x) => x.t).filter(Number.isFinite);
  return {
    width: stream.width,
    height: stream.height,
    keyframeTimes: packets.filter((x) => x.key).map((x) => x.t),
    durationSeconds: times.length ? Math.max(...times) - Math.min(...times) : 0,
  };
}
