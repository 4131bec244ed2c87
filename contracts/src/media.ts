import { z } from 'zod';
import { Envelope } from './envelope.js';
import { ItemId } from './ids.js';

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
});
export type TranscodeJob = z.infer<typeof TranscodeJob>;

export const TranscodeState = z.enum(['queued', 'running', 'done', 'failed', 'cancelled']);
export const TranscodeProgress = Envelope.extend({
  jobId: z.string().min(1).max(64),
  videoId: ItemId,
  state: TranscodeState,
  percent: z.number().min(0).max(100),
  fps: z.number().min(0).optional(),
  speed: z.number().min(0).optional(),
  error: z.string().optional(),
});
export type TranscodeProgress = z.infer<typeof TranscodeProgress>;
