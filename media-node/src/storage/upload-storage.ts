import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import { DeleteObjectsCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { FileStore } from '@tus/file-store';
import { S3Store } from '@tus/s3-store';
import type { DataStore } from '@tus/utils';
import { isNotFound, s3ClientConfig, withContentMd5, type S3Settings } from './s3-client.js';

/** Who started an upload; only the same key may continue it (kept beside the upload, never sent). */
export interface UploadOwner {
  tenantId: string;
  videoId: string;
  keyHash: string;
}

/**
 * Where tus uploads live, behind the tus DataStore the server uses plus what the upload server
 * needs around it: owner sidecars, a local copy of a finished upload for hashing and ffprobe, the
 * source URI a transcode job reads, and removal of orphaned sidecars after expiry cleanup.
 */
export interface UploadStorage {
  readonly kind: 'file' | 's3';
  readonly datastore: DataStore;
  readOwner(id: string): Promise<UploadOwner | null>;
  writeOwner(id: string, owner: UploadOwner): Promise<void>;
  /** Runs fn with a local file holding the finished upload and its sha256. */
  withLocalCopy<T>(id: string, fn: (path: string, sha256: string) => Promise<T>): Promise<T>;
  /** Where a transcode worker finds the finished upload (file:// or s3://bucket/key). */
  sourceUri(id: string): string;
  /** Removes an upload and its sidecar (a rejected file). */
  discard(id: string): Promise<void>;
  /**
   * Removes owner sidecars older than `olderThanMs` whose upload is gone (after the tus store
   * deleted expired ones); the age guard spares an upload being created right now.
   */
  sweepOrphans(olderThanMs: number): Promise<number>;
}

const ownerSuffix = '.owner.json';

/**
 * @tus/file-store whose expiry keeps finished uploads: 2.1.1's deleteExpired compares the offset
 * recorded at creation (0), not the file's size, so it would delete completed uploads as well.
 */
class ExpiringFileStore extends FileStore {
  constructor(private readonly dir: string, expiryMs: number) {
    super({ directory: dir, expirationPeriodInMilliseconds: expiryMs });
  }

  override async deleteExpired(): Promise<number> {
    if (this.getExpiration() <= 0) return 0;
    let n = 0;
    for (const f of await readdir(this.dir).catch(() => [] as string[])) {
      if (!f.endsWith('.json') || f.endsWith(ownerSuffix)) continue;
      const id = f.slice(0, -'.json'.length);
      const upload = await this.getUpload(id).catch(() => null);
      const created = upload?.creation_date ? Date.parse(upload.creation_date) : NaN;
      if (!upload || upload.offset === upload.size || !(Date.now() > created + this.getExpiration())) continue;
      await this.remove(id).catch(() => undefined);
      n++;
    }
    return n;
  }
}

/** @tus/s3-store with the Content-MD5 its DeleteObjects calls need on Swift-like servers. */
class Md5S3Store extends S3Store {
  constructor(o: ConstructorParameters<typeof S3Store>[0]) {
    super(o);
    withContentMd5(this.client);
  }
}

async function sha256Of(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/** Uploads on local disk (@tus/file-store): `<dir>/<id>`, `<id>.json` (tus), `<id>.owner.json`. */
export class FileUploadStorage implements UploadStorage {
  readonly kind = 'file' as const;
  readonly datastore: FileStore;
  readonly dir: string;

  constructor(dir: string, expiryMs: number) {
    this.dir = resolve(dir);
    this.datastore = new ExpiringFileStore(this.dir, expiryMs);
  }

  async readOwner(id: string): Promise<UploadOwner | null> {
    return JSON.parse(await readFile(join(this.dir, `${id}${ownerSuffix}`), 'utf8').catch(() => 'null')) as UploadOwner | null;
  }

  async writeOwner(id: string, owner: UploadOwner): Promise<void> {
    await writeFile(join(this.dir, `${id}${ownerSuffix}`), JSON.stringify(owner));
  }

  async withLocalCopy<T>(id: string, fn: (path: string, sha256: string) => Promise<T>): Promise<T> {
    const path = join(this.dir, id);
    return fn(path, await sha256Of(path));
  }

  sourceUri(id: string): string {
    return pathToFileURL(join(this.dir, id)).href;
  }

  async discard(id: string): Promise<void> {
    await Promise.all([id, `${id}.json`, `${id}${ownerSuffix}`].map((f) => rm(join(this.dir, f), { force: true })));
  }

  async sweepOrphans(olderThanMs: number): Promise<number> {
    let n = 0;
    for (const f of await readdir(this.dir).catch(() => [] as string[])) {
      if (!f.endsWith(ownerSuffix)) continue;
      const id = f.slice(0, -ownerSuffix.length);
      if (await stat(join(this.dir, `${id}.json`)).catch(() => null)) continue;
      const st = await stat(join(this.dir, f)).catch(() => null);
      if (!st || Date.now() - st.mtimeMs < olderThanMs) continue;
      await rm(join(this.dir, f), { force: true });
      n++;
    }
    return n;
  }
}

/**
 * Uploads in an S3-compatible bucket (@tus/s3-store: a multipart upload per tus upload, `<id>.info`
 * with its metadata, `<id>.part` for a short trailing chunk), owner sidecars as `<id>.owner.json`.
 * Finished uploads are hashed and probed from a scratch copy under `scratchDir`.
 */
export class S3UploadStorage implements UploadStorage {
  readonly kind = 's3' as const;
  readonly datastore: S3Store;

  constructor(
    private readonly client: S3Client,
    settings: S3Settings,
    readonly bucket: string,
    private readonly scratchDir: string,
    expiryMs: number,
  ) {
    this.datastore = new Md5S3Store({
      // R2 supports neither object tagging nor Swift's S3 API: expiry goes by the multipart
      // upload's initiation time (deleteExpired), not by tags.
      useTags: false,
      expirationPeriodInMilliseconds: expiryMs,
      partSize: 8 * 1024 * 1024,
      s3ClientConfig: { bucket, ...s3ClientConfig(settings) },
    });
  }

  async readOwner(id: string): Promise<UploadOwner | null> {
    try {
      const r = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: `${id}${ownerSuffix}` }));
      return JSON.parse(await r.Body!.transformToString()) as UploadOwner;
    } catch (e) {
      if (isNotFound(e)) return null;
      throw e;
    }
  }

  async writeOwner(id: string, owner: UploadOwner): Promise<void> {
    await this.client.send(new PutObjectCommand({ Bucket: this.bucket, Key: `${id}${ownerSuffix}`, Body: JSON.stringify(owner), ContentType: 'application/json' }));
  }

  async withLocalCopy<T>(id: string, fn: (path: string, sha256: string) => Promise<T>): Promise<T> {
    await mkdir(this.scratchDir, { recursive: true });
    const path = join(this.scratchDir, `${id}-${randomBytes(4).toString('hex')}`);
    try {
      const r = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: id }));
      const h = createHash('sha256');
      const hashing = new Transform({
        transform(chunk: Buffer, _enc, cb) {
          h.update(chunk);
          cb(null, chunk);
        },
      });
      await pipeline(r.Body as NodeJS.ReadableStream, hashing, createWriteStream(path));
      return await fn(path, h.digest('hex'));
    } finally {
      await rm(path, { force: true });
    }
  }

  sourceUri(id: string): string {
    return `s3://${this.bucket}/${encodeURIComponent(id)}`;
  }

  async discard(id: string): Promise<void> {
    await this.datastore.remove(id).catch(() => undefined); // aborts a still-open multipart upload
    await this.client.send(
      new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: [id, `${id}.info`, `${id}.part`, `${id}${ownerSuffix}`].map((Key) => ({ Key })), Quiet: true } }),
    );
  }

  async sweepOrphans(olderThanMs: number): Promise<number> {
    const keys = new Map<string, number>();
    let token: string | undefined;
    do {
      const r = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, ContinuationToken: token }));
      for (const o of r.Contents ?? []) if (o.Key) keys.set(o.Key, o.LastModified?.getTime() ?? 0);
      token = r.IsTruncated ? r.NextContinuationToken : undefined;
    } while (token);
    // Scratch copies left by a process that died mid-check (they are normally removed at once).
    for (const f of await readdir(this.scratchDir).catch(() => [] as string[])) {
      const st = await stat(join(this.scratchDir, f)).catch(() => null);
      if (st && Date.now() - st.mtimeMs > 6 * 3_600_000) await rm(join(this.scratchDir, f), { force: true });
    }
    const cutoff = Date.now() - olderThanMs;
    const orphans = [...keys].filter(([k, t]) => k.endsWith(ownerSuffix) && t <= cutoff && !keys.has(`${k.slice(0, -ownerSuffix.length)}.info`)).map(([k]) => k);
    for (let i = 0; i < orphans.length; i += 1000) {
      await this.client.send(new DeleteObjectsCommand({ Bucket: this.bucket, Delete: { Objects: orphans.slice(i, i + 1000).map((Key) => ({ Key })), Quiet: true } }));
    }
    return orphans.length;
  }
}

/** Whether an object exists (used by tests and the cleanup report). */
export async function objectExists(client: S3Client, bucket: string, key: string): Promise<boolean> {
  try {
    await client.send(new HeadObjectCommand({ Bucket: bucket, Key: key }));
    return true;
  } catch (e) {
    if (isNotFound(e)) return false;
    throw e;
  }
}
