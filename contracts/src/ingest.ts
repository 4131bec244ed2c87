import { z } from 'zod';
import { ApiError } from './errors.js';

/** Per-event outcome of a batch: accepted events are on Kafka (acks=all) when the response is sent. */
export const EventBatchResponse = z.object({
  accepted: z.number().int().min(0),
  rejected: z.array(z.object({ index: z.number().int().min(0), error: ApiError })),
});
export type EventBatchResponse = z.infer<typeof EventBatchResponse>;

/** Edge → stream ingest producer. Events here are already validated against BehaviourEvent. */
export const IngestRequest = z.object({ events: z.array(z.unknown()).min(1).max(500) });
export const IngestResponse = z.object({ written: z.number().int().min(0) });
export type IngestResponse = z.infer<typeof IngestResponse>;
