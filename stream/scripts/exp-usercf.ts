/**
 * Experiment (issue 17): candidate user_cf list models against EASE, per protocol split.
 * Every hyperparameter is chosen on the validation split inside the training data (the eval's
 * innerSplit); test figures are printed for every value so the choice can be judged, never used.
 * Usage: npx tsx stream/scripts/exp-usercf.ts temporal|random5 [fold]
 */
import { readFileSync } from 'node:fs';
import { InteractionMatrix, invertSpd } from '../src/similarity/interaction-matrix.js';
import { cosineNeighbourLists } from '../src/evaluation/baselines.js';
import { type Interaction } from '../src/training/interactions.js';
import { ndcgAt } from '../src/evaluation/metrics.js';
import { parseRatings, randomFolds, splitByTimePerUser } from '../src/evaluation/ratings.js';
import { pairedBootstrap } from '../src/evaluation/evaluate.js';
import { topUnseen } from '../src/similarity/ease.js';
import { Ials } from '../src/similarity/ials.js';

const protocol = process.argv[2] ?? 'random5';
const fold = Number(process.argv[3] ?? 0);
const ratings = parseRatings(readFileSync('/work/shared/data/ml-latest-small/ratings.csv', 'utf8')).ratings;
const minRating = protocol === 'temporal' ? 4 : -Infinity;
const group = (xs: Interaction[]) => {
  const t = new Map<string, Set<string>>();
  for (const x of xs) if (x.weight >= minRating) (t.get(x.user) ?? t.set(x.user, new Set()).get(x.user)!).add(x.item);
  return t;
};
const split = (xs: Interaction[], seed: number) => (protocol === 'random5' ? randomFolds(xs, 5, seed)[fold === -1 ? 0 : fold]! : splitByTimePerUser(xs, 0.2));
const outer = protocol === 'random5' ? randomFolds(ratings, 5, 1)[fold]! : splitByTimePerUser(ratings, 0.2);
const innerRaw = protocol === 'random5' ? randomFolds(outer.train, 5, 1 + fold + 1)[0]! : splitByTimePerUser(outer.train, 0.2);
void split;

/** EASE pieces in users space: K, KX, pDiag; scores for a weighted history row. */
class EaseU {
  k: Float64Array;
  kx: Float64Array;
  p: Float64Array;
  constructor(
    readonly m: InteractionMatrix,
    readonly lambda: number,
  ) {
    const nU = m.users.length;
    const nI = m.items.length;
    const k = new Float64Array(nU * nU);
    for (let i = 0; i < nI; i++) {
      const col = m.colOf(i);
      for (const a of col) for (const b of col) k[a * nU + b]! += 1;
    }
    for (let u = 0; u < nU; u++) k[u * nU + u]! += lambda;
    invertSpd(k, nU);
    const kx = new Float64Array(nU * nI);
    for (let v = 0; v < nU; v++) for (let u = 0; u < nU; u++) {
      const c = k[v * nU + u]!;
      for (let p = m.userPtr[u]!; p < m.userPtr[u + 1]!; p++) kx[v * nI + m.itemsOf[p]!]! += c;
    }
    const pd = new Float64Array(nI);
    for (let i = 0; i < nI; i++) {
      let d = 0;
      for (const u of m.colOf(i)) d += kx[u * nI + i]!;
      pd[i] = (1 - d) / lambda;
    }
    this.k = k;
    this.kx = kx;
    this.p = pd;
  }
  /** Unseen-item scores of user u with history weights w (aligned with m.rowOf(u)); w = null: flat. */
  scores(u: number, w: Float64Array | null, out: Float64Array): Float64Array {
    const m = this.m;
    const nU = m.users.length;
    const nI = m.items.length;
    if (!w) {
      for (let i = 0; i < nI; i++) out[i] = -this.kx[u * nI + i]! / this.p[i]!;
      return out;
    }
    // M[u, :] = Σ_j w_j X[:, j]ᵀ ; MK ; (MK) X
    const mrow = new Float64Array(nU);
    const row = m.rowOf(u);
    for (let a = 0; a < row.length; a++) for (const v of m.colOf(row[a]!)) mrow[v]! += w[a]!;
    const mk = new Float64Array(nU);
    for (let v = 0; v < nU; v++) {
      const c = mrow[v]!;
      if (!c) continue;
      const o = v * nU;
      for (let x = 0; x < nU; x++) mk[x]! += c * this.k[o + x]!;
    }
    out.fill(0);
    for (let v = 0; v < nU; v++) {
      const c = mk[v]!;
      for (let p = m.userPtr[v]!; p < m.userPtr[v + 1]!; p++) out[m.itemsOf[p]!]! += c;
    }
    for (let i = 0; i < nI; i++) out[i] = out[i]! / (this.lambda * this.p[i]!);
    return out;
  }
}

