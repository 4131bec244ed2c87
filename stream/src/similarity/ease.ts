import { TopKRows, type Scored } from '@vidplat/contracts';
import type { Interaction } from '../training/interactions.js';
import { InteractionMatrix, invertSpd } from './interaction-matrix.js';

/**
 * EASE (Steck 2019, "Embarrassingly Shallow Autoencoders"): the item–item weights B minimising
 * ‖X − XB‖² + λ‖B‖² with diag(B) = 0, in closed form: P = (XᵀX + λI)⁻¹, B = I − P·diag(1/Pᵢᵢ).
 *
 * Solved in whichever space is smaller. Items ≤ users: P directly (an items² inverse). Users <
 * items: by Woodbury, P = (I − Xᵀ K X)/λ with K = (XXᵀ + λI)⁻¹ (a users² inverse), and
 * B[j, i] = (Σ_{u ∈ U_j} (KX)[u, i]) / (λ Pᵢᵢ) for i ≠ j; a training user's scores are
 * −(KX)[u, i] / Pᵢᵢ on unseen items (XP = KX). Both are exact.
 */
export class Ease {
  readonly space: 'items' | 'users';
  /** items space: B (items × items). users space: KX (users × items). */
  private readonly w: Float64Array;
  /** Pᵢᵢ per item. */
  private readonly pDiag: Float64Array;
  readonly fitMs: number;

  constructor(
    readonly m: InteractionMatrix,
    readonly lambda: number,
    o: {
      /** Largest side of the dense inverse (min(users, items) must fit). */
      maxDim?: number;
      /** Force a space (tests compare the two); default: the smaller. */
      space?: 'items' | 'users';
    } = {},
  ) {
    const maxDim = o.maxDim ?? 6000;
    const t0 = performance.now();
    const nU = m.users.length;
    const nI = m.items.length;
    const space = o.space ?? (nI <= nU ? 'items' : 'users');
    if ((space === 'items' ? nI : nU) > maxDim) throw new Error(`EASE: the ${space} side (${space === 'items' ? nI : nU}) exceeds ${maxDim}; min(users ${nU}, items ${nI})`);
    this.pDiag = new Float64Array(nI);
    if (space === 'items') {
      this.space = 'items';
      // G = XᵀX + λI from each user's item pairs.
      const g = new Float64Array(nI * nI);
      for (let u = 0; u < nU; u++) {
        const row = m.rowOf(u);
        for (let a = 0; a < row.length; a++) {
          const o = row[a]! * nI;
          for (let b = 0; b < row.length; b++) g[o + row[b]!]! += 1;
        }
      }
      for (let i = 0; i < nI; i++) g[i * nI + i]! += lambda;
      invertSpd(g, nI);
      for (let i = 0; i < nI; i++) this.pDiag[i] = g[i * nI + i]!;
      // B[j, i] = −P[j, i] / P[i, i], diagonal 0.
      for (let j = 0; j < nI; j++) {
        const o = j * nI;
        for (let i = 0; i < nI; i++) g[o + i] = i === j ? 0 : -g[o + i]! / this.pDiag[i]!;
      }
      this.w = g;
    } else {
      this.space = 'users';
      const k = new Float64Array(nU * nU);
      for (let i = 0; i < nI; i++) {
        const col = m.colOf(i);
        for (let a = 0; a < col.length; a++) {
          const o = col[a]! * nU;
          for (let b = 0; b < col.length; b++) k[o + col[b]!]! += 1;
        }
      }
      for (let u = 0; u < nU; u++) k[u * nU + u]! += lambda;
      invertSpd(k, nU);
      // KX row by row: (KX)[v, :] = Σ_u K[v, u] · X[u, :] (each row's writes stay in one items-long span).
      const kx = new Float64Array(nU * nI);
      const { userPtr, itemsOf } = m;
      for (let v = 0; v < nU; v++) {
        const o = v * nI;
        const ko = v * nU;
        for (let u = 0; u < nU; u++) {
          const c = k[ko + u]!;
          for (let p = userPtr[u]!; p < userPtr[u + 1]!; p++) kx[o + itemsOf[p]!]! += c;
        }
      }
      for (let i = 0; i < nI; i++) {
        let diag = 0;
        for (const u of m.colOf(i)) diag += kx[u * nI + i]!;
        this.pDiag[i] = (1 - diag) / lambda;
      }
      this.w = kx;
    }
    this.fitMs = performance.now() - t0;
  }

  /** B[j, :] into out (length items). */
  rowInto(j: number, out: Float64Array): Float64Array {
    const nI = this.m.items.length;
    if (this.space === 'items') {
      out.set(this.w.subarray(j * nI, (j + 1) * nI));
      return out;
    }
    out.fill(0);
    for (const u of this.m.colOf(j)) {
      const o = u * nI;
      for (let i = 0; i < nI; i++) out[i]! += this.w[o + i]!;
    }
    const l = this.lambda;
    for (let i = 0; i < nI; i++) out[i] = i === j ? 0 : out[i]! / (l * this.pDiag[i]!);
    return out;
  }

