import { describe, expect, it } from 'vitest';
import { Ease, easeUserLists, ndcg10 } from './ease.js';
import { Ials } from './ials.js';
import { InteractionMatrix } from './interaction-matrix.js';
import { chooseUserCfBlend, UserCfBlend } from './user-cf-blend.js';
import { rng } from '../training/interactions.js';
import type { Interaction } from '../training/interactions.js';

/** Two taste clusters: users 0–29 take items a0–a19, users 30–59 items b0–b19, each ~60 % of their cluster. */
function clustered(seed: number): Interaction[] {
  const rand = rng(seed);
  const xs: Interaction[] = [];
  for (let u = 0; u < 60; u++) {
    const c = u < 30 ? 'a' : 'b';
    for (let i = 0; i < 20; i++) if (rand() < 0.6) xs.push({ user: `u${u}`, item: `${c}${i}`, ts: xs.length, weight: 1 });
  }
  return xs;
}

describe('iALS', () => {
  it('learns the clusters: a user scores the unseen items of their cluster above the other cluster', () => {
    const m = new InteractionMatrix(clustered(1));
    const model = new Ials(m, { dim: 4, iterations: 8 });
    const s = model.userScoresInto(m.userIx.get('u3')!, new Float64Array(m.items.length));
    const seen = new Set(Array.from(m.rowOf(m.userIx.get('u3')!)));
    const own = m.items.map((id, i) => [id, i] as const).filter(([id, i]) => id.startsWith('a') && !seen.has(i));
    const other = m.items.map((id, i) => [id, i] as const).filter(([id]) => id.startsWith('b'));
    expect(own.length).toBeGreaterThan(0);
    expect(Math.min(...own.map(([, i]) => s[i]!))).toBeGreaterThan(Math.max(...other.map(([, i]) => s[i]!)));
    // Deterministic for a seed.
    expect(Array.from(new Ials(m, { dim: 4, iterations: 8 }).userScoresInto(0, new Float64Array(m.items.length)))).toEqual(Array.from(model.userScoresInto(0, new Float64Array(m.items.length))));
  });
});

describe('user_cf blend (EASE + iALS)', () => {
  const m = new InteractionMatrix(clustered(2));
  const ease = new Ease(m, 10);
  const ials = new Ials(m, { dim: 4, iterations: 8 });

  it('weight 0 publishes EASE’s own lists; a weight adds iALS’s score over its best unseen score', () => {
    expect(new UserCfBlend(ease, ials, 0).lists(10)).toEqual(easeUserLists(ease, 10));
    const u = m.userIx.get('u5')!;
    const seen = new Set(Array.from(m.rowOf(u)));
    const e = ease.userScoresInto(u, new Float64Array(m.items.length));
    const f = ials.userScoresInto(u, new Float64Array(m.items.length));
    const maxE = Math.max(...Array.from(e).filter((_, i) => !seen.has(i)));
    const maxF = Math.max(...Array.from(f).filter((_, i) => !seen.has(i)));
    const got = new UserCfBlend(ease, ials, 0.5).scoresInto(u, new Float64Array(m.items.length));
    for (let i = 0; i < m.items.length; i++) expect(got[i]).toBeCloseTo(e[i]! / maxE + (0.5 * f[i]!) / maxF, 12);
    const list = new UserCfBlend(ease, ials, 0.5).lists(5).get('u5')!;
    expect(list.map((x) => x.score)).toEqual([...list.map((x) => x.score)].sort((a, b) => b - a));
    for (const x of list) expect(seen.has(m.itemIx.get(x.itemId)!)).toBe(false);
  });

  it('the weight is chosen on the validation split; weights [0] keeps EASE alone and fits no iALS', () => {
    const xs = clustered(3);
    const train = xs.filter((_, k) => k % 5 !== 0);
    const truth = new Map<string, Set<string>>();
    for (const x of xs.filter((_, k) => k % 5 === 0)) (truth.get(x.user) ?? truth.set(x.user, new Set()).get(x.user)!).add(x.item);
    const full = new Ease(new InteractionMatrix(xs), 10);
    const val = new Ease(new InteractionMatrix(train, full.m.items), 10);
    const c = chooseUserCfBlend(full, { model: val, truth }, ndcg10, { weights: [0, 0.5], ials: { dim: 4, iterations: 4 } });
    expect(Object.keys(c.byWeight).sort()).toEqual(['0', '0.5']);
    expect(c.byWeight[String(c.weight)]).toBe(Math.max(...Object.values(c.byWeight)));
    expect(c.blend.ease).toBe(full);
    expect(c.validationBlend.ease).toBe(val);
    const only = chooseUserCfBlend(full, { model: val, truth }, ndcg10, { weights: [0] });
    expect(only.weight).toBe(0);
    expect(only.blend.ials).toBeNull();
    expect(only.blend.lists(10)).toEqual(easeUserLists(full, 10));
  });
});
