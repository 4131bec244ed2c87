import { z } from 'zod';
import type { BehaviourEvent } from './behaviour.js';

/**
 * Row of `events_raw`. Times are ClickHouse DateTime64(3, 'UTC') written as 'YYYY-MM-DD hh:mm:ss.sss'.
 * The full validated event is kept in `payload` so later jobs can replay it.
 */
export const EventRawRow = z.object({
  event_id: z.string(),
  tenant_id: z.string(),
  user_id: z.string(),
  item_id: z.string(),
  type: z.string(),
  scenario: z.string(),
  experiment_id: z.string(),
  variant: z.string(),
  event_time: z.string(),
  ingest_time: z.string(),
  watched_seconds: z.number(),
  payload: z.string(),
  kafka_partition: z.number().int(),
  kafka_offset: z.string(),
  /** 1 for events of the backfill path (the real-time windows skip them). */
  backfill: z.number().int().min(0).max(1).optional(),
});
export type EventRawRow = z.infer<typeof EventRawRow>;

/** '2026-11-25T07:00:00.123Z' → '2026-11-25 07:00:00.123' (UTC), the DateTime64 text form. */
export function toClickHouseTime(iso: string | number | Date): string {
  const d = typeof iso === 'string' || typeof iso === 'number' ? new Date(iso) : iso;
  return d.toISOString().replace('T', ' ').replace('Z', '');
}

export function eventRawRow(e: BehaviourEvent, partition: number, offset: string, ingestTime: Date): EventRawRow {
  return {
    event_id: e.eventId,
    tenant_id: e.tenantId,
    user_id: e.userId,
    item_id: e.itemId,
    type: e.type,
    scenario: e.scenario ?? '',
    experiment_id: e.experiment?.id ?? '',
    variant: e.experiment?.variant ?? '',
    event_time: toClickHouseTime(e.eventTime),
    ingest_time: toClickHouseTime(ingestTime),
    watched_seconds: 'watchedSeconds' in e ? e.watchedSeconds : 0,
    payload: JSON.stringify(e),
    kafka_partition: partition,
    kafka_offset: offset,
    backfill: e.backfill ? 1 : 0,
  };
}
