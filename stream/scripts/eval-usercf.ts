/**
 * Does user-based CF by profile vector help? (issue 18, point 4). A small offline check on
 * MovieLens ml-latest-small (genres as the categories the stream's profile vectors hold):
 * per user, the last 20 % of interactions by time are the test set. Channels, as recommend uses them:
 * - hot: most-interacted items of the training data;
 * - item_cf: co-occurrence cosine neighbours of the user's 5 latest training items (latest counts most);
 * - user_cf: the 50 users whose profile vectors (category shares, max-scaled, as
 *   stream/src/jobs/user-profiles/profile-vector.ts writes them) are closest by cosine; their
 *   items scored by similarity.
 * Prints Recall@20 / NDCG@20 of each channel and of the weighted merge with and without user_cf
 * (scores normalised per channel by their best, as contracts' mergeRecall does). Last line JSON.
 * Usage: npx tsx stream/scripts/eval-usercf.ts [/work/shared/data/ml-latest-small]
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.argv[2] ?? '/work/shared/data/ml-latest-small';
const K = 20;
const genres = new Map<string, string[]>();
for (const line of readFileSync(join(dir, 'movies.csv'), 'utf8').split('\n').slice(1)) {
  if (!line.trim()) continue;
  const id = line.slice(0, line.indexOf(','));
  genres.set(id, line.slice(line.lastIndexOf(',') + 1).trim().split('|'));
}
const byUser = new Map<string, { item: string; t: number }[]>();
for (const line of readFileSync(join(dir, 'ratings.csv'), 'utf8').split('\n').slice(1)) {
  const [u, i, , t] = line.split(',');
  if (!u || !i || !t) continue;
  let l = byUser.get(u);
  if (!l) byUser.set(u, (l = []));
  l.push({ item: i, t: Number(t) });
}
const train = new Map<string, string[]>(); // oldest first
const test = new Map<string, Set<string>>();
for (const [u, l] of byUser) {
  l.sort((a, b) => a.t - b.t);
  const cut = Math.floor(l.length * 0.8);
  train.set(u, l.slice(0, cut).map((x) => x.item));
  test.set(u, new Set(l.slice(cut).map((x) => x.item)));
}
type Scores = Map<string, number>;
const pop: Scores = new Map();
for (const l of train.values()) for (const i of l) pop.set(i, (pop.get(i) ?? 0) + 1);
// Item-CF: co-occurrence cosine over training users.
const usersOf = new Map<string, Set<string>>();
for (const [u, l] of train) for (const i of l) (usersOf.get(i) ?? usersOf.set(i, new Set()).get(i)!).add(u);
const nbrCache = new Map<string, [string, number][]>();
function neighbours(item: string): [string, number][] {
  let n = nbrCache.get(item);
  if (n) return n;
  const co = new Map<string, number>();
  for (const u of usersOf.get(item) ?? []) for (const j of train.get(u)!) if (j !== item) co.set(j, (co.get(j) ?? 0) + 1);
  const a = usersOf.get(item)?.size ?? 1;
  n = [...co].map(([j, c]) => [j, c / Math.sqrt(a * usersOf.get(j)!.size)] as [string, number]).sort((x, y) => y[1] - x[1]).slice(0, 100);
  nbrCache.set(item, n);
  return n;
}
// Profile vectors: category shares of the user's training items, max-scaled.
const profile = new Map<string, Map<string, number>>();
for (const [u, l] of train) {
  const v = new Map<string, number>();
  for (const i of l) for (const g of genres.get(i) ?? []) v.set(g, (v.get(g) ?? 0) + 1);
  const max = Math.max(1, ...v.values());
  for (const [g, x] of v) v.set(g, x / max);
  profile.set(u, v);
}
const norm = (v: Map<string, number>) => Math.sqrt([...v.values()].reduce((s, x) => s + x * x, 0));
function cos(a: Map<string, number>, b: Map<string, number>): number {
  let d = 0;
  for (const [k, x] of a) d += x * (b.get(k) ?? 0);
  return d / (norm(a) * norm(b) || 1);
}
function channels(u: string): Record<'hot' | 'item_cf' | 'user_cf', Scores> {
  const seen = new Set(train.get(u));
  const hot: Scores = new Map([...pop].filter(([i]) => !seen.has(i)).sort((a, b) => b[1] - a[1]).slice(0, 200));
  const itemCf: Scores = new Map();
  train.get(u)!.slice(-5).reverse().forEach((s, k) => {
    for (const [j, sim] of neighbours(s)) if (!seen.has(j)) itemCf.set(j, Math.max(itemCf.get(j) ?? 0, sim / (1 + 0.3 * k)));
  });
  const me = profile.get(u)!;
  const near = [...profile].filter(([v]) => v !== u).map(([v, p]) => [v, cos(me, p)] as [string, number]).sort((a, b) => b[1] - a[1]).slice(0, 50);
  const userCf: Scores = new Map();
  for (const [v, sim] of near) for (const i of train.get(v)!) if (!seen.has(i)) userCf.set(i, (userCf.get(i) ?? 0) + sim);
  return { hot, item_cf: itemCf, user_cf: userCf };
}
function merge(parts: [Scores, number][]): string[] {
  const out = new Map<string, number>();
  for (const [s, w] of parts) {
    const max = Math.max(0, ...s.values());
    if (max <= 0) continue;
    for (const [i, x] of s) out.set(i, (out.get(i) ?? 0) + (w * x) / max);
  }
  return [...out].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, K).map(([i]) => i);
}
const top = (s: Scores) => [...s].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1)).slice(0, K).map(([i]) => i);
const variants: Record<string, (c: ReturnType<typeof channels>) => string[]> = {
  hot: (c) => top(c.hot),
  item_cf: (c) => top(c.item_cf),
  user_cf: (c) => top(c.user_cf),
  'hot+item_cf': (c) => merge([[c.hot, 1], [c.item_cf, 1.5]]),
  'hot+item_cf+user_cf': (c) => merge([[c.hot, 1], [c.item_cf, 1.5], [c.user_cf, 1]]),
};
const sums = Object.fromEntries(Object.keys(variants).map((k) => [k, { recall: 0, ndcg: 0 }]));
let users = 0;
for (const u of train.keys()) {
  const rel = test.get(u)!;
  if (!rel.size || train.get(u)!.length < 5) continue;
  users++;
  const c = channels(u);
  for (const [name, f] of Object.entries(variants)) {
    const list = f(c);
    let hits = 0;
    let dcg = 0;
    list.forEach((i, r) => {
      if (rel.has(i)) {
        hits++;
        dcg += 1 / Math.log2(r + 2);
      }
    });
    let idcg = 0;
    for (let r = 0; r < Math.min(K, rel.size); r++) idcg += 1 / Math.log2(r + 2);
    sums[name]!.recall += hits / Math.min(K, rel.size);
    sums[name]!.ndcg += dcg / idcg;
  }
}
const result = Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, { recall_at_20: Number((v.recall / users).toFixed(4)), ndcg_at_20: Number((v.ndcg / users).toFixed(4)) }]));
for (const [k, v] of Object.entries(result)) console.log(`${k.padEnd(22)} Recall@20 ${v.recall_at_20.toFixed(4)}  NDCG@20 ${v.ndcg_at_20.toFixed(4)}`);
console.log(JSON.stringify({ eval: 'usercf', users, ...result }));
