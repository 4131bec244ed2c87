import { itemCfSeedWeight, normalisedRecallScore, RECALL_COLUMNS, type ItemFeatures, type RecallChannelName, type Scored } from '@vidplat/contracts';
import { kthLargest, sortRowsByScore } from './select.js';
import { itemNumbers, NumberSlots } from './item-numbers.js';

/**
 * A recall channel's items as columns (ids, scores, features, item numbers, index for index over
 * [0, len)) and which of them are eligible: keep[0..count) are their indexes in recall order
 * (keep null: the first `count` all are). Nothing is copied to filter a channel.
 */
export interface ChannelColumns {
  channel: RecallChannelName;
  ids: readonly string[];
  scores: ArrayLike<number>;
  feats: readonly (ItemFeatures | undefined)[];
  nums: Int32Array;
  /** itemNumbers.generation the nums belong to. */
  gen: number;
  /** Items in the columns (nums covers them all). */
  len: number;
  keep: Int32Array | null;
  count: number;
}

/**
 * A recall result in grow-only columns (ids, scores, item numbers; the first `count` are valid),
 * reused by the requests that hold it: no object per recalled item.
 */
export class ScoredColumns {
  ids: string[] = [];
  scores = new Float64Array(64);
  nums = new Int32Array(64);
  count = 0;
  /** itemNumbers.generation the nums belong to. */
  gen = 0;

  /** Room for n rows (contents kept). */
  reserve(n: number): void {
    if (this.scores.length < n) {
      const c = Math.max(n, this.scores.length * 2);
      const scores = new Float64Array(c);
      scores.set(this.scores);
      const nums = new Int32Array(c);
      nums.set(this.nums);
      this.scores = scores;
      this.nums = nums;
    }
  }

  /** The rows as Scored objects (tests, debug listings). */
  toScored(limit = this.count): Scored[] {
    const out = new Array<Scored>(Math.min(limit, this.count));
    for (let i = 0; i < out.length; i++) out[i] = { itemId: this.ids[i]!, score: this.scores[i]! };
    return out;
  }
}

/** The merged candidates in columns, in first-seen order (what mergeRecallUnsorted gives, row for row). */
export interface MergedColumns {
  count: number;
  ids: string[];
  /** Item number of each row. */
  nums: Int32Array;
  /** Features of the first channel that proposed the item. */
  feats: ItemFeatures[];
  /** Weighted merge score. */
  recall: Float64Array;
  /** Normalised score per channel, RECALL_COLUMNS per row in CHANNEL_ORDER; NaN where the channel did not recall the item. */
  ch: Float64Array;
}

export const CHANNEL_ORDER = ['hot', 'item_cf', 'embedding', 'fresh', 'user_cf'] as const;
const COLUMN: Record<RecallChannelName, number> = { hot: 0, item_cf: 1, embedding: 2, fresh: 3, user_cf: 4 };
const W = RECALL_COLUMNS;

/** Shared scratch: the merge and the item-CF recall are synchronous passes. */
const slots = new NumberSlots();

/** An empty MergedColumns to merge into, reused by one request at a time (see mergeColumns). */
export const emptyMerged = (): MergedColumns => ({ count: 0, ids: [], nums: new Int32Array(0), feats: [], recall: new Float64Array(0), ch: new Float64Array(0) });

/**
 * contracts' mergeRecallInto in columns: the same normalisation, weights, best-score-per-channel
 * rule and the same sums in the same order, so recall scores are bit-identical; duplicates found
 * by item number instead of a Map, and no object per candidate. Writes into `into` (its arrays
 * grown when too short, rows past `count` are stale), so a request can reuse one.
 */