  /** Scores of every item for training user u (X[u, :] · B); seen items are not meaningful. */
  userScoresInto(u: number, out: Float64Array): Float64Array {
    const nI = this.m.items.length;
    if (this.space === 'users') {
      const o = u * nI;
      for (let i = 0; i < nI; i++) out[i] = -this.w[o + i]! / this.pDiag[i]!;
      return out;
    }
    out.fill(0);
    for (const j of this.m.rowOf(u)) {
      const o = j * nI;
      for (let i = 0; i < nI; i++) out[i]! += this.w[o + i]!;
    }
    return out;
  }

  /**
   * Each item's k largest positive weights (above 1e-12) B[j, i] (what a history containing j adds to i), best
   * first, ties by item order: the item-CF neighbour lists the edge serves.
   */
  neighbours(k: number, onItem?: (done: number) => void): Map<string, Scored[]> {
    const nI = this.m.items.length;
    const tops = Array.from({ length: nI }, () => new TopKRows(k));
    if (this.space === 'items') {
      const row = new Float64Array(nI);
      for (let j = 0; j < nI; j++) {
        this.rowInto(j, row);
        offerRow(tops[j]!, row, 0, nI, j);
        onItem?.(j + 1);
      }
    } else {
      // B[j, c0..c1) for every j, one column tile at a time: the tile of KX (users × T) stays in
      // cache while every item's users are summed over it (row by row it would stream all of KX
      // once per item: ~10× slower on 10k items).
      const T = 512;
      const acc = new Float64Array(T);
      const kx = this.w;
      const scale = new Float64Array(nI);
      for (let i = 0; i < nI; i++) scale[i] = 1 / (this.lambda * this.pDiag[i]!);
      for (let c0 = 0; c0 < nI; c0 += T) {
        const c1 = Math.min(nI, c0 + T);
        const w = c1 - c0;
        for (let j = 0; j < nI; j++) {
          acc.fill(0, 0, w);
          for (const u of this.m.colOf(j)) {
            const o = u * nI + c0;
            for (let t = 0; t < w; t++) acc[t]! += kx[o + t]!;
          }
          for (let t = 0; t < w; t++) acc[t]! *= scale[c0 + t]!;
          offerRow(tops[j]!, acc, c0, w, j);
        }
        onItem?.(Math.round((nI * c1) / nI));
      }
    }
    const out = new Map<string, Scored[]>();
    for (let j = 0; j < nI; j++) if (tops[j]!.count) out.set(this.m.items[j]!, tops[j]!.toScored(this.m.items));
    return out;
  }
}

/** Offers row[0..w) as items c0.. to top, skipping item `self` and weights within rounding of 0 (no evidence of anything). */
function offerRow(top: TopKRows, row: Float64Array, c0: number, w: number, self: number): void {
  for (let t = 0; t < w; t++) {
    const s = row[t]!;
    if (s > 1e-12 && c0 + t !== self && top.admits(s)) top.add(s, c0 + t);
  }
}

/**
 * The k best unseen items of a score vector (ties by item order), as item ids. Items with no
 * score at all (−∞) are never returned.
 */
export function topUnseen(m: InteractionMatrix, u: number, scores: Float64Array, k: number, top = new TopKRows(k)): string[] {
  offerUnseen(m, u, scores, top, -Infinity);
  const out: string[] = [];
  for (let r = 0; r < top.count; r++) out.push(m.items[top.rowAt(r)]!);
  return out;
}

/** Clears `top` and offers it every item user u has not seen whose score exceeds `above`. */
export function offerUnseen(m: InteractionMatrix, u: number, scores: Float64Array, top: TopKRows, above: number): void {
  top.clear();
  const seen = m.rowOf(u);
  let s = 0;
  for (let i = 0; i < scores.length; i++) {
    // rowOf is ascending: walk it alongside i.
    if (s < seen.length && seen[s] === i) {
      s++;
      continue;
    }
    const v = scores[i]!;
    if (v > above && top.admits(v)) top.add(v, i);
  }
}

