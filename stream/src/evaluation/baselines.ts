import { TopKRows } from '@vidplat/contracts';
export { chooseEaseLambda, topUnseen } from '../similarity/ease.js';
import type { Ease } from '../similarity/ease.js';
import type { InteractionMatrix } from '../similarity/interaction-matrix.js';

/**
 * A recommender as the evaluation sees it: for a training user, a score per item of the training
 * matrix (higher is better). Seen items are removed by the caller.
 */
export interface ScoringRecommender {
  name: string;
  scoresInto(u: number, out: Float64Array): Float64Array;
}

/** Most interacted-with items of the training period. */
export function popularity(m: InteractionMatrix): ScoringRecommender {
  const count = new Float64Array(m.items.length);
  for (let i = 0; i < count.length; i++) count[i] = m.itemPtr[i + 1]! - m.itemPtr[i]!;
  return { name: 'baseline:popularity', scoresInto: (_u, out) => (out.set(count), out) };
}

/**
 * Item-kNN (Sarwar et al. 2001; LensKit / Gorse "KNN"): cosine of the items' user sets,
 * sim(i, j) = |U_i ∩ U_j| / √(|U_i|·|U_j|); each item keeps its k most similar items, and a user's
 * score for i is the sum of sim(j, i) over the items j they interacted with whose list holds i.
 */
export function cosineNeighbourLists(m: InteractionMatrix, k: number): { idx: Int32Array[]; sim: Float64Array[] } {
  const nI = m.items.length;
  const co = new Float64Array(nI);
  const touched = new Int32Array(nI);
  const idx: Int32Array[] = [];
  const sim: Float64Array[] = [];
  const top = new TopKRows(k);
  const size = (i: number) => m.itemPtr[i + 1]! - m.itemPtr[i]!;
  for (let j = 0; j < nI; j++) {
    let nt = 0;
    for (const u of m.colOf(j)) {
      for (const i of m.rowOf(u)) {
        if (i === j) continue;
        if (co[i] === 0) touched[nt++] = i;
        co[i]! += 1;
      }
    }
    top.clear();
    // Ascending item order, so equal similarities keep the smaller item first.
    touched.subarray(0, nt).sort();
    const sj = size(j);
    for (let t = 0; t < nt; t++) {
      const i = touched[t]!;
      const s = co[i]! / Math.sqrt(sj * size(i));
      co[i] = 0;
      if (top.admits(s)) top.add(s, i);
    }
    idx.push(top.rowList());
    sim.push(Float64Array.from({ length: top.count }, (_, r) => top.scoreAt(r)));
  }
  return { idx, sim };
}

export function itemKnn(m: InteractionMatrix, k = 100): ScoringRecommender {
  const { idx, sim } = cosineNeighbourLists(m, k);
  return {
    name: `baseline:item_knn`,
    scoresInto(u, out) {
      out.fill(0);
      for (const j of m.rowOf(u)) {
        const l = idx[j]!;
        const s = sim[j]!;
        for (let r = 0; r < l.length; r++) out[l[r]!]! += s[r]!;
      }
      return out;
    },
  };
}

export function ease(model: Ease): ScoringRecommender {
  return { name: 'baseline:ease', scoresInto: (u, out) => model.userScoresInto(u, out) };
}

