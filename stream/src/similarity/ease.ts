import { TopKRows, type Scored } from '@vidplat/contracts';
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
    const row = new Float64Array(nI);
    const top = new TopKRows(k);
    const out = new Map<string, Scored[]>();
    for (let j = 0; j < nI; j++) {
      this.rowInto(j, row);
      top.clear();
      for (let i = 0; i < nI; i++) {
        const s = row[i]!;
        // Weights within rounding of 0 are no evidence of anything.
        if (s > 1e-12 && top.admits(s)) top.add(s, i);
      }
      if (top.count) out.set(this.m.items[j]!, top.toScored(this.m.items));
      onItem?.(j + 1);
    }
    return out;
  }
}
