import { channelMaxScore, normalisedRecallScore, type ItemFeatures, type RecallChannelName, type Scored } from '@vidplat/contracts';
import { kthLargest } from './select.js';
import { itemNumbers, NumberSlots } from './item-numbers.js';

/** A recall channel's eligible items with their features and item numbers, index for index. */
export interface ChannelColumns {
  channel: RecallChannelName;
  items: Scored[];
  feats: ItemFeatures[];
  nums: Int32Array;
  /** itemNumbers.generation the nums belong to. */
  gen: number;
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
  /** Normalised score per channel, 4 per row in CHANNEL_ORDER; NaN where the channel did not recall the item. */
  ch: Float64Array;
}

export const CHANNEL_ORDER = ['hot', 'item_cf', 'embedding', 'fresh'] as const;
const COLUMN: Record<RecallChannelName, number> = { hot: 0, item_cf: 1, embedding: 2, fresh: 3 };

/** Shared scratch: the merge and the item-CF recall are synchronous passes. */
const slots = new NumberSlots();

/**
 * contracts' mergeRecallInto in columns: the same normalisation, weights, best-score-per-channel
 * rule and the same sums in the same order, so recall scores are bit-identical; duplicates found
 * by item number instead of a Map, and no object per candidate.
 */
export function mergeColumns(results: readonly ChannelColumns[], weights: Partial<Record<RecallChannelName, number>>): MergedColumns {
  let cap = 0;
  for (const r of results) cap += r.items.length;
  const ids: string[] = [];
  const feats: ItemFeatures[] = [];
  const recall = new Float64Array(cap);
  const rowNums = new Int32Array(cap);
  const ch = new Float64Array(cap * 4).fill(NaN);
  let count = 0;
  // Numbers from before a reset of the table are recomputed (a reset needs 2M distinct ids).
  for (let g = -1; g !== itemNumbers.generation; ) {
    g = itemNumbers.generation;
    for (const r of results) {
      if (r.gen !== g) {
        r.nums = itemNumbers.ofAll(r.items);
        r.gen = g;
      }
    }
  }
  slots.begin(itemNumbers.size);
  for (const r of results) {
    const w = weights[r.channel] ?? 0;
    const items = r.items;
    const len = items.length;
    if (!len || w <= 0) continue;
    const max = channelMaxScore(items);
    const col = COLUMN[r.channel];
    const nums = r.nums;
    for (let rank = 0; rank < len; rank++) {
      const it = items[rank]!;
      const norm = normalisedRecallScore(it.score, max, rank, len);
      const n = nums[rank]!;
      let row: number;
      if (slots.seen(n)) row = slots.slot[n]!;
      else {
        row = count++;
        slots.mark(n, row);
        rowNums[row] = n;
        ids.push(it.itemId);
        feats.push(r.feats[rank]!);
      }
      const at = row * 4 + col;
      const prev = ch[at]!;
      if (prev !== prev || norm > prev) {
        recall[row]! += w * (norm - (prev !== prev ? 0 : prev));
        ch[at] = norm;
      }
    }
  }
  return { count, ids, nums: rowNums, feats, recall, ch };
}

/** The channels that recalled row `row`, in merge order (what channelsOf gives for the candidate). */
export function channelsOfRow(m: MergedColumns, row: number): string[] {
  const out: string[] = [];
  for (let k = 0; k < 4; k++) if (m.ch[row * 4 + k] === m.ch[row * 4 + k]) out.push(CHANNEL_ORDER[k]!);
  return out;
}

/** A channel score, undefined where the channel did not recall the row. */
export const channelScore = (m: MergedColumns, row: number, k: number): number | undefined => {
  const v = m.ch[row * 4 + k]!;
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
export function bestRows(m: MergedColumns, limit: number): Int32Array {
  const { count, recall, ids } = m;
  if (count <= limit) {
    const all = new Int32Array(count);
    for (let r = 0; r < count; r++) all[r] = r;
    return all;
  }
  const cut = kthLargest(recall.slice(0, count), count, limit);
  const out = new Int32Array(limit);
  let k = 0;
  const ties: number[] = [];
  for (let r = 0; r < count; r++) {
    if (recall[r]! > cut) out[k++] = r;
    else if (recall[r] === cut) ties.push(r);
  }
  ties.sort((a, b) => (ids[a]! < ids[b]! ? -1 : 1));
  for (let t = 0; t < ties.length && k < limit; t++) out[k++] = ties[t]!;
  return out.subarray(0, k);
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

/**
 * Item-CF recall: each unseen neighbour's best score over the seed lists (the latest seed's
 * neighbours count most), the `size` best, ties in first-seen order — what a Map, a stable sort
 * and a slice give, with duplicates found by item number and objects only for the items returned.
 */
export function itemCfRecall(lists: readonly NeighbourList[], seen: ReadonlySet<string>, size: number): { items: Scored[]; nums: Int32Array; gen: number } {
  let total = 0;
  for (const list of lists) total += list.ids.length;
  const numLists: Int32Array[] = [];
  const seenNums: number[] = [];
  // Every number before the pass starts (and all from one generation of the table).
  for (let g = -1; g !== itemNumbers.generation; ) {
    g = itemNumbers.generation;
    numLists.length = 0;
    seenNums.length = 0;
    for (const id of seen) seenNums.push(itemNumbers.of(id));
    for (const list of lists) numLists.push(numsOf(list));
  }
  const scores = new Float64Array(total);
  const found = new Int32Array(total);
  const ids: string[] = [];
  slots.begin(itemNumbers.size);
  // Seen items: marked with slot -1, skipped wherever they occur.
  for (const n of seenNums) slots.mark(n, -1);
  for (let i = 0; i < lists.length; i++) {
    const list = lists[i]!;
    const nums = numLists[i]!;
    const decay = 1 / (1 + i * 0.3);
    for (let j = 0; j < list.ids.length; j++) {
      const n = nums[j]!;
      const s = list.scores[j]! * decay;
      if (slots.seen(n)) {
        const at = slots.slot[n]!;
        if (at >= 0) scores[at] = Math.max(scores[at]!, s);
      } else {
        slots.mark(n, ids.length);
        scores[ids.length] = Math.max(0, s);
        found[ids.length] = n;
        ids.push(list.ids[j]!);
      }
    }
  }
  const count = ids.length;
  if (size <= 0 || !count) return { items: [], nums: new Int32Array(0), gen: itemNumbers.generation };
  let order: Int32Array;
  if (count > size) {
    // Only rows at or above the size-th best score can be returned: sort just those.
    const cut = kthLargest(scores.slice(0, count), count, size);
    let m = 0;
    for (let r = 0; r < count; r++) if (scores[r]! >= cut) m++;
    order = new Int32Array(m);
    m = 0;
    for (let r = 0; r < count; r++) if (scores[r]! >= cut) order[m++] = r;
  } else {
    order = new Int32Array(count);
    for (let r = 0; r < count; r++) order[r] = r;
  }
  order.sort((a, b) => scores[b]! - scores[a]! || a - b);
  const k = Math.min(size, order.length);
  const items = new Array<Scored>(k);
  const nums = new Int32Array(k);
  for (let i = 0; i < k; i++) {
    items[i] = { itemId: ids[order[i]!]!, score: scores[order[i]!]! };
    nums[i] = found[order[i]!]!;
  }
  return { items, nums, gen: itemNumbers.generation };
}
