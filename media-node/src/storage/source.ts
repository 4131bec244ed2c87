import { createWriteStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import { GetObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { isNotFound } from './s3-client.js';

/** A transcode source on local disk, and how to let go of it. */
export interface LocalSource {
  uri: string;
  release(): Promise<void>;
}

export class SourceMissing extends Error {}

/**
 * Makes a job's source readable by FFmpeg: file:// sources are used in place; s3://bucket/key
 * (uploads in the S3 store, read from another host) are downloaded into `workDir` first and
 * removed once the job is over.
 */
export async function localSource(uri: string, workDir: string, client?: S3Client): Promise<LocalSource> {
  const m = /^s3:\/\/([^/]+)\/(.+)$/.exec(uri);
  if (!m) return { uri, release: async () => undefined };
  if (!client) throw new SourceMissing(`source ${uri} is in S3 but this worker has no S3 settings (MEDIA_S3_*)`);
  const [, bucket, key] = m as unknown as [string, string, string];
  await mkdir(workDir, { recursive: true });
  const path = join(workDir, `${decodeURIComponent(key).replace(/[^A-Za-z0-9._-]/g, '_')}-${process.pid}`);
  try {
    const r = await client.send(new GetObjectCommand({ Bucket: bucket, Key: decodeURIComponent(key) }));
    await pipeline(r.Body as NodeJS.ReadableStream, createWriteStream(path));
  } catch (e) {
    await rm(path, { force: true });
    if (isNotFound(e)) throw new SourceMissing(`source not available: ${uri} (no such object)`);
    throw e;
  }
  return { uri: pathToFileURL(path).href, release: () => rm(path, { force: true }) };
}
