import { TopKRows } from '@vidplat/contracts';
import { Ease } from '../similarity/ease.js';
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

/**
 * The k best unseen items of a score vector (ties by item order), as item ids. Items with no
 * score at all (−∞) are never returned.
 */
export function topUnseen(m: InteractionMatrix, u: number, scores: Float64Array, k: number, top = new TopKRows(k)): string[] {
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
    if (v > -Infinity && top.admits(v)) top.add(v, i);
  }
  const out: string[] = [];
  for (let r = 0; r < top.count; r++) out.push(m.items[top.rowAt(r)]!);
  return out;
}

/** Mean NDCG@10 of EASE on a validation split for each λ; the best λ (ties: the smaller). */
export function chooseEaseLambda(
  train: InteractionMatrix,
  validation: ReadonlyMap<string, ReadonlySet<string>>,
  lambdas: readonly number[],
  ndcg: (list: readonly string[], rel: ReadonlySet<string>) => number,
): { lambda: number; byLambda: Record<string, number> } {
  const byLambda: Record<string, number> = {};
  let best = lambdas[0]!;
  let bestScore = -1;
  const buf = new Float64Array(train.items.length);
  for (const l of lambdas) {
    const model = new Ease(train, l);
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
    }
  }
  return { lambda: best, byLambda };
}
