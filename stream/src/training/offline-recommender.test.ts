import { describe, expect, it } from 'vitest';
import { rankLimitFor } from '@vidplat/contracts';
import { OfflineRecommender, DEFAULT_CHANNELS } from './offline-recommender.js';
import type { Interaction } from './interactions.js';

/** A small history: 40 users over 60 items, each user with a favourite block of items. */
function history(): Interaction[] {
  const xs: Interaction[] = [];
  let s = 7;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
  for (let u = 0; u < 40; u++) for (let k = 0; k < 12; k++) xs.push({ user: `u${u}`, item: `i${(u % 6) * 10 + Math.floor(rand() * 14)}`, ts: 1_000_000 + u * 1000 + k * 10, weight: 1 });
  return xs;
}

describe("offline recommender: the edge's serving-cost settings", () => {
  it('with a rank cut, answers come only from the best rankLimitFor(n) candidates by recall; without one, as before', () => {
    const xs = history();
    const plain = new OfflineRecommender(xs, { channels: DEFAULT_CHANNELS.filter((c) => c.name !== 'embedding'), halfLifeHours: 48, diversityLambda: 0.9, freshnessBoost: 0 });
    const cut = new OfflineRecommender(xs, { ...plain.o, rankPerItem: 1, rankMin: 3 });
    const same = new OfflineRecommender(xs, { ...plain.o, mmrPoolPerItem: 4 });
    let differs = 0;
    for (let u = 0; u < 40; u++) {
      const user = `u${u}`;
      const best = new Set(cut.candidates(user).cands.slice(0, rankLimitFor(3, { rankPerItem: 1, rankMin: 3 })).map((c) => c.itemId));
      const got = cut.recommend(user, 3, null).map((x) => x.itemId);
      expect(got.length).toBeGreaterThan(0);
      for (const id of got) expect(best.has(id)).toBe(true);
      if (plain.recommend(user, 3, null).some((x) => !best.has(x.itemId))) differs++;
      // The default pool (4 per item) given explicitly changes nothing.
      expect(same.recommend(user, 3, null)).toEqual(plain.recommend(user, 3, null));
    }
    // Without the cut, ranking reaches past the best 3 by recall for some users.
    expect(differs).toBeGreaterThan(0);
  });
});
