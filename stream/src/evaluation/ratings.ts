import type { Interaction } from '../training/interactions.js';

/** Parses MovieLens `u.data`: `user item rating timestamp(s)`, tab- (or space-) separated. */
export function parseRatings(text: string): { ratings: Interaction[]; errors: number } {
  const ratings: Interaction[] = [];
  let errors = 0;
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    const [u, i, r, t] = line.trim().split(/\s+/);
    const rating = Number(r);
    const ts = Number(t);
    if (!u || !i || !Number.isFinite(rating) || !Number.isFinite(ts)) {
      errors++;
      continue;
    }
    ratings.push({ user: u, item: i, weight: rating, ts: ts * 1000 });
  }
  return { ratings, errors };
}

/**
 * Temporal split per user: each user's last `testShare` of ratings (by time) are held out, so
 * the model never sees a user's future. Users with fewer than `minRatings` stay in training only.
 */
export function splitByTimePerUser(ratings: readonly Interaction[], testShare = 0.2, minRatings = 5): { train: Interaction[]; test: Interaction[] } {
  const byUser = new Map<string, Interaction[]>();
  for (const r of ratings) {
    let l = byUser.get(r.user);
    if (!l) byUser.set(r.user, (l = []));
    l.push(r);
  }
  const train: Interaction[] = [];
  const test: Interaction[] = [];
  for (const l of byUser.values()) {
    l.sort((a, b) => a.ts - b.ts || (a.item < b.item ? -1 : 1));
    const nTest = l.length >= minRatings ? Math.max(1, Math.round(l.length * testShare)) : 0;
    train.push(...l.slice(0, l.length - nTest));
    test.push(...l.slice(l.length - nTest));
  }
  return { train, test };
}
