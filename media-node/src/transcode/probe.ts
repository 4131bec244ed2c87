import { FFPROBE, lastLines, runCapture } from './ffmpeg.js';

export interface MediaProbe {
  formatName: string;
  durationSeconds: number;
  width: number;
  height: number;
  fps: number;
  videoCodec: string;
  hasAudio: boolean;
  bitRate: number;
}

export type RejectionKind = 'not_video' | 'corrupt';

/** Why a file is not a usable video source; the message is shown to the uploader. */
export class MediaRejected extends Error {
  constructor(
    readonly kind: RejectionKind,
    message: string,
  ) {
    super(message);
    this.name = 'MediaRejected';
  }
}

interface FfprobeJson {
  format?: { format_name?: string; duration?: string; bit_rate?: string };
  streams?: Array<{
    codec_type?: string;
    codec_name?: string;
    width?: number;
    height?: number;
    avg_frame_rate?: string;
    r_frame_rate?: string;
    disposition?: { attached_pic?: number };
  }>;
}

const IMAGE_FORMATS = /(^|,)(image2|png_pipe|jpeg_pipe|webp_pipe|gif|bmp_pipe|tiff_pipe|svg_pipe)(,|$)/;

function rate(r?: string): number {
  if (!r) return 0;
  const [n, d] = r.split('/').map(Number);
  return n && d ? n / d : Number(n) || 0;
}

/** ffprobe a source and decide whether it is a transcodable video; throws MediaRejected if not. */
export async function probeMedia(file: string, timeoutMs = 30_000): Promise<MediaProbe> {
  const r = await runCapture(FFPROBE, ['-v', 'error', '-print_format', 'json', '-show_format', '-show_streams', file], timeoutMs);
  if (r.code !== 0) {
    // ffprobe lines look like "[mov,mp4,… @ 0x…] moov atom not found" / "<file>: Invalid data …".
    const why = lastLines(r.stderr.split(file).join('file').replace(/\[[^\]]* @ 0x[0-9a-f]+\] /g, ''), 2) || `ffprobe exited with ${r.code}`;
    const kind: RejectionKind = /moov atom not found|Truncat|End of file|partial file|corrupt|error reading header/i.test(why) ? 'corrupt' : 'not_video';
    throw new MediaRejected(kind, kind === 'corrupt' ? `the file is truncated or corrupt: ${why}` : `not a recognised video file: ${why}`);
  }
  let j: FfprobeJson;
  try {
    j = JSON.parse(r.stdout) as FfprobeJson;
  } catch {
    throw new MediaRejected('corrupt', 'ffprobe output could not be read');
  }
  const formatName = j.format?.format_name ?? '';
  const v = (j.streams ?? []).find((s) => s.codec_type === 'video' && !s.disposition?.attached_pic);
  if (!v || IMAGE_FORMATS.test(formatName)) throw new MediaRejected('not_video', `no video stream found (format: ${formatName || 'unknown'})`);
  const durationSeconds = Number.parseFloat(j.format?.duration ?? '');
  if (!Number.isFinite(durationSeconds) || durationSeconds <= 0) throw new MediaRejected('corrupt', 'the video has no duration (truncated or a still image)');
  if (!v.width || !v.height) throw new MediaRejected('corrupt', 'the video stream has no frame size');
  return {
    formatName,
    durationSeconds,
    width: v.width,
    height: v.height,
    fps: rate(v.avg_frame_rate) || rate(v.r_frame_rate) || 30,
    videoCodec: v.codec_name ?? 'unknown',
    hasAudio: (j.streams ?? []).some((s) => s.codec_type === 'audio'),
    bitRate: Number(j.format?.bit_rate ?? 0) || 0,
  };
}