export function mergeColumns(results: readonly ChannelColumns[], weights: Partial<Record<RecallChannelName, number>>, into: MergedColumns = emptyMerged()): MergedColumns {
  let cap = 0;
  for (const r of results) cap += r.count;
  if (into.recall.length < cap) {
    const c = Math.max(cap, into.recall.length * 2);
    into.recall = new Float64Array(c);
    into.nums = new Int32Array(c);
    into.ch = new Float64Array(c * W);
  }
  const { ids, feats, recall, nums: rowNums, ch } = into;
  recall.fill(0, 0, cap);
  ch.fill(NaN, 0, cap * W);
  let count = 0;
  // Numbers from before a reset of the table are recomputed (a reset needs 2M distinct ids).
  for (let g = -1; g !== itemNumbers.generation; ) {
    g = itemNumbers.generation;
    for (const r of results) {
      if (r.gen !== g) {
        r.nums = itemNumbers.ofIds(r.ids, r.len);
        r.gen = g;
      }
    }
  }
  slots.begin(itemNumbers.size);
  for (const r of results) {
    const w = weights[r.channel] ?? 0;
    const len = r.count;
    if (!len || w <= 0) continue;
    const { ids: rIds, scores, keep, nums } = r;
    // channelMaxScore over the eligible items.
    let max = 0;
    for (let k = 0; k < len; k++) max = Math.max(max, scores[keep ? keep[k]! : k]!);
    const col = COLUMN[r.channel];
    for (let rank = 0; rank < len; rank++) {
      const i = keep ? keep[rank]! : rank;
      const norm = normalisedRecallScore(scores[i]!, max, rank, len);
      const n = nums[i]!;
      let row: number;
      if (slots.seen(n)) row = slots.slot[n]!;
      else {
        row = count++;
        slots.mark(n, row);
        rowNums[row] = n;
        ids[row] = rIds[i]!;
        feats[row] = r.feats[i]!;
      }
      const at = row * W + col;
      const prev = ch[at]!;
      if (prev !== prev || norm > prev) {
        recall[row]! += w * (norm - (prev !== prev ? 0 : prev));
        ch[at] = norm;
      }
    }
  }
  into.count = count;
  return into;
}

/** The channels that recalled row `row`, in merge order (what channelsOf gives for the candidate). */
export function channelsOfRow(m: MergedColumns, row: number): string[] {
  const out: string[] = [];
  for (let k = 0; k < W; k++) if (m.ch[row * W + k] === m.ch[row * W + k]) out.push(CHANNEL_ORDER[k]!);
  return out;
}

/**
 * channelsOfRow as one shared, frozen list per combination of channels (2^W at most): the response
 * only serialises it, so no array per returned item. Frozen, so a caller cannot change another's.
 */
const CHANNEL_SETS: readonly string[][] = Array.from({ length: 1 << W }, (_, mask) => Object.freeze(CHANNEL_ORDER.filter((_, k) => mask & (1 << k))) as string[]);
/** Typed string[] for the response contract (RecommendResponse items); the array is frozen all the same. */
export function sharedChannelsOfRow(m: MergedColumns, row: number): string[] {
  let mask = 0;
  for (let k = 0; k < W; k++) if (m.ch[row * W + k] === m.ch[row * W + k]) mask |= 1 << k;
  return CHANNEL_SETS[mask]!;
}

/** A channel score, undefined where the channel did not recall the row. */
export const channelScore = (m: MergedColumns, row: number, k: number): number | undefined => {
  const v = m.ch[row * W + k]!;
  return v === v ? v : undefined;
};

/** All rows in byRecall order (best recall first; ties by id). */
export function rowsByRecall(m: MergedColumns): Int32Array {
  const order = new Int32Array(m.count);
  for (let r = 0; r < m.count; r++) order[r] = r;
  const { recall, ids } = m;
  return order.sort((a, b) => recall[b]! - recall[a]! || (ids[a]! < ids[b]! ? -1 : 1));
}

/**
 * The rows of the `limit` best candidates by recall (the same set as sorting by byRecall and
 * slicing): all rows when they fit; else a quickselect finds the cut-off, rows above it in merge
 * order, then ties at it by id.
 */
export function bestRows(m: MergedColumns, limit: number, out?: Int32Array): Int32Array {
  const { count, recall, ids } = m;
  const rows = out && out.length >= Math.min(count, limit) ? out : new Int32Array(Math.min(count, limit));
  if (count <= limit) {
    for (let r = 0; r < count; r++) rows[r] = r;
    return rows.subarray(0, count);
  }
  const cut = kthLargest(selectScratch(recall, count), count, limit);
  let k = 0;
  let ties: number[] | null = null;
  for (let r = 0; r < count; r++) {
    if (recall[r]! > cut) rows[k++] = r;
    else if (recall[r] === cut) (ties ??= []).push(r);
  }
  if (ties) {
    ties.sort((a, b) => (ids[a]! < ids[b]! ? -1 : 1));
    for (let t = 0; t < ties.length && k < limit; t++) rows[k++] = ties[t]!;
  }
  return rows.subarray(0, k);
}

