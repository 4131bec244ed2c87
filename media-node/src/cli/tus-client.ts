import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { ErrorBody, UploadCompleted } from '@vidplat/contracts';

export class UploadError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'UploadError';
  }
}

export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

export const encodeMetadata = (m: Record<string, string | undefined>) =>
  Object.entries(m)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k} ${Buffer.from(v!).toString('base64')}`)
    .join(',');

async function errorOf(res: Response): Promise<UploadError> {
  const text = await res.text();
  let parsed: ErrorBody | undefined;
  try {
    parsed = ErrorBody.parse(JSON.parse(text));
  } catch {
    parsed = undefined;
  }
  return new UploadError(res.status, parsed?.error.code ?? 'http_error', parsed?.error.message ?? (text.trim() || `HTTP ${res.status}`));
}

export interface TusClientOptions {
  endpoint: string;
  apiKey: string;
  chunkBytes?: number;
  timeoutMs?: number;
  /** Network errors and 5xx: resume from the server's offset at most this many times in a row. */
  retries?: number;
  onProgress?: (sent: number, total: number) => void;
}

/**
 * A minimal tus 1.0 client (creation + core): POST to create, HEAD to learn the offset, PATCH
 * chunks from there. Interrupted transfers resume from whatever the server has stored.
 */
export class TusClient {
  constructor(private readonly o: TusClientOptions) {}

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return { 'tus-resumable': '1.0.0', authorization: `Bearer ${this.o.apiKey}`, ...extra };
  }

  async create(size: number, metadata: Record<string, string | undefined>): Promise<string> {
    const res = await fetch(this.o.endpoint, {
      method: 'POST',
      headers: this.headers({ 'upload-length': String(size), 'upload-metadata': encodeMetadata(metadata) }),
      signal: AbortSignal.timeout(this.o.timeoutMs ?? 30_000),
    });
    if (res.status !== 201) throw await errorOf(res);
    return new URL(res.headers.get('location')!, this.o.endpoint).href;
  }

  async offset(url: string): Promise<number> {
    const res = await fetch(url, { method: 'HEAD', headers: this.headers(), signal: AbortSignal.timeout(this.o.timeoutMs ?? 30_000) });
    if (!res.ok) throw new UploadError(res.status, res.status === 404 ? 'not_found' : 'http_error', `HEAD ${res.status}`);
    return Number(res.headers.get('upload-offset'));
  }

  /** Sends one chunk; returns the new offset, and the completion body after the last byte. */
  async patch(url: string, offset: number, chunk: Uint8Array): Promise<{ offset: number; completed?: UploadCompleted }> {
    const res = await fetch(url, {
      method: 'PATCH',
      headers: this.headers({ 'upload-offset': String(offset), 'content-type': 'application/offset+octet-stream' }),
      body: chunk,
      signal: AbortSignal.timeout(this.o.timeoutMs ?? 120_000),
    });
    if (res.status === 204) return { offset: Number(res.headers.get('upload-offset')) };
    if (res.status === 200) return { offset: offset + chunk.length, completed: UploadCompleted.parse(await res.json()) };
    throw await errorOf(res);
  }

  /** Uploads (or resumes, given `url`) a whole file; resolves with the completion body. */
  async upload(file: string, url: string): Promise<UploadCompleted> {
    const size = (await stat(file)).size;
    const chunkBytes = this.o.chunkBytes ?? 8 * 1024 * 1024;
    const fh = await open(file, 'r');
    let failures = 0;
    try {
      let offset = await this.offset(url);
      this.o.onProgress?.(offset, size);
      for (;;) {
        const len = Math.min(chunkBytes, size - offset);
        const buf = Buffer.alloc(len);
        await fh.read(buf, 0, len, offset);
        try {
          const r = await this.patch(url, offset, buf);
          failures = 0;
          offset = r.offset;
          this.o.onProgress?.(offset, size);
          if (r.completed) return r.completed;
        } catch (e) {
          const retriable = !(e instanceof UploadError) || e.status >= 500 || e.status === 409;
          if (!retriable || ++failures > (this.o.retries ?? 5)) throw e;
          await new Promise((r) => setTimeout(r, 500 * 2 ** (failures - 1)));
          offset = await this.offset(url);
        }
      }
    } finally {
      await fh.close();
    }
  }
}