/** Mean NDCG@10 of EASE on a validation split for each λ; the best λ (ties: the smaller). */
export function chooseEaseLambda(
  train: InteractionMatrix,
  validation: ReadonlyMap<string, ReadonlySet<string>>,
  lambdas: readonly number[],
  ndcg: (list: readonly string[], rel: ReadonlySet<string>) => number,
  o: { maxDim?: number } = {},
): { lambda: number; byLambda: Record<string, number>; model: Ease } {
  const byLambda: Record<string, number> = {};
  let best = lambdas[0]!;
  let bestScore = -1;
  let bestModel: Ease | null = null;
  const buf = new Float64Array(train.items.length);
  for (const l of lambdas) {
    const model = new Ease(train, l, o);
    let sum = 0;
    let n = 0;
    for (const [user, rel] of validation) {
      const u = train.userIx.get(user);
      if (u === undefined || !rel.size) continue;
      sum += ndcg(topUnseen(train, u, model.userScoresInto(u, buf), 10), rel);
      n++;
    }
    const v = n ? sum / n : 0;
    byLambda[String(l)] = Math.round(v * 1e4) / 1e4;
    if (v > bestScore) {
      bestScore = v;
      best = l;
      bestModel = model;
    }
  }
  return { lambda: best, byLambda, model: bestModel! };
}

/** Binary NDCG@10. */
export function ndcg10(list: readonly string[], rel: ReadonlySet<string>): number {
  let dcg = 0;
  for (let i = 0; i < list.length && i < 10; i++) if (rel.has(list[i]!)) dcg += 1 / Math.log2(i + 2);
  let ideal = 0;
  for (let i = 0; i < Math.min(10, rel.size); i++) ideal += 1 / Math.log2(i + 2);
  return ideal ? dcg / ideal : 0;
}

export const EASE_LAMBDAS: readonly number[] = [10, 50, 200, 500, 1000];

/**
 * EASE neighbour lists for a tenant's interactions, as the similarity job publishes them: λ given,
 * or chosen on a validation split (each user's newest 20 %, users with ≥ 5 items) from
 * EASE_LAMBDAS; null when min(users, items) exceeds maxDim (the caller keeps the cosine build).
 */
export function easeNeighbourLists(
  xs: readonly Interaction[],
  topK: number,
  o: { lambda?: number; maxDim?: number; onItem?: (done: number) => void } = {},
): {
  lists: Map<string, Scored[]>;
  lambda: number;
  validation: Record<string, number>;
  model: Ease;
  /** The validation split λ was chosen on (absent when λ was given): EASE at that λ on its training part, and its held-out items. */
  inner?: { model: Ease; truth: Map<string, Set<string>> };
} | null {
  const m = new InteractionMatrix(xs);
  const maxDim = o.maxDim ?? 3000;
  if (!m.items.length || Math.min(m.users.length, m.items.length) > maxDim) return null;
  let lambda = o.lambda;
  let validation: Record<string, number> = {};
  let inner: { model: Ease; truth: Map<string, Set<string>> } | undefined;
  if (lambda === undefined) {
    const byUser = new Map<string, Interaction[]>();
    for (const x of xs) (byUser.get(x.user) ?? byUser.set(x.user, []).get(x.user)!).push(x);
    const train: Interaction[] = [];
    const truth = new Map<string, Set<string>>();
    for (const [user, l] of byUser) {
      l.sort((a, b) => a.ts - b.ts || (a.item < b.item ? -1 : 1));
      const nTest = l.length >= 5 ? Math.max(1, Math.round(l.length * 0.2)) : 0;
      train.push(...l.slice(0, l.length - nTest));
      if (nTest) truth.set(user, new Set(l.slice(l.length - nTest).map((x) => x.item)));
    }
    if (truth.size) {
      const c = chooseEaseLambda(new InteractionMatrix(train, m.items), truth, EASE_LAMBDAS, ndcg10, { maxDim });
      lambda = c.lambda;
      validation = c.byLambda;
      inner = { model: c.model, truth };
    } else lambda = 200;
  }
  const model = new Ease(m, lambda, { maxDim });
  return { lists: model.neighbours(topK, o.onItem), lambda, validation, model, ...(inner ? { inner } : {}) };
}

/**
 * Each user's `size` best unseen items by EASE's full score X[u, :]·B over their whole history
 * (positive scores only, ties by item order): the user-CF lists where EASE fits. With fewer users
 * than items this is the dual, user-user form (scores = Σ_v −K[u, v]·X[v, i] / Pᵢᵢ: other users'
 * items weighted by learned user-user weights).
 */
export function easeUserLists(model: Ease, size: number): Map<string, Scored[]> {
  return userTopLists(model.m, (u, out) => model.userScoresInto(u, out), size);
}

/** Per user of m, the `size` best unseen items of a scorer with a positive score (ties by item order). */
export function userTopLists(m: InteractionMatrix, scoresInto: (u: number, out: Float64Array) => Float64Array, size: number): Map<string, Scored[]> {
  const buf = new Float64Array(m.items.length);
  const top = new TopKRows(size);
  const out = new Map<string, Scored[]>();
  for (let u = 0; u < m.users.length; u++) {
    offerUnseen(m, u, scoresInto(u, buf), top, 1e-12);
    if (top.count) out.set(m.users[u]!, top.toScored(m.items));
  }
  return out;
}
