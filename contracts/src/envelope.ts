import { z } from 'zod';
import { TenantId, UuidV7 } from './ids.js';

export const SCHEMA_VERSION = 1 as const;

/** ISO-8601 timestamp with offset, e.g. 2026-11-25T07:00:00.000Z. Event time drives windowing. */
export const IsoTime = z.iso.datetime({ offset: true });

/** Fields every message on the event path carries: dedupe by eventId, window by eventTime. */
export const Envelope = z.object({
  eventId: UuidV7,
  tenantId: TenantId,
  eventTime: IsoTime,
  schemaVersion: z.literal(SCHEMA_VERSION),
});
export type Envelope = z.infer<typeof Envelope>;
