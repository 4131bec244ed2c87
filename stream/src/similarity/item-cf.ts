/**
 * Item-based collaborative filtering: two items are similar when the same users interact with
 * both. Score = cosine of their user sets, co(i, j) / sqrt(|U_i| · |U_j|); top-K per item.
 */
export class ItemCooccurrence {
  private readonly itemUsers = new Map<string, number>();
  private readonly pairs = new Map<string, number>();
  users = 0;

  /** One user's distinct items (already capped by the caller). */
  addUser(items: string[]): void {
    const uniq = [...new Set(items)].sort();
    this.users++;
    for (const i of uniq) this.itemUsers.set(i, (this.itemUsers.get(i) ?? 0) + 1);
    for (let a = 0; a < uniq.length; a++) {
      for (let b = a + 1; b < uniq.length; b++) {
        const k = `${uniq[a]}\u0000${uniq[b]}`;
        this.pairs.set(k, (this.pairs.get(k) ?? 0) + 1);
      }
    }
  }

  get pairCount(): number {
    return this.pairs.size;
  }

  /** Top-K neighbours per item, best first; ties broken by item id so builds are reproducible. */
  neighbours(topK: number, minCoUsers = 1): Map<string, { itemId: string; score: number; coUsers: number }[]> {
    const lists = new Map<string, { itemId: string; score: number; coUsers: number }[]>();
    const push = (from: string, to: string, score: number, coUsers: number) => {
      const l = lists.get(from) ?? [];
      l.push({ itemId: to, score, coUsers });
      lists.set(from, l);
    };
    for (const [k, co] of this.pairs) {
      if (co < minCoUsers) continue;
      const [i, j] = k.split('\u0000') as [string, string];
      const score = co / Math.sqrt(this.itemUsers.get(i)! * this.itemUsers.get(j)!);
      push(i, j, score, co);
      push(j, i, score, co);
    }
    for (const [item, l] of lists) {
      l.sort((x, y) => y.score - x.score || y.coUsers - x.coUsers || x.itemId.localeCompare(y.itemId));
      lists.set(item, l.slice(0, topK));
    }
    return lists;
  }
}
