import type { InteractionMatrix } from './interaction-matrix.js';

export interface IalsOptions {
  /** Latent dimensions (default 32). */
  dim?: number;
  /** Confidence of an observed cell: 1 + alpha (default 20). */
  alpha?: number;
  /** L2 on both factor matrices (default 10). */
  lambda?: number;
  /** Alternating sweeps (default 10). */
  iterations?: number;
  seed?: number;
}

/**
 * Implicit ALS (Hu, Koren & Volinsky 2008) on the binary matrix: every cell is a target (1 where
 * observed, 0 elsewhere), observed cells weighing 1 + α; each sweep solves every user's and then
 * every item's f × f normal equations exactly (Cholesky), with YᵀY shared by all rows. A low-rank
 * model, so it errs differently from EASE's item-item weights: the user_cf blend (user-cf-blend.ts)
 * adds it to EASE where the validation split says it helps.
 *
 * Cost per sweep ~ (users + items)·f³/6 + 2·nnz·f²/2 flops: a few seconds for 100k ratings at f = 32.
 */
export class Ials {
  readonly dim: number;
  /** users × dim and items × dim, row-major. */
  readonly userFactors: Float64Array;
  readonly itemFactors: Float64Array;
  readonly fitMs: number;

  constructor(
    readonly m: InteractionMatrix,
    o: IalsOptions = {},
  ) {
    const t0 = performance.now();
    const f = (this.dim = o.dim ?? 32);
    const alpha = o.alpha ?? 20;
    const lambda = o.lambda ?? 10;
    const nU = m.users.length;
    const nI = m.items.length;
    let s = (o.seed ?? 3) >>> 0;
    const rand = () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296;
    this.userFactors = Float64Array.from({ length: nU * f }, () => (rand() - 0.5) * 0.01);
    this.itemFactors = Float64Array.from({ length: nI * f }, () => (rand() - 0.5) * 0.01);
    const a = new Float64Array(f * f);
    const b = new Float64Array(f);
    const g = new Float64Array(f * f);
    /** Rows of x from the other side's factors y: x_r = (YᵀY + λI + α Σ_{c∈r} y_c y_cᵀ)⁻¹ (1 + α) Σ_{c∈r} y_c. */
    const sweep = (x: Float64Array, y: Float64Array, rows: number, cols: number, ptr: Int32Array, idx: Int32Array) => {
      g.fill(0);
      for (let c = 0; c < cols; c++) {
        const o = c * f;
        for (let p = 0; p < f; p++) {
          const yp = y[o + p]!;
          for (let q = p; q < f; q++) g[p * f + q]! += yp * y[o + q]!;
        }
      }
      for (let r = 0; r < rows; r++) {
        // Upper triangle only: the Cholesky below reads nothing else.
        a.set(g);
        for (let p = 0; p < f; p++) a[p * f + p]! += lambda;
        b.fill(0);
        for (let k = ptr[r]!; k < ptr[r + 1]!; k++) {
          const o = idx[k]! * f;
          for (let p = 0; p < f; p++) {
            const yp = y[o + p]!;
            b[p]! += (1 + alpha) * yp;
            const ay = alpha * yp;
            for (let q = p; q < f; q++) a[p * f + q]! += ay * y[o + q]!;
          }
        }
        // A = RᵀR (R upper, in place), then Rᵀz = b and R x = z.
        for (let p = 0; p < f; p++) {
          for (let q = p; q < f; q++) {
            let v = a[p * f + q]!;
            for (let k = 0; k < p; k++) v -= a[k * f + p]! * a[k * f + q]!;
            a[p * f + q] = p === q ? Math.sqrt(v) : v / a[p * f + p]!;
          }
        }
        for (let p = 0; p < f; p++) {
          let v = b[p]!;
          for (let k = 0; k < p; k++) v -= a[k * f + p]! * b[k]!;
          b[p] = v / a[p * f + p]!;
        }
        for (let p = f - 1; p >= 0; p--) {
          let v = b[p]!;
          for (let k = p + 1; k < f; k++) v -= a[p * f + k]! * b[k]!;
          b[p] = v / a[p * f + p]!;
        }
        x.set(b, r * f);
      }
    };
    for (let it = 0; it < (o.iterations ?? 10); it++) {
      sweep(this.userFactors, this.itemFactors, nU, nI, m.userPtr, m.itemsOf);
      sweep(this.itemFactors, this.userFactors, nI, nU, m.itemPtr, m.usersOf);
    }
    this.fitMs = performance.now() - t0;
  }

  /** Predicted preference of training user u for every item (seen items are not meaningful). */
  userScoresInto(u: number, out: Float64Array): Float64Array {
    const f = this.dim;
    const U = this.userFactors;
    const V = this.itemFactors;
    const o = u * f;
    for (let i = 0; i < out.length; i++) {
      let s = 0;
      const io = i * f;
      for (let d = 0; d < f; d++) s += U[o + d]! * V[io + d]!;
      out[i] = s;
    }
    return out;
  }
}
