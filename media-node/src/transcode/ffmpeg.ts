import { spawn } from 'node:child_process';

/**
 * A small typed wrapper around the ffmpeg/ffprobe binaries. fluent-ffmpeg (the library the design
 * first named) was archived upstream in May 2025 and is deprecated on npm; it only generated
 * command lines, and we run one fixed command shape, so we build the arguments ourselves and parse
 * `-progress pipe:1` (key=value lines, one block per -stats_period) for live progress.
 */
export const FFMPEG = process.env.FFMPEG_PATH ?? 'ffmpeg';
export const FFPROBE = process.env.FFPROBE_PATH ?? 'ffprobe';

export interface FfmpegProgress {
  /** Frames of the first video output written so far. */
  frame: number;
  fps: number;
  /** Encoding speed relative to realtime (e.g. 1.5 = 1.5× realtime). */
  speed: number;
  outTimeSeconds: number;
  done: boolean;
}

export class FfmpegError extends Error {
  constructor(
    message: string,
    readonly exitCode: number | null,
    readonly signal: NodeJS.Signals | null,
    readonly stderrTail: string,
    readonly cancelled = false,
  ) {
    super(message);
    this.name = 'FfmpegError';
  }
}

export interface RunOptions {
  cwd?: string;
  onProgress?: (p: FfmpegProgress) => void;
  signal?: AbortSignal;
  /** Kill ffmpeg after this long (every external call has a timeout). */
  timeoutMs?: number;
  bin?: string;
}

/** Parses one `-progress` block (key=value lines) into a progress record. */
export function parseProgressBlock(lines: string[]): FfmpegProgress {
  const kv = new Map<string, string>();
  for (const l of lines) {
    const i = l.indexOf('=');
    if (i > 0) kv.set(l.slice(0, i).trim(), l.slice(i + 1).trim());
  }
  const num = (k: string) => {
    const v = Number.parseFloat((kv.get(k) ?? '').replace(/x$/, ''));
    return Number.isFinite(v) ? v : 0;
  };
  return {
    frame: num('frame'),
    fps: num('fps'),
    speed: num('speed'),
    outTimeSeconds: num('out_time_us') / 1e6,
    done: kv.get('progress') === 'end',
  };
}

/**
 * Runs ffmpeg with `-progress pipe:1` appended. Resolves on exit 0; rejects with FfmpegError
 * carrying the stderr tail otherwise. stdout stays a pipe on purpose: if our process dies (even by
 * SIGKILL), ffmpeg's next progress write hits a closed pipe and it exits instead of living on.
 */
export function runFfmpeg(args: string[], o: RunOptions = {}): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(o.bin ?? FFMPEG, ['-hide_banner', '-nostdin', '-y', ...args, '-progress', 'pipe:1', '-stats_period', '1'], {
      cwd: o.cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    let buf = '';
    let block: string[] = [];
    let cancelled = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      buf += chunk;
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl);
        buf = buf.slice(nl + 1);
        block.push(line);
        if (line.startsWith('progress=')) {
          o.onProgress?.(parseProgressBlock(block));
          block = [];
        }
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      stderr = (stderr + chunk).slice(-8000);
    });
    const kill = () => {
      cancelled = true;
      child.kill('SIGKILL');
    };
    const timer = o.timeoutMs ? setTimeout(() => kill(), o.timeoutMs) : undefined;
    const onAbort = () => kill();
    o.signal?.addEventListener('abort', onAbort, { once: true });
    if (o.signal?.aborted) kill();
    child.on('error', (e) => reject(new FfmpegError(`cannot start ${o.bin ?? FFMPEG}: ${e.message}`, null, null, '')));
    child.on('close', (code, signal) => {
      if (timer) clearTimeout(timer);
      o.signal?.removeEventListener('abort', onAbort);
      if (code === 0) return resolve();
      const why = cancelled ? (o.signal?.aborted ? 'cancelled' : 'timed out') : `exited with ${code ?? signal}`;
      reject(new FfmpegError(`ffmpeg ${why}: ${lastLines(stderr, 3)}`, code, signal, stderr, cancelled));
    });
  });
}

export function lastLines(s: string, n: number): string {
  return s.trim().split('\n').slice(-n).join(' | ').slice(0, 1000);
}

/** Runs a command to completion and returns stdout (for ffprobe); bounded by a timeout. */
export function runCapture(bin: string, args: string[], timeoutMs = 30_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr = (stderr + c).slice(-8000)));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot start ${bin}: ${e.message}`));
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
