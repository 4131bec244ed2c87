import { z } from 'zod';
import { Envelope, IsoTime } from './envelope.js';
import { ItemId, TenantId } from './ids.js';

export const Rung = z.object({
  name: z.string().regex(/^\d{3,4}p$/),
  height: z.number().int().positive(),
  videoKbps: z.number().int().positive(),
  audioKbps: z.number().int().positive().default(128),
});
export type Rung = z.infer<typeof Rung>;

export const DEFAULT_LADDER: Rung[] = [
  { name: '360p', height: 360, videoKbps: 800, audioKbps: 96 },
  { name: '720p', height: 720, videoKbps: 2500, audioKbps: 128 },
  { name: '1080p', height: 1080, videoKbps: 5000, audioKbps: 128 },
  { name: '2160p', height: 2160, videoKbps: 15000, audioKbps: 160 },
];

export const TranscodeJob = Envelope.extend({
  jobId: z.string().min(1).max(64),
  videoId: ItemId,
  sourceUri: z.string().min(1).describe('file:// path or s3:// key of the uploaded source'),
  ladder: z.array(Rung).min(1).default(DEFAULT_LADDER),
  attempt: z.number().int().min(1).default(1),
  /** Retries are data (BullMQ-like): a failed attempt is re-published with attempt+1 and a delay. */
  maxAttempts: z.number().int().min(1).max(20).default(3),
  /** Not before this time (retry backoff); a worker waits until then before starting. */
  notBefore: IsoTime.optional(),
  /** Why the previous attempt failed (for retries). */
  lastError: z.string().max(2000).optional(),
});
export type TranscodeJob = z.infer<typeof TranscodeJob>;
export type TranscodeJobInput = z.input<typeof TranscodeJob>;

export const TranscodeState = z.enum(['queued', 'running', 'done', 'failed', 'cancelled']);
export type TranscodeState = z.infer<typeof TranscodeState>;

/** Legal moves of a job's state machine; retries go failed-attempt → queued (attempt+1). */
export const TRANSCODE_TRANSITIONS: Record<TranscodeState, TranscodeState[]> = {
  queued: ['running', 'cancelled', 'failed'],
  running: ['running', 'done', 'failed', 'queued', 'cancelled'],
  done: [],
  failed: [],
  cancelled: [],
};

export const TranscodeProgress = Envelope.extend({
  jobId: z.string().min(1).max(64),
  videoId: ItemId,
  state: TranscodeState,
  percent: z.number().min(0).max(100),
  fps: z.number().min(0).optional(),
  speed: z.number().min(0).optional(),
  error: z.string().optional(),
  attempt: z.number().int().min(1).optional(),
  workerId: z.string().max(100).optional(),
  /** On done: the rungs written, e.g. ["360p","720p"], and the master playlist path. */
  renditions: z.array(z.string()).optional(),
  masterPath: z.string().optional(),
  durationSeconds: z.number().min(0).optional(),
});
export type TranscodeProgress = z.infer<typeof TranscodeProgress>;

/** Topics of the media capability beyond `Topics` (broadcast control messages to every worker). */
export const MediaTopics = { transcodeControl: 'transcode-control' } as const;
/** The transcode fleet's consumer group; its dead-letter topic is deadLetterTopic(group). */
export const TRANSCODE_CONSUMER_GROUP = 'media-transcode';

/** Control messages every worker reads (its own consumer group each): cancel a job. */
export const TranscodeControl = Envelope.extend({
  action: z.literal('cancel'),
  jobId: z.string().min(1).max(64),
  videoId: ItemId,
});
export type TranscodeControl = z.infer<typeof TranscodeControl>;

/** A poison or finally-failed job as written to the dead-letter topic. */
export const DeadLetter = z.object({
  reason: z.string(),
  failedAt: IsoTime,
  consumerGroup: z.string(),
  topic: z.string(),
  partition: z.number().int(),
  offset: z.string(),
  /** The original message value (JSON text when it parsed, raw string otherwise). */
  value: z.string(),
});
export type DeadLetter = z.infer<typeof DeadLetter>;

/** Container types the upload endpoint accepts (Upload-Metadata `filetype`). */
export const ACCEPTED_VIDEO_TYPES = [
  'video/mp4',
  'video/quicktime',
  'video/x-matroska',
  'video/webm',
  'video/mpeg',
  'video/mp2t',
  'video/x-msvideo',
] as const;

/**
 * tus Upload-Metadata of POST /v1/uploads (values base64 on the wire). `sha256` (hex of the whole
 * file) is checked when the last byte arrives; a mismatch fails the upload.
 */
export const UploadMetadata = z.object({
  filename: z.string().min(1).max(255),
  filetype: z.string().min(1).max(100),
  title: z.string().min(1).max(200).optional(),
  videoId: ItemId.optional(),
  courseId: ItemId.optional(),
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 lowercase hex characters'),
});
export type UploadMetadata = z.infer<typeof UploadMetadata>;

/** Body of the response to the final PATCH of an upload. */
export const UploadCompleted = z.object({
  tenantId: TenantId,
  videoId: ItemId,
  jobId: z.string(),
  durationSeconds: z.number().min(0),
  width: z.number().int(),
  height: z.number().int(),
});
export type UploadCompleted = z.infer<typeof UploadCompleted>;
