import type { z } from 'zod';
import {
  ErrorBody,
  InternalVideoResponse,
  InternalCreateVideoRequest,
  type InternalVideoStatusRequest,
  type Video,
} from '@vidplat/contracts';

/**
 * The catalogue's video records as the media-node sees them. The edge owns them (D1); we reach it
 * through its internal API (contracts/src/catalogue.ts): create on upload, status on transcode.
 */
export interface VideoRegistry {
  /**
   * Creates the record (idempotent: repeating it returns the same video) with the caller's
   * credential. With a tenant key this doubles as the key check: 401/403 come back as RegistryError.
   */
  createVideo(credential: string, req: z.input<typeof InternalCreateVideoRequest>): Promise<Video>;
  setStatus(credential: string, videoId: string, req: InternalVideoStatusRequest): Promise<Video>;
}

export class RegistryError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'RegistryError';
  }
}

export interface HttpVideoRegistryOptions {
  timeoutMs?: number;
  /** Attempts for network errors and 5xx (4xx are answers, never retried). */
  attempts?: number;
}

/** VideoRegistry over the edge's /v1/internal/videos routes, with timeouts and bounded retries. */
export class HttpVideoRegistry implements VideoRegistry {
  constructor(
    private readonly edgeUrl: string,
    private readonly o: HttpVideoRegistryOptions = {},
  ) {}

  createVideo(credential: string, req: Parameters<VideoRegistry['createVideo']>[1]): Promise<Video> {
    return this.call(credential, 'POST', '/v1/internal/videos', req);
  }

  setStatus(credential: string, videoId: string, req: InternalVideoStatusRequest): Promise<Video> {
    return this.call(credential, 'PATCH', `/v1/internal/videos/${encodeURIComponent(videoId)}/status`, req);
  }

  private async call(credential: string, method: string, path: string, body: unknown): Promise<Video> {
    const attempts = this.o.attempts ?? 3;
    let last: unknown;
    for (let i = 0; i < attempts; i++) {
      if (i > 0) await new Promise((r) => setTimeout(r, 250 * 2 ** (i - 1)));
      let res: Response;
      try {
        res = await fetch(new URL(path, this.edgeUrl), {
          method,
          headers: { authorization: `Bearer ${credential}`, 'content-type': 'application/json' },
          body: JSON.stringify(body),
          signal: AbortSignal.timeout(this.o.timeoutMs ?? 5000),
        });
      } catch (e) {
        last = new RegistryError(503, 'upstream_unavailable', `catalogue unreachable: ${(e as Error).message}`);
        continue;
      }
      const json = (await res.json().catch(() => undefined)) as unknown;
      if (res.ok) {
        const parsed = InternalVideoResponse.safeParse(json);
        if (parsed.success) return parsed.data.video;
        throw new RegistryError(502, 'upstream_unavailable', 'catalogue answered with an unexpected body');
      }
      const err = ErrorBody.safeParse(json);
      const e = new RegistryError(res.status, err.success ? err.data.error.code : 'upstream_unavailable', err.success ? err.data.error.message : `catalogue answered ${res.status}`);
      if (res.status < 500) throw e;
      last = e;
    }
    throw last;
  }
}
