/**
 * Diagnostic (issue 17): where does the item-CF channel lose against full EASE scoring?
 * Per protocol split, EASE (λ given) scored in full vs the served item-CF channel with its seeds /
 * recency / neighbour-depth variants. Usage: npx tsx stream/scripts/diag-itemcf.ts temporal|random5 [lambda]
 */
import { readFileSync } from 'node:fs';
import type { Scored } from '@vidplat/contracts';
import { Ease, topUnseen } from '../src/similarity/ease.js';
import { InteractionMatrix } from '../src/similarity/interaction-matrix.js';
import { byUser, type Interaction } from '../src/training/interactions.js';
import { ndcgAt } from '../src/evaluation/metrics.js';
import { parseRatings, randomFolds, splitByTimePerUser } from '../src/evaluation/ratings.js';

const protocol = process.argv[2] ?? 'random5';
const lambda = Number(process.argv[3] ?? (protocol === 'random5' ? 200 : 500));
const ratings = parseRatings(readFileSync('/work/shared/data/ml-latest-small/ratings.csv', 'utf8')).ratings;
let train: Interaction[];
let test: Interaction[];
if (protocol === 'random5') ({ train, test } = randomFolds(ratings, 5, 1)[0]!);
else ({ train, test } = splitByTimePerUser(ratings, 0.2));
const minRating = protocol === 'temporal' ? 4 : -Infinity;
const truth = new Map<string, Set<string>>();
for (const x of test) if (x.weight >= minRating) (truth.get(x.user) ?? truth.set(x.user, new Set()).get(x.user)!).add(x.item);
const m = new InteractionMatrix(train);
const t0 = performance.now();
const model = new Ease(m, lambda);
console.error(`EASE λ=${lambda} ${model.space} in ${(performance.now() - t0) | 0} ms`);
const lists = new Map<number, Map<string, Scored[]>>();
for (const k of [100]) lists.set(k, model.neighbours(k));
console.error('neighbours built');
const users = byUser(train);
const buf = new Float64Array(m.items.length);
function channel(user: string, seeds: number, halfLife: number, depth: number): string[] {
  const recent = [...users.get(user)!].reverse().map((x) => x.item);
  const seen = new Set(recent);
  const nb = lists.get(depth)!;
  const score = new Map<string, number>();
  [...new Set(recent)].slice(0, seeds).forEach((s, r) => {
    const w = halfLife > 0 ? Math.pow(2, -r / halfLife) : 1;
    for (const x of nb.get(s) ?? []) if (!seen.has(x.itemId)) score.set(x.itemId, (score.get(x.itemId) ?? 0) + w * x.score);
  });
  return [...score].sort((a, b) => b[1] - a[1]).slice(0, 10).map((x) => x[0]);
}
const variants: [string, (u: string) => string[]][] = [
  ['ease full', (u) => topUnseen(m, m.userIx.get(u)!, model.userScoresInto(m.userIx.get(u)!, buf), 10)],
  ['seeds100 hl25 depth100 (served)', (u) => channel(u, 100, 25, 100)],
  ['seeds100 flat depth100', (u) => channel(u, 100, 0, 100)],
  ['seedsAll flat depth100', (u) => channel(u, 1e9, 0, 100)],
];
// User-kNN over the whole training history: cosine of binary item sets, k nearest users, items scored Σ sim.
const nU = m.users.length;
function userKnnScores(u: number, k: number, alpha: number): Map<string, number> {
  const co = new Float64Array(nU);
  for (const i of m.rowOf(u)) for (const v of m.colOf(i)) co[v]! += 1;
  co[u] = 0;
  const size = (v: number) => m.rowOf(v).length;
  const sims: [number, number][] = [];
  for (let v = 0; v < nU; v++) if (co[v]) sims.push([v, co[v]! / (Math.pow(size(u), alpha) * Math.pow(size(v), 1 - alpha))]);
  sims.sort((a, b) => b[1] - a[1]);
  const seen = new Set(m.rowOf(u));
  const out = new Map<number, number>();
  for (const [v, s] of sims.slice(0, k)) for (const i of m.rowOf(v)) if (!seen.has(i)) out.set(i, (out.get(i) ?? 0) + s);
  return new Map([...out].sort((a, b) => b[1] - a[1]).slice(0, 100).map(([i, s]) => [m.items[i]!, s]));
}
function easeList(u: number): Map<string, number> {
  const sc = model.userScoresInto(u, buf);
  const seen = new Set(m.rowOf(u));
  const idx: number[] = [];
  for (let i = 0; i < sc.length; i++) if (!seen.has(i)) idx.push(i);
  idx.sort((a, b) => sc[b]! - sc[a]!);
  return new Map(idx.slice(0, 100).map((i) => [m.items[i]!, sc[i]!]));
}
function cfMap(user: string): Map<string, number> {
  const recent = [...users.get(user)!].reverse().map((x) => x.item);
  const seen = new Set(recent);
  const nb = lists.get(100)!;
  const score = new Map<string, number>();
  [...new Set(recent)].slice(0, 100).forEach((s, r) => {
    const w = Math.pow(2, -r / 25);
    for (const x of nb.get(s) ?? []) if (!seen.has(x.itemId)) score.set(x.itemId, (score.get(x.itemId) ?? 0) + w * x.score);
  });
  return new Map([...score].sort((a, b) => b[1] - a[1]).slice(0, 100));
}
function mergeTop(parts: [Map<string, number>, number][]): string[] {
  const out = new Map<string, number>();
  for (const [s, w] of parts) {
    const max = Math.max(0, ...s.values());
    if (max <= 0) continue;
    for (const [i, x] of s) out.set(i, (out.get(i) ?? 0) + (w * Math.max(0, x)) / max);
  }
  return [...out].sort((a, b) => b[1] - a[1]).slice(0, 10).map((x) => x[0]);
}
const top10 = (s: Map<string, number>) => [...s.keys()].slice(0, 10);
variants.push(
  ['userknn k50', (u) => top10(userKnnScores(m.userIx.get(u)!, 50, 0.5))],
  ['userknn k100', (u) => top10(userKnnScores(m.userIx.get(u)!, 100, 0.5))],
  ['cf(served)+userknn100 1:1', (u) => mergeTop([[cfMap(u), 1], [userKnnScores(m.userIx.get(u)!, 100, 0.5), 1]])],
  ['cf(served)+easeList 1:1', (u) => mergeTop([[cfMap(u), 1], [easeList(m.userIx.get(u)!), 1]])],
  ['cf(served)+easeList 1:2', (u) => mergeTop([[cfMap(u), 1], [easeList(m.userIx.get(u)!), 2]])],
  ['easeList+userknn100 2:1', (u) => mergeTop([[easeList(m.userIx.get(u)!), 2], [userKnnScores(m.userIx.get(u)!, 100, 0.5), 1]])],
);
const sums = new Map<string, number>();
let n = 0;
for (const [user, rel] of truth) {
  if (!rel.size || !m.userIx.has(user)) continue;
  n++;
  for (const [name, f] of variants) sums.set(name, (sums.get(name) ?? 0) + ndcgAt(f(user), rel, 10));
}
console.log(`${protocol} (${protocol === 'random5' ? 'fold 1 of 5' : '80/20'}), λ ${lambda}, ${n} users, NDCG@10:`);
for (const [name, s] of sums) console.log(`  ${name.padEnd(34)} ${(s / n).toFixed(4)}`);
