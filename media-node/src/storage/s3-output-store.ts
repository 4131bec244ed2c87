import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { OutputManifest } from '../transcode/hls-output.js';
import { isNotFound } from './s3-client.js';
import { contentTypeOf, listFiles, mapLimit, publishBatches, type GetResult, type OutputStore, type PublishResult } from './output-store.js';

/** Segments never change under their name; playlists may be re-published, so they are not cached long. */
const cacheControlOf = (key: string) => (key.endsWith('.m3u8') || key.endsWith('.json') ? 'no-cache' : 'public, max-age=31536000, immutable');

/**
 * HLS output in an S3-compatible bucket (R2 in production). Keys are deterministic
 * (`hls/<tenant>/<video>/<relative path>`), so a redelivered job overwrites rather than adds; a
 * folder whose manifest.json exists is complete and is not written again. Every call goes through
 * the shared client (timeouts and bounded retries set in s3-client.ts).
 */
export class S3OutputStore implements OutputStore {
  readonly kind = 's3' as const;

  constructor(
    private readonly client: S3Client,
    readonly bucket: string,
    private readonly concurrency = 4,
  ) {}

  async publish(localDir: string, prefix: string): Promise<PublishResult> {
    if (await this.readManifest(prefix)) return { written: 0, alreadyPublished: true };
    // A publish cut short (worker killed) left some keys: keep those already complete.
    const existing = await this.sizes(prefix);
    let written = 0;
    for (const batch of publishBatches(await listFiles(localDir))) {
      await mapLimit(batch, this.concurrency, async (f) => {
        const file = join(localDir, f);
        const { size } = await stat(file);
        const key = `${prefix}${f}`;
        if (existing.get(key) === size && !f.endsWith('.m3u8') && f !== 'manifest.json') return;
        await this.client.send(
          new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: createReadStream(file), ContentLength: size, ContentType: contentTypeOf(key), CacheControl: cacheControlOf(key) }),
        );
        written++;
      });
    }
    return { written, alreadyPublished: false };
  }

  async readManifest(prefix: string): Promise<OutputManifest | null> {
    const text = await this.getText(`${prefix}manifest.json`);
    return text ? (JSON.parse(text) as OutputManifest) : null;
  }

  async get(key: string, range?: { start?: number; end?: number }): Promise<GetResult> {
    const header = range ? `bytes=${range.start ?? ''}-${range.end ?? ''}` : undefined;
    try {
      const r = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key, Range: header }));
      const body = r.Body as Readable;
      const cr = /^bytes (\d+)-(\d+)\/(\d+)$/.exec(r.ContentRange ?? '');
      if (range && cr) return { body, size: Number(cr[3]), range: { start: Number(cr[1]), end: Number(cr[2]) } };
      return { body, size: Number(r.ContentLength ?? 0) };
    } catch (e) {
      if (isNotFound(e)) return { missing: true };
      const status = (e as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
      if (status === 416) {
        const whole = await this.sizes(key);
        return { unsatisfiable: true, size: whole.get(key) ?? 0 };
      }
      throw e;
    }
  }

  async getText(key: string): Promise<string | null> {
    const r = await this.get(key);
    if (!('body' in r)) return null;
    const chunks: Buffer[] = [];
    for await (const c of r.body) chunks.push(c as Buffer);
    return Buffer.concat(chunks).toString('utf8');
  }

  async list(prefix: string): Promise<string[]> {
    return [...(await this.sizes(prefix)).keys()].sort();
  }

  /** key → size of every object under prefix. */
  private async sizes(prefix: string): Promise<Map<string, number>> {
    const out = new Map<string, number>();
    let token: string | undefined;
    do {
      const r = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }));
      for (const o of r.Contents ?? []) if (o.Key) out.set(o.Key, o.Size ?? 0);
      token = r.IsTruncated ? r.NextContinuationToken : undefined;
    } while (token);
    return out;
  }
}
