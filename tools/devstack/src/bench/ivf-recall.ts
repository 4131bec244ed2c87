/**
 * What fewer IVF probes cost in recall quality (the embedding channel's `probes` setting):
 * `npx tsx tools/devstack/src/bench/ivf-recall.ts [ratings.csv]` (default: MovieLens
 * ml-latest-small under /work/shared/data). BPR item embeddings (16-d, as the trainer makes them)
 * on the first 80 % of each user's ratings (eval:recs' temporal split); per user, the edge's
 * query vector (userVector over the newest 100 training items) and its 100 nearest unseen items:
 * exact (every row) and through the edge's IVF with 1…k probed cells. Printed per probe count: the
 * share of the exact top 100 found, the held-out items found in the channel's 100 (the channel's
 * own recall), and vectors scanned per query.
 */
import { readFileSync } from 'node:fs';
import { topKDot } from '@vidplat/contracts';
import { trainBpr } from '@vidplat/stream/training/matrix-factorisation';
import { parseRatings, splitByTimePerUser } from '@vidplat/stream/evaluation/ratings';

// The edge's own IVF (imported at run time, as gen-edge-api imports the Worker's app: the edge's
// sources are not part of this project's type check).
interface Ivf {
  k: number;
}
interface Index {
  version: string;
  dim: number;
  ids: string[];
  matrix: Float32Array;
  rowOf: Map<string, number>;
  ivf: Ivf;
}
const { buildIvf, searchIvf, userVector } = (await import(new URL('../../../../edge/src/recommend/embedding-index.ts', import.meta.url).href)) as {
  buildIvf(matrix: Float32Array, dim: number, n: number): Ivf;
  searchIvf(ix: Index, query: Float32Array, k: number, exclude: ReadonlySet<string>, nprobe: number): { itemId: string; score: number }[];
  userVector(ix: Index, recent: readonly string[]): Float32Array | null;
};

const file = process.argv[2] ?? '/work/shared/data/ml-latest-small/ratings.csv';
const { ratings } = parseRatings(readFileSync(file, 'utf8'));
const { train, test } = splitByTimePerUser(ratings, 0.2);
const emb = trainBpr(train, { dim: 16, epochs: 15 });
const ids = emb.items;
const n = ids.length;
const ix: Index = { version: 'x', dim: emb.dim, ids, matrix: emb.itemVectors, rowOf: new Map(ids.map((id, i) => [id, i])), ivf: buildIvf(emb.itemVectors, emb.dim, n) };
const histories = new Map<string, { item: string; ts: number }[]>();
for (const x of train) (histories.get(x.user) ?? histories.set(x.user, []).get(x.user)!).push({ item: x.item, ts: x.ts });
const heldOut = new Map<string, Set<string>>();
for (const x of test) (heldOut.get(x.user) ?? heldOut.set(x.user, new Set()).get(x.user)!).add(x.item);
const probeCounts = [1, 2, 4, 8, 16, ix.ivf.k];
const found = new Map(probeCounts.map((p) => [p, { ofExact: 0, hits: 0, scanned: 0 }]));
let exactHits = 0;
let users = 0;
let heldTotal = 0;
for (const [user, h] of histories) {
  const held = heldOut.get(user);
  if (!held?.size) continue;
  const recent = [...new Set(h.sort((a, b) => b.ts - a.ts).map((x) => x.item))].slice(0, 100);
  const q = userVector(ix, recent);
  if (!q) continue;
  const seen = new Set(recent);
  const exact = topKDot(ix.matrix, ix.dim, ids, q, 100, seen);
  const exactIds = new Set(exact.map((x) => x.itemId));
  exactHits += exact.filter((x) => held.has(x.itemId)).length;
  heldTotal += held.size;
  users++;
  for (const p of probeCounts) {
    const got = searchIvf(ix, q, 100, seen, p);
    const f = found.get(p)!;
    f.ofExact += got.filter((x) => exactIds.has(x.itemId)).length / Math.max(1, exact.length);
    f.hits += got.filter((x) => held.has(x.itemId)).length;
  }
}
// Vectors scanned per query: the probed cells' sizes (average over cells × probes).
console.log(`${file}: ${n} items, IVF ${ix.ivf.k} cells (${(n / ix.ivf.k).toFixed(0)} vectors per cell), ${users} users, ${heldTotal} held-out items`);
console.log(`exact: held-out items in the channel's 100: ${exactHits} (${((100 * exactHits) / heldTotal).toFixed(2)} % of held-out)`);
const out: Record<string, unknown> = { items: n, cells: ix.ivf.k, users, exact_hits: exactHits };
for (const p of probeCounts) {
  const f = found.get(p)!;
  console.log(`probes ${String(p).padStart(3)}: ~${Math.round((p * n) / ix.ivf.k)} vectors scanned; ${((100 * f.ofExact) / users).toFixed(1)} % of the exact top 100; held-out hits ${f.hits} (${((100 * f.hits) / Math.max(1, exactHits)).toFixed(1)} % of exact's)`);
  out[`probes_${p}`] = { of_exact: Math.round((1000 * f.ofExact) / users) / 1000, hits: f.hits };
}
console.log(JSON.stringify({ bench: 'ivf-recall', ...out }));
