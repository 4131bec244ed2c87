import { describe, expect, it } from 'vitest';
import type { Interaction } from '../training/interactions.js';
import { userCfLists } from './user-cf.js';

const x = (user: string, items: string[]): Interaction[] => items.map((item, k) => ({ user, item, ts: k, weight: 1 }));

describe('userCfLists', () => {
  // a: {1,2,3}; b: {1,2,4}; c: {3,5}; d: {6}.
  const data = [...x('a', ['1', '2', '3']), ...x('b', ['1', '2', '4']), ...x('c', ['3', '5']), ...x('d', ['6'])];

  it('scores unseen items by the summed cosine of the users who have them (hand-computed)', () => {
    const lists = userCfLists(data, { neighbours: 10, size: 10 });
    // sim(a, b) = 2 / √(3·3) = 2/3; sim(a, c) = 1 / √(3·2) = 0.4082; d shares nothing with a.
    const a = lists.get('a')!;
    expect(a.map((s) => s.itemId)).toEqual(['4', '5']);
    expect(a[0]!.score).toBeCloseTo(2 / 3, 12);
    expect(a[1]!.score).toBeCloseTo(1 / Math.sqrt(6), 12);
    // c: sim(c, a) = 1/√6 (items 1, 2), nothing from b (no overlap).
    const c = lists.get('c')!;
    expect(c.map((s) => s.itemId)).toEqual(['1', '2']);
    expect(c[0]!.score).toBeCloseTo(1 / Math.sqrt(6), 12);
    // d overlaps nobody: no list.
    expect(lists.has('d')).toBe(false);
  });

  it('keeps only the k nearest users and the size best items', () => {
    const lists = userCfLists(data, { neighbours: 1, size: 1 });
    // a's nearest user is b (2/3 > 0.41): only b's unseen item 4.
    expect(lists.get('a')).toEqual([{ itemId: '4', score: expect.closeTo(2 / 3, 12) }]);
  });

  it('builds only the users asked for, with the same lists', () => {
    const all = userCfLists(data);
    const some = userCfLists(data, {}, ['b', 'nobody']);
    expect([...some.keys()]).toEqual(['b']);
    expect(some.get('b')).toEqual(all.get('b'));
  });
});
