import { createReadStream } from 'node:fs';
import { copyFile, mkdir, readFile, realpath, rename, stat } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { OutputManifest } from '../transcode/hls-output.js';
import { listFiles, publishBatches, type GetResult, type OutputStore, type PublishResult } from './output-store.js';

/**
 * Output in a local folder (the default): keys are paths under `root`. The transcoder already
 * renames a finished folder into `root/hls/<tenant>/<video>/`, so publishing from there is a no-op;
 * from elsewhere it copies in publish order, each file via a temporary name and rename.
 */
export class LocalOutputStore implements OutputStore {
  readonly kind = 'file' as const;
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  async publish(localDir: string, prefix: string): Promise<PublishResult> {
    const target = this.path(prefix);
    if (resolve(localDir) === resolve(target)) return { written: 0, alreadyPublished: true };
    if (await this.readManifest(prefix)) return { written: 0, alreadyPublished: true };
    let written = 0;
    for (const batch of publishBatches(await listFiles(localDir))) {
      for (const f of batch) {
        const to = join(target, f);
        await mkdir(dirname(to), { recursive: true });
        await copyFile(join(localDir, f), `${to}.partial`);
        await rename(`${to}.partial`, to);
        written++;
      }
    }
    return { written, alreadyPublished: false };
  }

  async readManifest(prefix: string): Promise<OutputManifest | null> {
    const text = await this.getText(`${prefix}manifest.json`);
    return text ? (JSON.parse(text) as OutputManifest) : null;
  }

  async get(key: string, range?: { start?: number; end?: number }): Promise<GetResult> {
    const real = await this.real(key);
    if (typeof real !== 'string') return real;
    const st = await stat(real);
    if (!st.isFile()) return { missing: true };
    if (!range) return { body: createReadStream(real), size: st.size };
    const r = resolveRange(range, st.size);
    if (!r) return { unsatisfiable: true, size: st.size };
    return { body: createReadStream(real, r), size: st.size, range: r };
  }

  async getText(key: string): Promise<string | null> {
    const real = await this.real(key);
    return typeof real === 'string' ? readFile(real, 'utf8').catch(() => null) : null;
  }

  async list(prefix: string): Promise<string[]> {
    const dir = this.path(prefix);
    return (await listFiles(dir).catch(() => [])).map((f) => `${prefix}${f}`);
  }

  private path(key: string): string {
    return join(this.root, key);
  }

  /** The file behind a key, after symlinks: it must stay inside root/hls. */
  private async real(key: string): Promise<string | { missing: true } | { forbidden: string }> {
    const hls = join(this.root, 'hls');
    let real: string;
    try {
      real = await realpath(this.path(key));
    } catch {
      return { missing: true };
    }
    // The root itself may sit behind a symlink (e.g. /tmp): compare against its real path too.
    const realHls = await realpath(hls).catch(() => hls);
    if (!real.startsWith(realHls + sep)) return { forbidden: 'path escapes the media folder' };
    return real;
  }
}

/** A satisfiable inclusive byte range of an object of `size` bytes, or null. */
export function resolveRange(r: { start?: number; end?: number }, size: number): { start: number; end: number } | null {
  const start = r.start !== undefined ? r.start : Math.max(0, size - (r.end ?? 0));
  const end = r.start !== undefined && r.end !== undefined ? Math.min(r.end, size - 1) : size - 1;
  if (start > end || start >= size) return null;
  return { start, end };
}
