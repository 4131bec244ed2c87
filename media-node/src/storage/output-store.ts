import { readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import type { Readable } from 'node:stream';
import type { OutputManifest } from '../transcode/hls-output.js';

/** Object key of a video's folder: the origin's URL path without the leading slash. */
export const videoKeyPrefix = (tenantId: string, videoId: string) => `hls/${tenantId}/${videoId}/`;

export interface StoredObject {
  body: Readable;
  /** Size of the whole object. */
  size: number;
  /** Inclusive byte range returned, when one was asked for and satisfiable. */
  range?: { start: number; end: number };
}

export type GetResult = StoredObject | { missing: true } | { unsatisfiable: true; size: number } | { forbidden: string };

export interface PublishResult {
  /** Keys written now (a resumed publish skips those already complete). */
  written: number;
  /** The store already held the finished folder (its manifest); nothing was written. */
  alreadyPublished: boolean;
}

/**
 * Where finished HLS folders live and the origin reads them (like tus' DataStore, one small
 * interface over a local folder or an S3 bucket). Keys are `hls/<tenant>/<video>/<file>`.
 */
export interface OutputStore {
  readonly kind: 'file' | 's3';
  /**
   * Publishes a finished local video folder under `prefix`, idempotently: keys are the relative
   * paths (so a redelivered job rewrites the same keys, never adds), media first, variant
   * playlists next, the master playlist and finally manifest.json last — a reader never finds a
   * master that points at missing renditions.
   */
  publish(localDir: string, prefix: string): Promise<PublishResult>;
  /** The folder's manifest.json, i.e. whether the video is fully published. */
  readManifest(prefix: string): Promise<OutputManifest | null>;
  get(key: string, range?: { start?: number; end?: number }): Promise<GetResult>;
  getText(key: string): Promise<string | null>;
  list(prefix: string): Promise<string[]>;
}

/** Every file under dir, as '/'-separated relative paths. */
export async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string) => {
    for (const e of await readdir(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) await walk(p);
      else if (e.isFile()) out.push(relative(dir, p).split(sep).join('/'));
    }
  };
  await walk(dir);
  return out.sort();
}

/**
 * The order a folder is published in, as batches (files within a batch may go in parallel):
 * media and images, then variant playlists, then master.m3u8, then manifest.json.
 */
export function publishBatches(files: string[]): string[][] {
  const isMaster = (f: string) => f === 'master.m3u8';
  const isManifest = (f: string) => f === 'manifest.json';
  const isPlaylist = (f: string) => f.endsWith('.m3u8') && !isMaster(f);
  const media = files.filter((f) => !isMaster(f) && !isManifest(f) && !isPlaylist(f));
  return [media, files.filter(isPlaylist), files.filter(isMaster), files.filter(isManifest)].filter((b) => b.length > 0);
}

export const CONTENT_TYPES: Record<string, string> = {
  m3u8: 'application/vnd.apple.mpegurl',
  m4s: 'video/iso.segment',
  mp4: 'video/mp4',
  jpg: 'image/jpeg',
  vtt: 'text/vtt',
  json: 'application/json',
};
export const contentTypeOf = (key: string) => CONTENT_TYPES[key.split('.').pop() ?? ''] ?? 'application/octet-stream';

/** Runs fn over items with at most `limit` in flight. */
export async function mapLimit<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let i = 0;
  const lane = async () => {
    while (i < items.length) await fn(items[i++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}
