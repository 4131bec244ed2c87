import { describe, expect, it } from 'vitest';
import { publishStateFromRow, stableBucket } from '@vidplat/contracts';
import { pinSlots, type PinnedSlot } from './pinned-slots.js';
import type { TenantPublishStates } from './visibility.js';

const NOW = Date.parse('2026-12-07T10:00:00Z');
const viewer = { userId: 'u1', region: null, nowMs: NOW };
const NO_STATES: TenantPublishStates = { byContent: new Map(), states: [] };
const answer = (ids: string[]) => ids.map((itemId, i) => ({ itemId, score: 10 - i, channels: ['hot'] }));
const slot = (id: string, position: number, itemId: string, extra: Partial<PinnedSlot> = {}): PinnedSlot => ({
  id,
  scenario: 'feed',
  position,
  itemId,
  priority: 50,
  itemState: 'published',
  itemPublishedAt: NOW - 1000,
  itemUnpublishAt: null,
  ...extra,
});
const make = (s: PinnedSlot, score: number) => ({ itemId: s.itemId, score, channels: ['slot'] });
const ids = (r: { items: { itemId: string }[] }) => r.items.map((i) => i.itemId);

describe('recommendation slots: pinning into an answer', () => {
  it('pins at the 1-based position, removes the organic duplicate, keeps the organic order', () => {
    const r = pinSlots(answer(['a', 'b', 'c', 'd', 'e']), [slot('s1', 2, 'd')], 5, viewer, NO_STATES, undefined, make);
    expect(ids(r)).toEqual(['a', 'd', 'b', 'c', 'e']);
    expect(r.items[1]).toMatchObject({ channels: ['slot'] });
    expect(r.placed).toEqual([{ slotId: 's1', itemId: 'd', position: 1 }]);
  });

  it('a taken position moves the later (lower-priority) slot down; beyond n is not shown', () => {
    // Slots arrive ordered by position then priority (the loader's ORDER BY).
    const slots = [slot('hi', 1, 'x', { priority: 90 }), slot('lo', 1, 'y', { priority: 10 }), slot('far', 4, 'z')];
    const r = pinSlots(answer(['a', 'b', 'c']), slots, 3, viewer, NO_STATES, undefined, make);
    expect(ids(r)).toEqual(['x', 'y', 'a']);
    expect(r.placed.map((p) => p.slotId)).toEqual(['hi', 'lo']);
  });

  it('never pins an item the viewer may not get: unpublished, scheduled for later, hidden by the rule', () => {
    const slots = [
      slot('draft', 1, 'p', { itemState: 'draft' }),
      slot('later', 1, 'q', { itemPublishedAt: NOW + 60_000 }),
      slot('ended', 1, 'r', { itemUnpublishAt: NOW }),
      slot('hidden', 1, 's'),
      slot('ghost', 1, 't', { itemState: null }),
    ];
    const r = pinSlots(answer(['a', 'b']), slots, 2, viewer, NO_STATES, new Set(['s']), make);
    expect(ids(r)).toEqual(['a', 'b']);
    expect(r.placed).toEqual([]);
  });

  it("a slot's own rollout applies: only users in its bucket get it", () => {
    const state = publishStateFromRow({ tenant_id: 't1', content_kind: 'recommendation_slot', content_id: 's1', published: 1, percent: 30, variants: null, schedule_id: 'sch' });
    const states: TenantPublishStates = { byContent: new Map([['recommendation_slot\u0000s1', state]]), states: [state] };
    const users = Array.from({ length: 50 }, (_, i) => `u${i}`);
    for (const u of users) {
      const r = pinSlots(answer(['a', 'b']), [slot('s1', 1, 'x')], 2, { ...viewer, userId: u }, states, undefined, make);
      expect(ids(r)[0] === 'x', u).toBe(stableBucket('t1', 's1', u) < 30);
    }
  });

  it('more holes than organic items: the pinned items close up in order', () => {
    const r = pinSlots(answer(['a']), [slot('s1', 3, 'x'), slot('s2', 5, 'y')], 5, viewer, NO_STATES, undefined, make);
    expect(ids(r)).toEqual(['a', 'x', 'y']);
    expect(r.placed.map((p) => p.position)).toEqual([1, 2]);
  });
});