/** RP3beta (α = 1) in user space: s[u, j] = Σ_v (Σ_{i∈u∩v} 1/deg i)/deg v · X[v, j] / deg(j)^β. */
function rp3(m: InteractionMatrix, u: number, beta: number, out: Float64Array): Float64Array {
  const nU = m.users.length;
  const c = new Float64Array(nU);
  for (const i of m.rowOf(u)) {
    const col = m.colOf(i);
    for (const v of col) c[v]! += 1 / col.length;
  }
  out.fill(0);
  for (let v = 0; v < nU; v++) {
    if (!c[v]) continue;
    const row = m.rowOf(v);
    const cv = c[v]! / row.length;
    for (const j of row) out[j]! += cv;
  }
  for (let j = 0; j < out.length; j++) {
    const d = m.itemPtr[j + 1]! - m.itemPtr[j]!;
    if (d) out[j] = out[j]! / Math.pow(d, beta);
  }
  return out;
}

function knn(m: InteractionMatrix) {
  const { idx, sim } = cosineNeighbourLists(m, 100);
  return (u: number, out: Float64Array) => {
    out.fill(0);
    for (const j of m.rowOf(u)) for (let r = 0; r < idx[j]!.length; r++) out[idx[j]![r]!]! += sim[j]![r]!;
    return out;
  };
}

/** Recency weights of u's row items (aligned with rowOf): 2^(-rank/h), rank 0 = newest. */
function recencyWeights(m: InteractionMatrix, xs: Interaction[], h: number): (u: number) => Float64Array {
  const byU = new Map<number, Map<number, number>>();
  const lists = new Map<string, Interaction[]>();
  for (const x of xs) (lists.get(x.user) ?? lists.set(x.user, []).get(x.user)!).push(x);
  for (const [user, l] of lists) {
    l.sort((a, b) => b.ts - a.ts || (a.item < b.item ? 1 : -1));
    const mp = new Map<number, number>();
    let r = 0;
    for (const x of l) {
      const i = m.itemIx.get(x.item)!;
      if (!mp.has(i)) mp.set(i, Math.pow(2, -r++ / h));
    }
    byU.set(m.userIx.get(user)!, mp);
  }
  return (u) => Float64Array.from(m.rowOf(u), (i) => byU.get(u)!.get(i)!);
}

const norm = (m: InteractionMatrix, u: number, s: Float64Array) => {
  let mx = 0;
  const seen = new Set(m.rowOf(u));
  for (let i = 0; i < s.length; i++) if (!seen.has(i) && s[i]! > mx) mx = s[i]!;
  const o = new Float64Array(s.length);
  if (mx > 0) for (let i = 0; i < s.length; i++) o[i] = s[i]! / mx;
  return o;
};

type Scorer = (u: number) => Float64Array;
interface Env {
  m: InteractionMatrix;
  xs: Interaction[];
  truth: Map<string, Set<string>>;
}
function evalRows(env: Env, scorer: Scorer): { users: string[]; n: number[] } {
  const users: string[] = [];
  const n: number[] = [];
  for (const [user, rel] of env.truth) {
    const u = env.m.userIx.get(user);
    if (u === undefined || !rel.size) continue;
    users.push(user);
    n.push(ndcgAt(topUnseen(env.m, u, scorer(u), 10), rel, 10));
  }
  return { users, n };
}
const mean = (a: number[]) => a.reduce((s, x) => s + x, 0) / a.length;

const outerM = new InteractionMatrix(outer.train);
const innerM = new InteractionMatrix(innerRaw.train, outerM.items);
const envs = { val: { m: innerM, xs: innerRaw.train, truth: group(innerRaw.test) }, test: { m: outerM, xs: outer.train, truth: group(outer.test) } };

// λ on validation
const lambdas = [10, 50, 200, 500, 1000];
let bestL = 0;
let bestV = -1;
const valEase = new Map<number, EaseU>();
for (const l of lambdas) {
  const e = new EaseU(innerM, l);
  const v = mean(evalRows(envs.val, (u) => e.scores(u, null, new Float64Array(innerM.items.length))).n);
  console.log(`λ ${l}: val ${v.toFixed(4)}`);
  valEase.set(l, e);
  if (v > bestV) (bestV = v), (bestL = l);
}
const eVal = valEase.get(bestL)!;
const eTest = new EaseU(outerM, bestL);
const buf = () => new Float64Array(outerM.items.length);
const base = evalRows(envs.test, (u) => eTest.scores(u, null, buf()));
console.log(`EASE λ ${bestL}: test ${mean(base.n).toFixed(4)}`);

