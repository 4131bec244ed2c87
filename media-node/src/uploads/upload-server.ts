import { createHash } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server as HttpServer, type ServerResponse } from 'node:http';
import { extname, resolve } from 'node:path';
import { Server as TusServer } from '@tus/server';
import type { Upload } from '@tus/utils';
import {
  ACCEPTED_VIDEO_TYPES,
  apiErrorFromZod,
  DEFAULT_LADDER,
  Topics,
  MediaTopics,
  TranscodeJob,
  TranscodeProgress,
  type TranscodeControl,
  UploadMetadata,
  uuidv7,
  type ErrorBody,
  type ErrorCode,
  type Rung,
  type UploadCompleted,
} from '@vidplat/contracts';
import type { Producer } from '@vidplat/node-runtime/kafka';
import { RegistryError, type VideoRegistry } from '../catalogue/video-registry.js';
import { log } from '../ops/log.js';
import { FileUploadStorage, type UploadOwner, type UploadStorage } from '../storage/upload-storage.js';
import { MediaRejected, probeMedia } from '../transcode/probe.js';
import { jobKey } from '../transcode/worker.js';

export const UPLOAD_PATH = '/v1/uploads';

export interface UploadServerOptions {
  /** Local upload folder (the file store's, and scratch space for the S3 store). */
  uploadDir: string;
  /** Where uploads live; a FileUploadStorage in uploadDir unless given (e.g. S3UploadStorage). */
  storage?: UploadStorage;
  /** Unfinished uploads older than this are removed (tus expiration); 0 = never (the default here). */
  expiryMs?: number;
  /** How often expired uploads are looked for while the server listens (default 1 h). */
  cleanupIntervalMs?: number;
  maxBytes: number;
  registry: VideoRegistry;
  producer: Producer;
  ladder?: Rung[];
  jobsTopic?: string;
  /** Also serve /hls/* (the local HLS origin) on this port. */
  origin?: (req: IncomingMessage, res: ServerResponse) => void;
}

/** An error the tus hooks throw; tus sends `body` with `status_code`. */
const fail = (status: number, code: ErrorCode, message: string, field?: string) => ({
  status_code: status,
  body: JSON.stringify({ error: { code, message, ...(field ? { field } : {}) } } satisfies ErrorBody),
});

const codeForStatus = (s: number): ErrorCode =>
  s === 401 ? 'unauthorized' : s === 403 ? 'forbidden' : s === 404 || s === 410 ? 'not_found' : s === 409 ? 'conflict' : s === 413 ? 'payload_too_large' : s === 415 ? 'unsupported_media_type' : s < 500 ? 'invalid_body' : 'internal';

/**
 * tus answers its own protocol errors (a malformed or negative Upload-Length, a missing
 * Tus-Resumable, an unknown route) in plain text straight through `write`, bypassing
 * onResponseError: every error response leaves through this wrapper as the platform's JSON body.
 */
export function jsonErrorBody(status: number, body: string): string {
  if (body.startsWith('{')) return body;
  const message = body.trim() || `request failed (${status})`;
  const invalid = /^Invalid ([A-Za-z0-9-]+)/.exec(message);
  const error = invalid
    ? { code: 'invalid_field' as const, message: `invalid ${invalid[1]!} header`, field: invalid[1]!.toLowerCase() }
    : { code: codeForStatus(status), message };
  return JSON.stringify({ error } satisfies ErrorBody);
}

function jsonProtocolErrors(tus: TusServer): void {
  const write = tus.write.bind(tus);
  tus.write = (context: Parameters<TusServer['write']>[0], headers: Headers, status: number, body = '') => {
    if (status < 400) return write(context, headers, status, body);
    headers.set('content-type', 'application/json');
    return write(context, headers, status, jsonErrorBody(status, body));
  };
}

/** One job per upload, named after it: a repeated final request re-publishes the same job. */
const jobIdFor = (uploadId: string) => `job-${uploadId.slice(0, 40)}`;
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const VIDEO_EXTENSIONS = new Set(['.mp4', '.m4v', '.mov', '.mkv', '.webm', '.mpg', '.mpeg', '.ts', '.m2ts', '.avi']);

function bearer(h: string | null | undefined): string {
  return h?.startsWith('Bearer ') ? h.slice(7).trim() : '';
}

/**
 * Resumable uploads (tus 1.0 via @tus/server, files on local disk). The tenant's API key is checked
 * by the catalogue when the upload is created (the create-video call doubles as the key check);
 * every later request must present the same key. When the last byte lands: sha256 of the whole
 * file against the client's, ffprobe validation, then a TranscodeJob on `transcode-jobs`.
 */
export interface UploadServer {
  server: HttpServer;
  tus: TusServer;
  storage: UploadStorage;
  /** One cleanup pass: expired unfinished uploads (tus store) and orphaned owner sidecars. */
  cleanUp(): Promise<{ expired: number; orphans: number }>;
}

