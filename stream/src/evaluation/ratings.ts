import type { Interaction } from '../training/interactions.js';
import { rng } from '../training/interactions.js';

/** A line of a ratings or movies file that cannot be read: the CLI exits 2 naming it. */
export class RatingsFileError extends Error {
  override name = 'RatingsFileError';
  constructor(
    readonly file: string,
    readonly line: number,
    readonly reason: string,
  ) {
    super(`${file}:${line}: ${reason}`);
  }
}

export interface ParsedRatings {
  ratings: Interaction[];
  /** Lines that could not be read. */
  errors: number;
  /** The first unreadable line (1-based) and why, when there is one. */
  firstError?: { line: number; reason: string };
}

/**
 * Parses MovieLens ratings: `u.data` (`user item rating timestamp`, tab- or space-separated, no
 * header) or `ratings.csv` (`userId,movieId,rating,timestamp`, a header, half-star ratings).
 * Timestamps are epoch seconds. Unreadable lines are counted, the first one kept with its reason.
 */
export function parseRatings(text: string): ParsedRatings {
  const ratings: Interaction[] = [];
  let errors = 0;
  let firstError: ParsedRatings['firstError'];
  const lines = text.split('\n');
  let start = 0;
  while (start < lines.length && !lines[start]!.trim()) start++;
  const csv = (lines[start] ?? '').includes(',');
  // A header: the first line's rating column is not a number.
  if (csv && lines[start] !== undefined && !Number.isFinite(Number(lines[start]!.split(',')[2]))) start++;
  for (let n = start; n < lines.length; n++) {
    const line = lines[n]!.trim();
    if (!line) continue;
    const f = csv ? line.split(',') : line.split(/\s+/);
    let reason: string | null = null;
    if (f.length !== 4) reason = `expected 4 fields (user, item, rating, timestamp), got ${f.length}`;
    const [u, i, r, t] = f;
    const rating = Number(r);
    const ts = Number(t);
    if (!reason && (!u || !i)) reason = 'empty user or item id';
    else if (!reason && (!r?.trim() || !Number.isFinite(rating))) reason = `rating ${JSON.stringify(r)} is not a number`;
    else if (!reason && (!t?.trim() || !Number.isFinite(ts))) reason = `timestamp ${JSON.stringify(t)} is not a number`;
    if (reason) {
      errors++;
      firstError ??= { line: n + 1, reason };
      continue;
    }
    ratings.push({ user: u!, item: i!, weight: rating, ts: ts * 1000 });
  }
  return { ratings, errors, ...(firstError ? { firstError } : {}) };
}

/**
 * MovieLens `movies.csv` (`movieId,title,genres`, titles may be quoted with commas inside, genres
 * separated by `|`): item → genres, the items' categories. "(no genres listed)" gives none.
 */
export function parseMovies(text: string, file = 'movies.csv'): Map<string, string[]> {
  const out = new Map<string, string[]>();
  const lines = text.split('\n');
  for (let n = 1; n < lines.length; n++) {
    const line = lines[n]!.replace(/\r$/, '');
    if (!line.trim()) continue;
    const firstComma = line.indexOf(',');
    const lastComma = line.lastIndexOf(',');
    if (firstComma <= 0 || lastComma === firstComma) throw new RatingsFileError(file, n + 1, 'expected movieId,title,genres');
    const genres = line.slice(lastComma + 1).trim();
    out.set(line.slice(0, firstComma).trim(), genres && genres !== '(no genres listed)' ? genres.split('|') : []);
  }
  return out;
}

/**
 * Temporal split per user: each user's last `testShare` of ratings (by time) are held out, so
 * the model never sees a user's future. Users with fewer than `minRatings` stay in training only.
 */
export function splitByTimePerUser(ratings: readonly Interaction[], testShare = 0.2, minRatings = 5): { train: Interaction[]; test: Interaction[] } {
  const train: Interaction[] = [];
  const test: Interaction[] = [];
  for (const l of usersInTimeOrder(ratings)) {
    const nTest = l.length >= minRatings ? Math.max(1, Math.round(l.length * testShare)) : 0;
    train.push(...l.slice(0, l.length - nTest));
    test.push(...l.slice(l.length - nTest));
  }
  return { train, test };
}

/** Each user's ratings, oldest first (ties by item), users in first-seen order. */
function usersInTimeOrder(ratings: readonly Interaction[]): Interaction[][] {
  const byUser = new Map<string, Interaction[]>();
  for (const r of ratings) {
    let l = byUser.get(r.user);
    if (!l) byUser.set(r.user, (l = []));
    l.push(r);
  }
  for (const l of byUser.values()) l.sort((a, b) => a.ts - b.ts || (a.item < b.item ? -1 : 1));
  return [...byUser.values()];
}

/**
 * k-fold random cross-validation over all ratings (seeded shuffle, folds of equal size): fold f
 * tests on the f-th slice and trains on the rest.
 */
export function randomFolds(ratings: readonly Interaction[], k: number, seed: number): { train: Interaction[]; test: Interaction[] }[] {
  const order = Array.from(ratings.keys());
  const rand = rng(seed);
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  const folds: { train: Interaction[]; test: Interaction[] }[] = [];
  for (let f = 0; f < k; f++) {
    const lo = Math.floor((order.length * f) / k);
    const hi = Math.floor((order.length * (f + 1)) / k);
    const train: Interaction[] = [];
    const test: Interaction[] = [];
    order.forEach((ix, pos) => (pos >= lo && pos < hi ? test : train).push(ratings[ix]!));
    folds.push({ train, test });
  }
  return folds;
}

/**
 * Leave-one-out (He et al. 2017, NCF): each user's latest interaction is the test item, ranked
 * against `negatives` items the user never interacted with, sampled uniformly (seeded). Users
 * with fewer than 2 interactions stay in training only.
 */
export function leaveLastOut(
  ratings: readonly Interaction[],
  negatives: number,
  seed: number,
): { train: Interaction[]; test: Interaction[]; candidates: Map<string, string[]> } {
  const items = [...new Set(ratings.map((r) => r.item))].sort();
  const rand = rng(seed);
  const train: Interaction[] = [];
  const test: Interaction[] = [];
  const candidates = new Map<string, string[]>();
  for (const l of usersInTimeOrder(ratings)) {
    if (l.length < 2) {
      train.push(...l);
      continue;
    }
    const last = l.at(-1)!;
    train.push(...l.slice(0, -1));
    test.push(last);
    const seen = new Set(l.map((x) => x.item));
    const want = Math.min(negatives, items.length - seen.size);
    const picked = new Set<string>();
    while (picked.size < want) {
      const it = items[Math.floor(rand() * items.length)]!;
      if (!seen.has(it)) picked.add(it);
    }
    candidates.set(last.user, [last.item, ...picked]);
  }
  return { train, test, candidates };
}
