import { describe, expect, it } from 'vitest';
import { BehaviourEvent } from '@vidplat/contracts';
import { syntheticEvents } from '@vidplat/devstack/demo/synthetic-events';
import { decodeBehaviourEvent, fastCheck } from './event-decoder.js';

/**
 * The fast path must accept a subset of what the contract's zod schema accepts and return the same
 * object zod would. Checked on a generated stream and on every field of it set to odd values.
 */
const events = syntheticEvents({ tenants: ['t1', 't-2'], users: 50, items: 40, count: 400, seed: 7 }).map((e, i) => ({
  ...e,
  ...(i % 3 === 0 ? { experiment: { id: 'exp-1', variant: i % 2 ? 'a' : 'b' }, device: 'ios', position: i % 50, requestId: `r${i}` } : {}),
  ...(i % 7 === 0 ? { type: 'comment', length: i } : {}),
  ...(i % 11 === 0 ? { type: 'share', channel: 'whatsapp' } : {}),
}));

const odd: unknown[] = [
  undefined, null, '', 'x', 'a b', 'x'.repeat(129), 0, -1, 1.5, 86_401, 10_001, 1e300, true, [], {}, { id: 'e' }, { id: 'e', variant: 'a', extra: 1 },
  '2026-11-25T08:00:00Z', '2026-02-30T08:00:00.000Z', '2026-11-25T08:00:00.000+01:00', '2026-11-25 08:00:00.000Z', 'web', 'teleport',
  '0190a4a0-0000-7000-8000-000000000000', '0190a4a0-0000-4000-8000-000000000000', 2, 1, 25,
];

function agrees(o: unknown): void {
  const z = BehaviourEvent.safeParse(o);
  const t = fastCheck(o);
  if (!Number.isNaN(t)) {
    expect(z.success, JSON.stringify(o)).toBe(true);
    expect(o).toEqual(z.data);
    expect(t).toBe(Date.parse((o as BehaviourEvent).eventTime));
  }
  const d = decodeBehaviourEvent(JSON.stringify(o) ?? 'undefined');
  expect(d.event !== undefined, JSON.stringify(o)).toBe(z.success);
  if (z.success) expect(d.event).toEqual(z.data);
}

describe('behaviour event decoder', () => {
  it('takes the fast path for the common event shapes and agrees with zod on them', () => {
    const fast = events.filter((e) => !Number.isNaN(fastCheck(JSON.parse(JSON.stringify(e)))));
    expect(fast.length).toBeGreaterThan(events.length * 0.9);
    for (const e of events) agrees(JSON.parse(JSON.stringify(e)));
  });

  it('never accepts what zod rejects, nor returns a different object, whatever a field holds', () => {
    const keys = ['eventId', 'tenantId', 'userId', 'itemId', 'eventTime', 'schemaVersion', 'type', 'scenario', 'requestId', 'sessionId', 'position', 'experiment', 'device',
      'positionSeconds', 'durationSeconds', 'watchedSeconds', 'milestone', 'channel', 'length', 'orderId', '__proto__', 'constructor', 'toString', 'unknownField'];
    let checked = 0;
    for (const e of events.slice(0, 60)) {
      for (const k of keys) {
        for (const v of odd) {
          const o = JSON.parse(JSON.stringify(e)) as Record<string, unknown>;
          if (v === undefined) delete o[k];
          else Object.defineProperty(o, k, { value: v, enumerable: true, configurable: true, writable: true });
          agrees(o);
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(30_000);
  }, 60_000); // thousands of zod parses: seconds on a loaded machine

  it('gives dead-letter reasons for malformed messages', () => {
    expect(decodeBehaviourEvent('this is not json').reason).toMatch(/not JSON/);
    expect(decodeBehaviourEvent(JSON.stringify({ ...events[0], type: 'teleport' })).reason).toMatch(/type/);
    expect(decodeBehaviourEvent(JSON.stringify({ ...events[0], eventId: 'nope' })).reason).toMatch(/eventId/);
  });
});
