import { describe, expect, it } from 'vitest';
import { ItemCooccurrence } from './item-cf.js';

describe('item-CF co-occurrence', () => {
  it('scores pairs by the cosine of their user sets and keeps the top K per item', () => {
    const cf = new ItemCooccurrence();
    cf.addUser(['a', 'b', 'c']);
    cf.addUser(['a', 'b']);
    cf.addUser(['a', 'b', 'a']); // repeats count once
    cf.addUser(['c', 'd']);
    const n = cf.neighbours(2);
    // a: 3 users, b: 3 users, co 3 → 1; a–c: co 1, |c| = 2 → 1/√6.
    expect(n.get('a')).toEqual([
      { itemId: 'b', score: 1, coUsers: 3 },
      { itemId: 'c', score: 1 / Math.sqrt(6), coUsers: 1 },
    ]);
    expect(n.get('d')).toEqual([{ itemId: 'c', score: 1 / Math.sqrt(2), coUsers: 1 }]);
    expect(n.get('c')!.map((x) => x.itemId)).toEqual(['d', 'a']); // top 2 of d, a, b; a before b by id
    expect(cf.users).toBe(4);
    expect(cf.pairCount).toBe(4);
  });
});
