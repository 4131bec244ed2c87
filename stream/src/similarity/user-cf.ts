import { TopKRows, type Scored } from '@vidplat/contracts';
import type { Interaction } from '../training/interactions.js';
import { InteractionMatrix } from './interaction-matrix.js';

export interface UserCfOptions {
  /** Nearest users whose items are scored. */
  neighbours?: number;
  /** Items kept per user (the recall list the edge reads). */
  size?: number;
}

export const USER_CF_NEIGHBOURS = 50;
export const USER_CF_LIST_SIZE = 100;

/**
 * User-based CF recall over the whole interaction history (the user-kNN of GroupLens / LensKit /
 * Gorse): users are similar by the cosine of their item sets, sim(u, v) = |I_u ∩ I_v| / √(|I_u|·|I_v|);
 * an item's score for u is Σ sim(u, v) over u's `neighbours` most similar users v who interacted
 * with it, items u already has left out; the `size` best per user, ties by item order.
 *
 * Built offline (the edge's item-CF sees only the user's 100 most recent items; this list carries
 * the rest of their history) and published per user like the item-CF lists; the user's real-time
 * actions are filtered out at the edge. Exact: O(Σ_i |U_i|²) for the co-counts.
 */
export function userCfLists(xs: readonly Interaction[] | InteractionMatrix, o: UserCfOptions = {}, users?: Iterable<string>): Map<string, Scored[]> {
  const m = xs instanceof InteractionMatrix ? xs : new InteractionMatrix(xs);
  const k = o.neighbours ?? USER_CF_NEIGHBOURS;
  const size = o.size ?? USER_CF_LIST_SIZE;
  const nU = m.users.length;
  const nI = m.items.length;
  const co = new Float64Array(nU);
  const touched = new Int32Array(nU);
  const score = new Float64Array(nI);
  const hit = new Int32Array(nI);
  const mine = new Uint8Array(nI);
  const near = new TopKRows(k);
  const top = new TopKRows(size);
  const len = (u: number) => m.userPtr[u + 1]! - m.userPtr[u]!;
  const out = new Map<string, Scored[]>();
  const which = users ? [...users].map((id) => m.userIx.get(id)).filter((u): u is number => u !== undefined) : Array.from({ length: nU }, (_, u) => u);
  for (const u of which) {
    let nt = 0;
    const row = m.rowOf(u);
    for (const i of row) {
      mine[i] = 1;
      for (const v of m.colOf(i)) {
        if (v === u) continue;
        if (co[v] === 0) touched[nt++] = v;
        co[v]! += 1;
      }
    }
    // Ascending user order: equal similarities keep the smaller user first.
    touched.subarray(0, nt).sort();
    near.clear();
    for (let t = 0; t < nt; t++) {
      const v = touched[t]!;
      const s = co[v]! / Math.sqrt(row.length * len(v));
      co[v] = 0;
      if (near.admits(s)) near.add(s, v);
    }
    let nh = 0;
    for (let r = 0; r < near.count; r++) {
      const s = near.scoreAt(r);
      for (const i of m.rowOf(near.rowAt(r))) {
        if (mine[i]) continue;
        if (score[i] === 0) hit[nh++] = i;
        score[i]! += s;
      }
    }
    hit.subarray(0, nh).sort();
    top.clear();
    for (let t = 0; t < nh; t++) {
      const i = hit[t]!;
      if (top.admits(score[i]!)) top.add(score[i]!, i);
      score[i] = 0;
    }
    for (const i of row) mine[i] = 0;
    if (top.count) out.set(m.users[u]!, top.toScored(m.items));
  }
  return out;
}