export function createUploadServer(o: UploadServerOptions): UploadServer {
  const uploadDir = resolve(o.uploadDir);
  const expiryMs = o.expiryMs ?? 0;
  const storage = o.storage ?? new FileUploadStorage(uploadDir, expiryMs);
  const readOwner = (id: string) => storage.readOwner(id);
  const discard = (id: string) => storage.discard(id);

  const tus = new TusServer({
    path: UPLOAD_PATH,
    datastore: storage.datastore,
    maxSize: o.maxBytes,
    respectForwardedHeaders: false,
    async onUploadCreate(req, upload) {
      const key = bearer(req.headers.get('authorization'));
      const meta = UploadMetadata.safeParse(upload.metadata ?? {});
      if (!meta.success) throw fail(400, 'invalid_field', apiErrorFromZod(meta.error).message, `metadata.${meta.error.issues[0]?.path.join('.') ?? ''}`);
      const m = meta.data;
      if (!(ACCEPTED_VIDEO_TYPES as readonly string[]).includes(m.filetype) || !VIDEO_EXTENSIONS.has(extname(m.filename).toLowerCase())) {
        throw fail(415, 'unsupported_media_type', `only video files are accepted (${ACCEPTED_VIDEO_TYPES.join(', ')}); got ${m.filetype} (${m.filename})`, 'metadata.filetype');
      }
      const videoId = m.videoId ?? `vid-${upload.id.slice(0, 20)}`;
      let tenantId: string;
      try {
        // The declared size counts against the tenant's stored-media quota (403 quota_exceeded).
        const v = await o.registry.createVideo(key, { videoId, title: m.title ?? m.filename, courseId: m.courseId ?? null, status: 'uploading', ...(upload.size !== undefined ? { sizeBytes: upload.size } : {}) });
        tenantId = v.tenantId;
      } catch (e) {
        if (e instanceof RegistryError) throw fail(e.status, e.code as ErrorCode, e.message);
        throw e;
      }
      await storage.writeOwner(upload.id, { tenantId, videoId, keyHash: sha256(key) } satisfies UploadOwner);
      return { metadata: { ...upload.metadata, videoId, tenantId } };
    },
    async onUploadFinish(req, upload) {
      const owner = await readOwner(upload.id);
      if (!owner) throw fail(404, 'not_found', 'unknown upload');
      const key = bearer(req.headers.get('authorization'));
      const rejectWith = async (status: number, code: ErrorCode, reason: string) => {
        await o.registry.setStatus(key, owner.videoId, { tenantId: owner.tenantId, status: 'failed', failureReason: reason }).catch(() => undefined);
        await discard(upload.id);
        log.warn('upload rejected', { uploadId: upload.id, videoId: owner.videoId, reason });
        return fail(status, code, reason);
      };
      const expected = upload.metadata?.sha256 ?? '';
      // Hash and probe a local copy (the file itself for the file store, a scratch download from S3).
      type Rejection = { status: number; code: ErrorCode; reason: string };
      const checked = await storage.withLocalCopy(upload.id, async (file, actual): Promise<{ probe: Awaited<ReturnType<typeof probeMedia>> } | Rejection> => {
        if (actual !== expected) return { status: 460, code: 'invalid_body', reason: `checksum mismatch: the received file's sha256 is ${actual}, the client declared ${expected}` };
        try {
          return { probe: await probeMedia(file) };
        } catch (e) {
          if (e instanceof MediaRejected) return { status: e.kind === 'corrupt' ? 422 : 415, code: e.kind === 'corrupt' ? 'invalid_body' : 'unsupported_media_type', reason: e.message };
          throw e;
        }
      });
      if (!('probe' in checked)) throw await rejectWith(checked.status, checked.code, checked.reason);
      const probe = checked.probe;
      // Deterministic job id: a repeated final request re-publishes the same job, which the
      // workers' idempotent outputs absorb.
      const jobId = jobIdFor(upload.id);
      const job = TranscodeJob.parse({
        eventId: uuidv7(),
        tenantId: owner.tenantId,
        eventTime: new Date().toISOString(),
        schemaVersion: 1,
        jobId,
        videoId: owner.videoId,
        sourceUri: storage.sourceUri(upload.id),
        ladder: o.ladder ?? DEFAULT_LADDER,
      });
      try {
        await o.registry.setStatus(key, owner.videoId, { tenantId: owner.tenantId, status: 'transcoding', durationSeconds: probe.durationSeconds, jobId });
      } catch (e) {
        if (e instanceof RegistryError) throw fail(e.status >= 500 ? 503 : e.status, e.code as ErrorCode, e.message);
        throw e;
      }
      // The job's first state, sent before the job so no worker's `running` can overtake it;
      // workers take it from there (running → done / failed / cancelled).
      const queued = TranscodeProgress.parse({ eventId: uuidv7(), tenantId: job.tenantId, eventTime: new Date().toISOString(), schemaVersion: 1, jobId, videoId: job.videoId, state: 'queued', percent: 0, attempt: 1 });
      await o.producer.send({ topic: Topics.transcodeProgress, messages: [{ key: jobKey(job), value: JSON.stringify(queued) }] });
      await o.producer.send({ topic: o.jobsTopic ?? Topics.transcodeJobs, messages: [{ key: jobKey(job), value: JSON.stringify(job) }] });
      log.info('upload complete; transcode queued', { uploadId: upload.id, videoId: owner.videoId, jobId });
      const body: UploadCompleted = { tenantId: owner.tenantId, videoId: owner.videoId, jobId, durationSeconds: probe.durationSeconds, width: probe.width, height: probe.height };
      return { status_code: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
    },
    onResponseError(_req, err) {
      const status = 'status_code' in err ? err.status_code : 500;
      const body = 'body' in err ? err.body : '';
      if (body.startsWith('{')) return { status_code: status, body };
      const message = (body || (err as Error).message || 'upload failed').trim();
      if (status >= 500) log.error('upload error', { status, message });
      return { status_code: status, body: JSON.stringify({ error: { code: codeForStatus(status), message } } satisfies ErrorBody) };
    },
  });

  jsonProtocolErrors(tus);

  const sendError = (res: ServerResponse, status: number, code: ErrorCode, message: string) => {
    res.writeHead(status, { 'content-type': 'application/json', 'tus-resumable': '1.0.0' }).end(JSON.stringify({ error: { code, message } } satisfies ErrorBody));
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const url = new URL(req.url ?? '/', 'http://local');
      if (url.pathname === '/healthz') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
      if (o.origin && url.pathname.startsWith('/hls/')) return o.origin(req, res);
      if (url.pathname !== UPLOAD_PATH && !url.pathname.startsWith(`${UPLOAD_PATH}/`)) return sendError(res, 404, 'not_found', `no route for ${req.method} ${url.pathname}`);
      if (req.method === 'OPTIONS') return tus.handle(req, res);
      const key = bearer(req.headers.authorization);
      if (!key) return sendError(res, 401, 'unauthorized', 'missing API key (Authorization: Bearer …)');
      const cancel = /^\/v1\/uploads\/([A-Za-z0-9_-]+)\/cancel$/.exec(url.pathname);
      if (cancel && req.method === 'POST') {
        // Cancels the transcode of this upload: every worker reads transcode-control.
        const owner = await readOwner(cancel[1]!);
        if (!owner) return sendError(res, 404, 'not_found', 'unknown upload');
        if (owner.keyHash !== sha256(key)) return sendError(res, 403, 'forbidden', 'this upload was started with another key');
        const jobId = jobIdFor(cancel[1]!);
        const control: TranscodeControl = { eventId: uuidv7(), tenantId: owner.tenantId, eventTime: new Date().toISOString(), schemaVersion: 1, action: 'cancel', jobId, videoId: owner.videoId };
        await o.producer.send({ topic: MediaTopics.transcodeControl, messages: [{ key: `${owner.tenantId}:${owner.videoId}`, value: JSON.stringify(control) }] });
        return void res.writeHead(202, { 'content-type': 'application/json' }).end(JSON.stringify({ jobId, videoId: owner.videoId, state: 'cancel_requested' }));
      }
      if (url.pathname !== UPLOAD_PATH) {
        const id = url.pathname.slice(UPLOAD_PATH.length + 1);
        const owner = await readOwner(id);
        if (owner && owner.keyHash !== sha256(key)) return sendError(res, 403, 'forbidden', 'this upload was started with another key');
      }
      await tus.handle(req, res);
    })().catch((e: unknown) => {
      log.error('upload request failed', { reason: (e as Error).message });
      if (!res.headersSent) sendError(res, 500, 'internal', 'internal error');
    });
  });
  void mkdir(uploadDir, { recursive: true });

  const cleanUp = async () => {
    // The tus stores delete unfinished uploads past their expiry (FileStore: offset < size;
    // S3Store: multipart uploads still open); finished uploads are kept for the workers.
    const expired = expiryMs > 0 ? await tus.cleanUpExpiredUploads() : 0;
    const orphans = await storage.sweepOrphans(Math.min(expiryMs || 60_000, 60_000));
    if (expired || orphans) log.info('expired uploads removed', { expired, orphans, store: storage.kind });
    return { expired, orphans };
  };
  if (expiryMs > 0) {
    let timer: NodeJS.Timeout | undefined;
    let running = false;
    server.on('listening', () => {
      timer = setInterval(() => {
        if (running) return; // a slow pass (large bucket) is not stacked
        running = true;
        cleanUp()
          .catch((e: unknown) => log.warn('upload cleanup failed', { reason: (e as Error).message }))
          .finally(() => (running = false));
      }, o.cleanupIntervalMs ?? 3_600_000);
      timer.unref();
    });
    server.on('close', () => clearInterval(timer));
  }
  return { server, tus, storage, cleanUp };
}

export type { Upload };
