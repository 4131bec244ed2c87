import { BehaviourEvent } from '@vidplat/contracts';

/**
 * Decodes a `behaviour-events` message. The zod schema in contracts is the definition; running it
 * on every message cost ~4 µs of the ~10 µs budget an event has at 100k events/s, so the common
 * event shapes go through a hand-written check first that accepts only what the schema accepts and
 * returns the same object (event-decoder.test.ts checks that against zod on valid and mutated
 * events). Anything it is unsure of — other event types, unknown keys, odd time formats — goes
 * to zod, which also produces the dead-letter reason.
 */
export type Decoded = { event: BehaviourEvent; t: number; reason?: undefined } | { event?: undefined; t?: undefined; reason: string };

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/i;
const SLUG = /^[A-Za-z0-9_.:-]+$/;
const CANONICAL_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const DEVICES = new Set(['web', 'ios', 'android', 'tv', 'other']);

const slug = (v: unknown): boolean => typeof v === 'string' && v.length >= 1 && v.length <= 128 && SLUG.test(v);
const str = (v: unknown, max: number): boolean => typeof v === 'string' && v.length <= max;
const num = (v: unknown, min: number, max: number): boolean => typeof v === 'number' && v >= min && v <= max;
const int = (v: unknown, min: number, max: number): boolean => Number.isSafeInteger(v) && (v as number) >= min && (v as number) <= max;

function experiment(v: unknown): boolean {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  let n = 0;
  for (const k in v) {
    if (k !== 'id' && k !== 'variant') return false; // zod would strip it: let zod build the object
    n++;
  }
  const o = v as { id: unknown; variant: unknown };
  return n === 2 && slug(o.id) && slug(o.variant);
}

type Check = (v: unknown) => boolean;

/** Field checks of the envelope + context (shared by every event type). Maps: no prototype keys. */
const COMMON = new Map<string, Check>(Object.entries({
  eventId: (v: unknown) => typeof v === 'string' && v.length === 36 && UUID_V7.test(v),
  tenantId: slug,
  userId: slug,
  itemId: slug,
  schemaVersion: (v: unknown) => v === 1,
  type: () => true, // checked against the type table below
  eventTime: () => true, // checked (and parsed) below
  scenario: slug,
  requestId: (v: unknown) => str(v, 64),
  sessionId: (v: unknown) => str(v, 64),
  position: (v: unknown) => int(v, 0, 10_000),
  experiment,
  device: (v: unknown) => typeof v === 'string' && DEVICES.has(v),
} satisfies Record<string, Check>));
const REQUIRED_COMMON = ['eventId', 'tenantId', 'userId', 'itemId', 'schemaVersion', 'eventTime'];

const play = { positionSeconds: (v: unknown) => num(v, 0, 86_400), durationSeconds: (v: unknown) => num(v, Number.MIN_VALUE, 86_400) };
const watched = { watchedSeconds: (v: unknown) => num(v, 0, 86_400) };

/** Per fast-path type: its extra fields and which of them are required. Other types use zod. */
const TYPES = new Map<string, { fields: Map<string, Check>; required: string[] }>(
  Object.entries({
  impression: { fields: {}, required: [] },
  click: { fields: {}, required: [] },
  like: { fields: {}, required: [] },
  dislike: { fields: {}, required: [] },
  hide: { fields: {}, required: [] },
  play_start: { fields: play, required: ['positionSeconds', 'durationSeconds'] },
  play_progress: { fields: { ...play, ...watched, milestone: (v: unknown) => v === 25 || v === 50 || v === 75 }, required: ['positionSeconds', 'durationSeconds', 'watchedSeconds'] },
  play_complete: { fields: { ...play, ...watched }, required: ['positionSeconds', 'durationSeconds', 'watchedSeconds'] },
  share: { fields: { channel: (v: unknown) => str(v, 32) }, required: [] },
  comment: { fields: { length: (v: unknown) => int(v, 0, 100_000) }, required: ['length'] },
  } satisfies Record<string, { fields: Record<string, Check>; required: string[] }>).map(([k, v]) => [k, { fields: new Map(Object.entries(v.fields)), required: v.required }]),
);

/** The event time in epoch ms when the object is a valid event of a fast-path shape, else NaN. */
export function fastCheck(o: unknown): number {
  if (typeof o !== 'object' || o === null || Array.isArray(o)) return NaN;
  const r = o as Record<string, unknown>;
  const spec = typeof r.type === 'string' ? TYPES.get(r.type) : undefined;
  if (!spec) return NaN;
  for (const k in r) {
    const v = r[k];
    const check = COMMON.get(k) ?? spec.fields.get(k);
    if (!check || !check(v)) return NaN;
  }
  for (const k of REQUIRED_COMMON) if (r[k] === undefined) return NaN;
  for (const k of spec.required) if (r[k] === undefined) return NaN;
  const s = r.eventTime;
  if (s === lastTimeText) return lastTime; // consecutive events of a partition often share the millisecond
  if (typeof s !== 'string' || !CANONICAL_TIME.test(s)) return NaN;
  const t = Date.parse(s);
  // Round-trips only for a real calendar time (no 2026-02-30): the same instant zod accepts.
  if (!Number.isFinite(t) || new Date(t).toISOString() !== s) return NaN;
  lastTimeText = s;
  lastTime = t;
  return t;
}

/** The last event time text that passed the check, and its instant. */
let lastTimeText = '';
let lastTime = Number.NaN;

export function decodeBehaviourEvent(text: string): Decoded {
  let o: unknown;
  try {
    o = JSON.parse(text);
  } catch (err) {
    return { reason: `not JSON: ${(err as Error).message}` };
  }
  const t = fastCheck(o);
  if (t === t) return { event: o as BehaviourEvent, t }; // not NaN
  const r = BehaviourEvent.safeParse(o);
  if (!r.success) return { reason: r.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') };
  return { event: r.data, t: Date.parse(r.data.eventTime) };
}
