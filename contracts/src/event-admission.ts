import { z } from 'zod';
import { BehaviourEvent } from './behaviour.js';
import { apiErrorFromZod, type ApiError } from './errors.js';

/**
 * The door rule of the event path: which events the edge (`POST /v1/events`, `/v1/events/backfill`)
 * and the ingest service accept, one function both call so they can never disagree.
 *
 * - eventTime more than `maxFutureSkewMs` ahead of the server clock: refused (a client's clock, not
 *   an event that happened). Everything downstream (the window watermarks) may rely on it.
 * - eventTime older than the tenant's horizon on the live path: refused; history goes through the
 *   backfill path, which marks the events so the real-time windows do not treat them as live.
 * - eventTime older than what `events_raw` keeps (its TTL): refused on every path. ClickHouse
 *   applies a table TTL at insert, so such a row would be dropped as it is written — an event
 *   answered 202 and never stored (the "1990 event").
 * - Internal event types (emitted by the platform's own components) are refused with a tenant key.
 */

/** `events_raw` TTL in days (analytics/migrations/0001_events_raw.sql; a unit test checks they match). */
export const RAW_EVENTS_RETENTION_DAYS = 400;
/** Backfill stays this far inside the raw TTL, so a backfilled row is not dropped by the next merge. */
export const BACKFILL_RETENTION_MARGIN_DAYS = 2;
/** The longest live horizon a tenant may configure (beyond it: backfill). */
export const MAX_EVENT_HORIZON_DAYS = 90;

export const EVENT_TIME_DEFAULTS = {
  /** How far ahead of the server clock an event may be (client clock skew). */
  maxFutureSkewMs: 2 * 60_000,
  /** How old a live event may be, unless the tenant configures its own. */
  horizonDays: 7,
} as const;

/** Event types only the platform itself emits (the scheduling Durable Objects' `schedule` events). */
export const INTERNAL_EVENT_TYPES: ReadonlySet<string> = new Set(['schedule']);

/**
 * Who hands the event in: a tenant key on the live path, a tenant key with the backfill permission
 * on the backfill path, or the platform's own components (scheduler, exposures, progress outbox).
 */
export const EventOrigin = z.enum(['tenant', 'backfill', 'platform']);
export type EventOrigin = z.infer<typeof EventOrigin>;

export interface EventTimeRule {
  maxFutureSkewMs: number;
  horizonDays: number;
}

const DAY_MS = 86_400_000;

/** The accepted eventTime range [from, to] in epoch ms for an origin at `nowMs`. */
export function acceptedEventTimeRange(rule: EventTimeRule, origin: EventOrigin, nowMs: number): { from: number; to: number } {
  const to = nowMs + rule.maxFutureSkewMs;
  const rawFloor = nowMs - (RAW_EVENTS_RETENTION_DAYS - BACKFILL_RETENTION_MARGIN_DAYS) * DAY_MS;
  if (origin === 'backfill') return { from: rawFloor, to };
  return { from: Math.max(rawFloor, nowMs - Math.min(rule.horizonDays, MAX_EVENT_HORIZON_DAYS) * DAY_MS), to };
}

/**
 * Why one already schema-valid event is refused at the door, or null when it is admitted.
 * `field` is the event's path in the batch (`events.3`); the error names `events.3.eventTime` or
 * `events.3.type`.
 */
export function eventAdmissionError(
  e: { type: string; eventTime: string; backfill?: true | undefined },
  field: string,
  origin: EventOrigin,
  rule: EventTimeRule,
  nowMs: number,
): ApiError | null {
  if (origin !== 'platform' && INTERNAL_EVENT_TYPES.has(e.type)) {
    return { code: 'reserved_event_type', message: `event type "${e.type}" is emitted by the platform only`, field: `${field}.type` };
  }
  if (e.backfill && origin !== 'backfill') {
    return { code: 'invalid_field', message: 'backfill is set by the backfill path (POST /v1/events/backfill) only', field: `${field}.backfill` };
  }
  const t = Date.parse(e.eventTime);
  const { from, to } = acceptedEventTimeRange(rule, origin, nowMs);
  if (t >= from && t <= to) return null;
  const range = { from: new Date(from).toISOString(), to: new Date(to).toISOString() };
  const why =
    t > to
      ? `more than ${rule.maxFutureSkewMs / 1000} s ahead of the server clock`
      : origin === 'backfill'
        ? `older than the raw-event retention (${RAW_EVENTS_RETENTION_DAYS} days)`
        : `older than the tenant's ${Math.min(rule.horizonDays, MAX_EVENT_HORIZON_DAYS)}-day horizon; history goes through POST /v1/events/backfill`;
  return { code: 'event_time_out_of_range', message: `eventTime ${e.eventTime} is ${why}; accepted: ${range.from} .. ${range.to}`, field: `${field}.eventTime`, allowed: range };
}

/**
 * The whole door for one raw event of a batch: an internal type is refused before its shape is
 * looked at (a tenant gets "reserved", not a schema detail of a type it may not send), then the
 * schema, then eventAdmissionError. Backfill events come out marked.
 */
export function admitEvent(
  raw: unknown,
  index: number,
  origin: EventOrigin,
  rule: EventTimeRule,
  nowMs: number,
): { event: BehaviourEvent; error?: undefined } | { event?: undefined; error: ApiError } {
  const field = `events.${index}`;
  const type = typeof raw === 'object' && raw !== null ? (raw as { type?: unknown }).type : undefined;
  if (origin !== 'platform' && typeof type === 'string' && INTERNAL_EVENT_TYPES.has(type)) {
    return { error: { code: 'reserved_event_type', message: `event type "${type}" is emitted by the platform only`, field: `${field}.type` } };
  }
  const r = BehaviourEvent.safeParse(raw);
  if (!r.success) return { error: apiErrorFromZod(r.error, 'invalid_field', field) };
  const error = eventAdmissionError(r.data, field, origin, rule, nowMs);
  if (error) return { error };
  return { event: origin === 'backfill' ? { ...r.data, backfill: true } : r.data };
}
