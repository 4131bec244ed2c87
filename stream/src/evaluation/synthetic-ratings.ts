import { rng } from '../training/interactions.js';

/**
 * Ratings with a known structure, in u.data format: users belong to one of `clusters` taste
 * groups and rate their group's items high (4–5), plus a few globally popular items low (1–3).
 * A recommender that learns co-occurrence must beat popularity on the relevant (≥ 4) items.
 */
export function syntheticRatings(o: { users?: number; items?: number; clusters?: number; perUser?: number; seed?: number } = {}): string {
  const users = o.users ?? 300;
  const items = o.items ?? 400;
  const clusters = o.clusters ?? 8;
  const perUser = o.perUser ?? 30;
  const rand = rng(o.seed ?? 1);
  const perCluster = Math.floor(items / clusters);
  const lines: string[] = [];
  const t0 = 880_000_000;
  for (let u = 1; u <= users; u++) {
    const c = u % clusters;
    const seen = new Set<number>();
    for (let k = 0; k < perUser; k++) {
      let item: number;
      let rating: number;
      if (rand() < 0.8) {
        // Within the cluster, lower-numbered items are more popular (Zipf-like).
        item = c * perCluster + Math.floor(perCluster * rand() ** 2) + 1;
        rating = 4 + Math.floor(rand() * 2);
      } else {
        item = Math.floor(items * rand() ** 4) + 1;
        rating = 1 + Math.floor(rand() * 3);
      }
      if (seen.has(item)) continue;
      seen.add(item);
      lines.push(`${u}\t${item}\t${rating}\t${t0 + u * 7 + k * 3600 + Math.floor(rand() * 600)}`);
    }
  }
  return lines.join('\n') + '\n';
}
