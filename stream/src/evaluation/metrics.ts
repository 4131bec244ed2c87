/** Ranking metrics at a cut-off k, for one user's list against their relevant set. */
export function precisionAt(list: readonly string[], relevant: ReadonlySet<string>, k: number): number {
  return list.slice(0, k).filter((i) => relevant.has(i)).length / k;
}

export function recallAt(list: readonly string[], relevant: ReadonlySet<string>, k: number): number {
  return relevant.size ? list.slice(0, k).filter((i) => relevant.has(i)).length / relevant.size : 0;
}

/** Binary-relevance NDCG: DCG of the list over the DCG of an ideal list. */
export function ndcgAt(list: readonly string[], relevant: ReadonlySet<string>, k: number): number {
  let dcg = 0;
  list.slice(0, k).forEach((id, i) => {
    if (relevant.has(id)) dcg += 1 / Math.log2(i + 2);
  });
  let ideal = 0;
  for (let i = 0; i < Math.min(k, relevant.size); i++) ideal += 1 / Math.log2(i + 2);
  return ideal ? dcg / ideal : 0;
}

/** Average precision at k, normalised by min(k, |relevant|). */
export function apAt(list: readonly string[], relevant: ReadonlySet<string>, k: number): number {
  let hits = 0;
  let sum = 0;
  list.slice(0, k).forEach((id, i) => {
    if (relevant.has(id)) {
      hits++;
      sum += hits / (i + 1);
    }
  });
  const denom = Math.min(k, relevant.size);
  return denom ? sum / denom : 0;
}

export interface Figures {
  precision_at_10: number;
  recall_at_10: number;
  ndcg_at_10: number;
  map_at_10: number;
  /** Share of the catalogue that appears in at least one user's top 10. */
  coverage: number;
  users: number;
}

/** Means over users of each metric, plus catalogue coverage. */
export function evaluateLists(lists: ReadonlyMap<string, readonly string[]>, truth: ReadonlyMap<string, ReadonlySet<string>>, catalogueSize: number, k = 10): Figures {
  let p = 0;
  let r = 0;
  let n = 0;
  let m = 0;
  let users = 0;
  const shown = new Set<string>();
  for (const [user, rel] of truth) {
    if (!rel.size) continue;
    const list = lists.get(user) ?? [];
    list.slice(0, k).forEach((i) => shown.add(i));
    p += precisionAt(list, rel, k);
    r += recallAt(list, rel, k);
    n += ndcgAt(list, rel, k);
    m += apAt(list, rel, k);
    users++;
  }
  const d = Math.max(1, users);
  const round = (x: number) => Math.round(x * 1e4) / 1e4;
  return { precision_at_10: round(p / d), recall_at_10: round(r / d), ndcg_at_10: round(n / d), map_at_10: round(m / d), coverage: round(catalogueSize ? shown.size / catalogueSize : 0), users };
}
