/** One user–item interaction as the offline jobs see it (ClickHouse events or a ratings file). */
export interface Interaction {
  user: string;
  item: string;
  /** Epoch ms. */
  ts: number;
  /** Strength: e.g. action weight or rating. */
  weight: number;
}

/** Per user, interactions in time order (oldest first). */
export function byUser(xs: readonly Interaction[]): Map<string, Interaction[]> {
  const m = new Map<string, Interaction[]>();
  for (const x of xs) {
    let l = m.get(x.user);
    if (!l) m.set(x.user, (l = []));
    l.push(x);
  }
  for (const l of m.values()) l.sort((a, b) => a.ts - b.ts || (a.item < b.item ? -1 : 1));
  return m;
}

/** Small deterministic PRNG (mulberry32) so training runs are reproducible. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
