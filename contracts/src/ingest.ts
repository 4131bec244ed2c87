import { z } from 'zod';
import { ApiError } from './errors.js';
import { EventOrigin, MAX_EVENT_HORIZON_DAYS } from './event-admission.js';

/** Per-event outcome of a batch: accepted events are on Kafka (acks=all) when the response is sent. */
export const EventBatchResponse = z.object({
  accepted: z.number().int().min(0),
  rejected: z.array(z.object({ index: z.number().int().min(0), error: ApiError })),
});
export type EventBatchResponse = z.infer<typeof EventBatchResponse>;

/**
 * Edge → stream ingest producer. Events here are already validated against BehaviourEvent; the
 * ingest checks them again with the same door rule (contracts/event-admission), for the origin the
 * edge vouches for (tenant key by default) and the tenant's horizon when it has its own.
 */
export const IngestRequest = z.object({
  events: z.array(z.unknown()).min(1).max(500),
  origin: EventOrigin.default('tenant'),
  horizonDays: z.number().int().min(1).max(MAX_EVENT_HORIZON_DAYS).optional(),
});
/** 200: every event written; 400 with `rejected`: the others were written (per index, as the edge reports). */
export const IngestResponse = z.object({
  written: z.number().int().min(0),
  rejected: z.array(z.object({ index: z.number().int().min(0), error: ApiError })).default([]),
});
export type IngestResponse = z.infer<typeof IngestResponse>;