/** A copy of a[0..n) for quickselect to reorder (one grow-only buffer: callers are synchronous). */
let selectBuf = new Float64Array(1024);
function selectScratch(a: Float64Array, n: number): Float64Array {
  if (selectBuf.length < n) selectBuf = new Float64Array(Math.max(n, selectBuf.length * 2));
  selectBuf.set(a.subarray(0, n));
  return selectBuf;
}

/** Compact neighbour list of one seed; nums are the ids' item numbers (filled on first use). */
export interface NeighbourList {
  ids: string[];
  scores: Float64Array;
  nums?: Int32Array;
  numsGeneration?: number;
}

function numsOf(list: NeighbourList): Int32Array {
  if (!list.nums || list.numsGeneration !== itemNumbers.generation) {
    const nums = new Int32Array(list.ids.length);
    for (let j = 0; j < nums.length; j++) nums[j] = itemNumbers.of(list.ids[j]!);
    list.nums = nums;
    list.numsGeneration = itemNumbers.generation;
  }
  return list.nums;
}

/** itemCfRecall's per-pass buffers (one pass at a time: it is synchronous). */
const cf = { scores: new Float64Array(1024), found: new Int32Array(1024), order: new Int32Array(1024), sortTmp: new Int32Array(1024), ids: [] as string[], seenNums: [] as number[], numLists: [] as Int32Array[] };

/**
 * Item-CF recall: each unseen neighbour's score summed over the seed lists, seed r weighted by
 * contracts' itemCfSeedWeight(r) (lists[r]: the seed at recency rank r), the `size` best, ties in
 * first-seen order — exactly contracts' itemCfRecallScores (tests compare them bit for bit), with
 * duplicates found by item number and no object per item (the seeding over 100 items allocates
 * nothing per item): the result is written into `out` (ids, scores, item numbers).
 */
export function itemCfRecall(lists: readonly NeighbourList[], seen: ReadonlySet<string>, size: number, out: ScoredColumns = new ScoredColumns()): ScoredColumns {
  let total = 0;
  for (const list of lists) total += list.ids.length;
  const { numLists, seenNums } = cf;
  // Every number before the pass starts (and all from one generation of the table).
  for (let g = -1; g !== itemNumbers.generation; ) {
    g = itemNumbers.generation;
    numLists.length = 0;
    seenNums.length = 0;
    for (const id of seen) seenNums.push(itemNumbers.of(id));
    for (const list of lists) numLists.push(numsOf(list));
  }
  if (cf.scores.length < total) {
    const c = Math.max(total, cf.scores.length * 2);
    cf.scores = new Float64Array(c);
    cf.found = new Int32Array(c);
    cf.order = new Int32Array(c);
  }
  const { scores, found, ids } = cf;
  let count = 0;
  slots.begin(itemNumbers.size);
  // Seen items: marked with slot -1, skipped wherever they occur.
  for (const n of seenNums) slots.mark(n, -1);
  for (let i = 0; i < lists.length; i++) {
    const list = lists[i]!;
    const nums = numLists[i]!;
    const w = itemCfSeedWeight(i);
    if (w === 0) break;
    for (let j = 0; j < list.ids.length; j++) {
      const n = nums[j]!;
      const s = list.scores[j]! * w;
      if (slots.seen(n)) {
        const at = slots.slot[n]!;
        if (at >= 0) scores[at]! += s;
      } else {
        slots.mark(n, count);
        scores[count] = 0 + s;
        found[count] = n;
        ids[count++] = list.ids[j]!;
      }
    }
  }
  numLists.length = 0;
  out.count = 0;
  out.gen = itemNumbers.generation;
  if (size <= 0 || !count) return out;
  let m = 0;
  if (count > size) {
    // Only rows at or above the size-th best score can be returned: sort just those.
    const cut = kthLargest(selectScratch(scores, count), count, size);
    for (let r = 0; r < count; r++) if (scores[r]! >= cut) cf.order[m++] = r;
  } else {
    for (let r = 0; r < count; r++) cf.order[r] = r;
    m = count;
  }
  // Best first, ties by first-seen row.
  if (cf.sortTmp.length < m) cf.sortTmp = new Int32Array(cf.order.length);
  sortRowsByScore(cf.order, m, scores, cf.sortTmp);
  const order = cf.order;
  const k = Math.min(size, m);
  out.reserve(k);
  for (let i = 0; i < k; i++) {
    const r = order[i]!;
    out.ids[i] = ids[r]!;
    out.scores[i] = scores[r]!;
    out.nums[i] = found[r]!;
  }
  out.count = k;
  return out;
}