function variant(name: string, grid: number[], make: (env: Env, ease: EaseU, p: number) => Scorer) {
  let bp = grid[0]!;
  let bv = -1;
  for (const p of grid) {
    const v = mean(evalRows(envs.val, make(envs.val, eVal, p)).n);
    const t = evalRows(envs.test, make(envs.test, eTest, p));
    const ci = pairedBootstrap(t.users, t.n, base.n, 500, 1);
    console.log(`${name} ${p}: val ${v.toFixed(4)} test ${mean(t.n).toFixed(4)} Δ ${ci.mean} [${ci.lo}, ${ci.hi}]`);
    if (v > bv) (bv = v), (bp = p);
  }
  console.log(`${name}: validation picks ${bp}`);
}

const which = (process.argv[4] ?? 'rec,rp3,knn').split(',');
if (which.includes('rec')) variant('recency-EASE h', [1e9, 400, 200, 100, 50, 25], (env, e, h) => {
  const w = recencyWeights(env.m, env.xs, h);
  return (u) => e.scores(u, w(u), buf());
});
if (which.includes('rp3')) {
  for (const beta of [0, 0.3, 0.5]) {
    variant(`RP3β=${beta} alone`, [1], (env) => (u) => rp3(env.m, u, beta, buf()));
  }
  variant('EASE + w·RP3(β .3)', [0, 0.1, 0.2, 0.35, 0.5, 1], (env, e, w) => (u) => {
    const a = norm(env.m, u, e.scores(u, null, buf()));
    const b = norm(env.m, u, rp3(env.m, u, 0.3, buf()));
    for (let i = 0; i < a.length; i++) a[i]! += w * b[i]!;
    return a;
  });
}
if (which.includes('knn')) {
  const kv = knn(envs.val.m);
  const kt = knn(envs.test.m);
  variant('EASE + w·kNN', [0, 0.1, 0.2, 0.35, 0.5], (env, e, w) => (u) => {
    const a = norm(env.m, u, e.scores(u, null, buf()));
    const b = norm(env.m, u, (env === envs.val ? kv : kt)(u, buf()));
    for (let i = 0; i < a.length; i++) a[i]! += w * b[i]!;
    return a;
  });
}
if (which.includes('pop')) {
  const popOf = (m: InteractionMatrix) => {
    const c = new Float64Array(m.items.length);
    for (let i = 0; i < c.length; i++) c[i] = m.itemPtr[i + 1]! - m.itemPtr[i]!;
    return c;
  };
  const pv = popOf(envs.val.m);
  const pt = popOf(envs.test.m);
  variant('EASE + w·pop', [0, 0.05, 0.1, 0.2, 0.35], (env, e, w) => (u) => {
    const a = norm(env.m, u, e.scores(u, null, buf()));
    const b = norm(env.m, u, Float64Array.from(env === envs.val ? pv : pt));
    for (let i = 0; i < a.length; i++) a[i]! += w * b[i]!;
    return a;
  });
}

/** iALS as the similarity job fits it (src/similarity/ials.ts). */
function ials(m: InteractionMatrix, f: number, alpha: number, lambda: number, iters: number): { U: Float64Array; V: Float64Array } {
  const x = new Ials(m, { dim: f, alpha, lambda, iterations: iters });
  return { U: x.userFactors, V: x.itemFactors };
}
if (which.includes('ials')) {
  const f = Number(process.argv[5] ?? 32);
  const fits = new Map<string, { U: Float64Array; V: Float64Array }>();
  const fitOf = (env: Env, a: number, l: number) => {
    const k = `${env === envs.val ? 'v' : 't'}${a}/${l}`;
    if (!fits.has(k)) {
      const t0 = performance.now();
      fits.set(k, ials(env.m, f, a, l, 10));
      console.error(`iALS ${k} f=${f} in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
    }
    return fits.get(k)!;
  };
  const sc = (env: Env, F: { U: Float64Array; V: Float64Array }) => (u: number) => {
    const o = buf();
    for (let i = 0; i < o.length; i++) {
      let s = 0;
      for (let d = 0; d < f; d++) s += F.U[u * f + d]! * F.V[i * f + d]!;
      o[i] = s;
    }
    return o;
  };
  for (const al of (process.argv[6] ?? '20,10').split(':')) {
  const [a, l] = al.split(',').map(Number) as [number, number];
  variant(`iALS α=${a} λ=${l} alone`, [1], (env) => sc(env, fitOf(env, a, l)));
  variant(`EASE + w·iALS(${a},${l})`, [0, 0.2, 0.5, 0.75, 1, 1.5], (env, e, w) => {
    const s2 = sc(env, fitOf(env, a, l));
    return (u) => {
      const x = norm(env.m, u, e.scores(u, null, buf()));
      const y = norm(env.m, u, s2(u));
      for (let i = 0; i < x.length; i++) x[i]! += w * y[i]!;
      return x;
    };
  });
  }
}
