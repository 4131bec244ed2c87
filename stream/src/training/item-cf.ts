import type { Scored } from '@vidplat/contracts';
import { byUser, type Interaction } from './interactions.js';

/**
 * Item-to-item collaborative filtering: cosine similarity of items' user sets, counted from
 * co-occurrence within each user's most recent `window` items (bounds the work to Σ window²).
 * Returns each item's top-k neighbours, best first.
 */
export function itemCfNeighbours(xs: readonly Interaction[], k = 50, window = 50): Map<string, Scored[]> {
  const users = byUser(xs);
  const count = new Map<string, number>();
  const co = new Map<string, Map<string, number>>();
  for (const list of users.values()) {
    const items = [...new Set(list.slice(-window).map((x) => x.item))];
    for (const i of items) count.set(i, (count.get(i) ?? 0) + 1);
    for (let a = 0; a < items.length; a++) {
      for (let b = a + 1; b < items.length; b++) {
        const [x, y] = [items[a]!, items[b]!];
        let mx = co.get(x);
        if (!mx) co.set(x, (mx = new Map()));
        mx.set(y, (mx.get(y) ?? 0) + 1);
        let my = co.get(y);
        if (!my) co.set(y, (my = new Map()));
        my.set(x, (my.get(x) ?? 0) + 1);
      }
    }
  }
  const out = new Map<string, Scored[]>();
  for (const [i, m] of co) {
    const ci = count.get(i)!;
    const list: Scored[] = [];
    for (const [j, c] of m) list.push({ itemId: j, score: c / Math.sqrt(ci * count.get(j)!) });
    list.sort((a, b) => b.score - a.score || (a.itemId < b.itemId ? -1 : 1));
    out.set(i, list.slice(0, k));
  }
  return out;
}
