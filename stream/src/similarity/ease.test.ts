import { describe, expect, it } from 'vitest';
import { Ease, easeUserLists } from './ease.js';
import { InteractionMatrix } from './interaction-matrix.js';
import { rng } from '../training/interactions.js';

const x = (pairs: [string, string][]) => pairs.map(([user, item], k) => ({ user, item, ts: k, weight: 1 }));

describe('EASE closed form', () => {
  // u0: a b · u1: b c · u2: a b c. G + I = [[3,2,1],[2,4,2],[1,2,3]], P = [[½,−¼,0],[−¼,½,−¼],[0,−¼,½]],
  // so B = I − P·diag(1/Pᵢᵢ) = [[0,½,0],[½,0,½],[0,½,0]] (worked out by hand with fractions).
  const m = new InteractionMatrix(x([['u0', 'a'], ['u0', 'b'], ['u1', 'b'], ['u1', 'c'], ['u2', 'a'], ['u2', 'b'], ['u2', 'c']]));
  const B = [
    [0, 0.5, 0],
    [0.5, 0, 0.5],
    [0, 0.5, 0],
  ];
  for (const space of ['items', 'users'] as const) {
    it(`gives the hand-computed weights and scores (${space} space)`, () => {
      const e = new Ease(m, 1, { space });
      expect(e.space).toBe(space);
      for (let j = 0; j < 3; j++) Array.from(e.rowInto(j, new Float64Array(3))).forEach((v, i) => expect(v).toBeCloseTo(B[j]![i]!, 12));
      // u0 (a, b) → c: B[a][c] + B[b][c] = ½; u1 (b, c) → a: ½.
      expect(e.userScoresInto(0, new Float64Array(3))[2]).toBeCloseTo(0.5, 12);
      expect(e.userScoresInto(1, new Float64Array(3))[0]).toBeCloseTo(0.5, 12);
      expect(e.neighbours(5).get('b')!.sort((p, q) => (p.itemId < q.itemId ? -1 : 1))).toEqual([
        { itemId: 'a', score: expect.closeTo(0.5, 12) },
        { itemId: 'c', score: expect.closeTo(0.5, 12) },
      ]);
      expect(e.neighbours(5).get('a')!.map((n) => n.itemId)).toEqual(['b']); // c's weight is 0 (up to rounding): not a neighbour
      // User-CF lists: each user's unseen items with a positive score (u0 → c ½, u1 → a ½; u2 has seen all).
      const lists = easeUserLists(e, 10);
      expect([...lists.keys()].sort()).toEqual(['u0', 'u1']);
      expect(lists.get('u0')).toEqual([{ itemId: 'c', score: expect.closeTo(0.5, 12) }]);
      expect(lists.get('u1')).toEqual([{ itemId: 'a', score: expect.closeTo(0.5, 12) }]);
    });
  }

  it('items space and users space agree on a random matrix', () => {
    const r = rng(3);
    const pairs: [string, string][] = [];
    for (let u = 0; u < 12; u++) for (let i = 0; i < 20; i++) if (r() < 0.3) pairs.push([`u${u}`, `i${String(i).padStart(2, '0')}`]);
    const mm = new InteractionMatrix(x(pairs));
    const a = new Ease(mm, 3, { space: 'items' });
    const b = new Ease(mm, 3, { space: 'users' });
    const n = mm.items.length;
    for (let j = 0; j < n; j++) {
      const ra = a.rowInto(j, new Float64Array(n));
      const rb = b.rowInto(j, new Float64Array(n));
      for (let i = 0; i < n; i++) expect(rb[i]).toBeCloseTo(ra[i]!, 9);
    }
    for (let u = 0; u < mm.users.length; u++) {
      const sa = a.userScoresInto(u, new Float64Array(n));
      const sb = b.userScoresInto(u, new Float64Array(n));
      const seen = new Set(mm.rowOf(u));
      for (let i = 0; i < n; i++) if (!seen.has(i)) expect(sb[i]).toBeCloseTo(sa[i]!, 9);
    }
  });
});
