import { describe, expect, it } from 'vitest';
import { BehaviourEvent, SCHEMA_VERSION, uuidv7, uuidv7Time, UuidV7, BEHAVIOUR_EVENT_TYPES, apiErrorFromZod } from './index.js';

const base = { eventId: uuidv7(), tenantId: 't1', eventTime: '2026-11-25T08:00:00.000Z', schemaVersion: SCHEMA_VERSION, userId: 'u1', itemId: 'v1' };

describe('behaviour events', () => {
  it('covers every action the product records', () => {
    expect(BEHAVIOUR_EVENT_TYPES.sort()).toEqual(
      ['click', 'comment', 'course_complete', 'dislike', 'enrol', 'hide', 'impression', 'like', 'play_complete', 'play_progress', 'play_start', 'purchase', 'schedule', 'share'].sort(),
    );
  });

  it('accepts a well-formed event of each kind and keeps type-specific fields', () => {
    const play = BehaviourEvent.parse({ ...base, type: 'play_progress', positionSeconds: 30, durationSeconds: 100, watchedSeconds: 10 });
    expect(play.type === 'play_progress' && play.watchedSeconds).toBe(10);
    expect(BehaviourEvent.parse({ ...base, type: 'purchase', orderId: 'o1', amountCents: 999, currency: 'EUR' }).type).toBe('purchase');
    expect(BehaviourEvent.parse({ ...base, type: 'enrol', courseId: 'c1', kind: 'trial' }).type).toBe('enrol');
    expect(BehaviourEvent.parse({ ...base, type: 'course_complete', courseId: 'c1', videos: 3, courseWatchSeconds: 900 }).type).toBe('course_complete');
    expect(BehaviourEvent.safeParse({ ...base, type: 'course_complete', videos: 3, watchedSeconds: 900 }).success).toBe(false);
    expect(BehaviourEvent.parse({ ...base, type: 'dislike' }).type).toBe('dislike');
    expect(BehaviourEvent.parse({ ...base, type: 'hide' }).type).toBe('hide');
  });

  it('names the field at fault', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ ...base, type: 'click', eventId: 'abc' }, 'eventId'],
      [{ ...base, type: 'click', eventTime: '25/11/2026' }, 'eventTime'],
      [{ ...base, type: 'click', schemaVersion: 2 }, 'schemaVersion'],
      [{ ...base, type: 'click', tenantId: 'has space' }, 'tenantId'],
      [{ ...base, type: 'play_start', positionSeconds: -1, durationSeconds: 10 }, 'positionSeconds'],
      [{ ...base, type: 'purchase', orderId: 'o1', amountCents: 1, currency: 'EURO' }, 'currency'],
      [{ ...base, type: 'warp' }, 'type'],
    ];
    for (const [input, field] of cases) {
      const r = BehaviourEvent.safeParse(input);
      expect(r.success, field).toBe(false);
      if (!r.success) expect(apiErrorFromZod(r.error, 'invalid_field', 'events.0').field).toBe(`events.0.${field}`);
    }
  });
});

describe('uuidv7', () => {
  it('is a valid, time-ordered UUIDv7 carrying its creation time', () => {
    const a = uuidv7(1_800_000_000_000);
    const b = uuidv7(1_800_000_000_001);
    expect(UuidV7.safeParse(a).success).toBe(true);
    expect(uuidv7Time(a)).toBe(1_800_000_000_000);
    expect(a < b).toBe(true);
    expect(new Set(Array.from({ length: 1000 }, () => uuidv7(5))).size).toBe(1000);
  });
});
