import { rng, type Interaction } from './interactions.js';

export interface Embeddings {
  dim: number;
  items: string[];
  /** items.length × dim, row-major. */
  itemVectors: Float32Array;
  users: Map<string, Float32Array>;
}

export interface BprOptions {
  dim?: number;
  epochs?: number;
  learningRate?: number;
  regularisation?: number;
  seed?: number;
}

/**
 * Implicit-feedback matrix factorisation with BPR (Rendle et al. 2009): for a user, an item they
 * interacted with should score above a random one. Item vectors go to the edge for embedding
 * recall (user taste = mean of recent item vectors there, so item vectors carry the signal).
 */
export function trainBpr(xs: readonly Interaction[], o: BprOptions = {}): Embeddings {
  const dim = o.dim ?? 16;
  const epochs = o.epochs ?? 20;
  const lr = o.learningRate ?? 0.05;
  const reg = o.regularisation ?? 0.01;
  const rand = rng(o.seed ?? 42);
  const items = [...new Set(xs.map((x) => x.item))].sort();
  const users = [...new Set(xs.map((x) => x.user))].sort();
  const itemIx = new Map(items.map((id, i) => [id, i]));
  const userIx = new Map(users.map((id, i) => [id, i]));
  const I = new Float32Array(items.length * dim).map(() => (rand() - 0.5) * 0.1);
  const U = new Float32Array(users.length * dim).map(() => (rand() - 0.5) * 0.1);
  const pos = users.map(() => new Set<number>());
  const pairs = xs.map((x) => [userIx.get(x.user)!, itemIx.get(x.item)!] as const);
  for (const [u, i] of pairs) pos[u]!.add(i);
  for (let e = 0; e < epochs; e++) {
    for (let s = 0; s < pairs.length; s++) {
      const [u, i] = pairs[Math.floor(rand() * pairs.length)]!;
      let j = Math.floor(rand() * items.length);
      for (let tries = 0; pos[u]!.has(j) && tries < 10; tries++) j = Math.floor(rand() * items.length);
      if (pos[u]!.has(j)) continue;
      const uo = u * dim;
      const io = i * dim;
      const jo = j * dim;
      let x = 0;
      for (let d = 0; d < dim; d++) x += U[uo + d]! * (I[io + d]! - I[jo + d]!);
      const g = 1 / (1 + Math.exp(x)); // d/dx of ln σ(x)
      for (let d = 0; d < dim; d++) {
        const ud = U[uo + d]!;
        const id = I[io + d]!;
        const jd = I[jo + d]!;
        U[uo + d] = ud + lr * (g * (id - jd) - reg * ud);
        I[io + d] = id + lr * (g * ud - reg * id);
        I[jo + d] = jd + lr * (-g * ud - reg * jd);
      }
    }
  }
  return { dim, items, itemVectors: I, users: new Map(users.map((id, u) => [id, U.slice(u * dim, (u + 1) * dim)])) };
}
