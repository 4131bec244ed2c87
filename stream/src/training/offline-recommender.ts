import {
  heuristicScores,
  ITEM_CF_SEEDS,
  itemCfListDepth,
  itemCfRecallScores,
  mergeRecall,
  rankLimitFor,
  RANKING_FEATURE_COUNT,
  recency,
  rerankMmr,
  topKDot,
  writeFeatures,
  type Candidate,
  type ChannelResult,
  type RecallChannelName,
  type Scored,
} from '@vidplat/contracts';
import { byUser, type Interaction } from './interactions.js';
import { itemCfNeighbours } from './item-cf.js';
import { userCfLists } from '../similarity/user-cf.js';
import { trainBpr, type Embeddings } from './matrix-factorisation.js';
import { predict, type LrModel } from './logistic-regression.js';
import type { RowScorer } from './deep/ranker-choice.js';

export interface ChannelConfig {
  name: RecallChannelName;
  weight: number;
  size: number;
}

export interface OfflineOptions {
  channels: ChannelConfig[];
  halfLifeHours: number;
  diversityLambda: number;
  freshnessBoost: number;
  /**
   * Item-item neighbour lists for item-CF recall, as published to the feature store (e.g. EASE's,
   * see similarity/ease.ts); default: the cosine co-occurrence build (itemCfNeighbours).
   */
  neighbours?: ReadonlyMap<string, Scored[]>;
  /** Neighbours kept per item by the cosine build. */
  neighbourK?: number;
  /** Per-user user_cf lists as published (default: userCfLists over the history). */
  userCf?: ReadonlyMap<string, Scored[]>;
  embeddingDim?: number;
  embeddingEpochs?: number;
  categories?: ReadonlyMap<string, readonly string[]>;
  /**
   * The edge's serving-cost settings (scenario rerank.rankPerItem / rankMin / mmrPoolPerItem):
   * with rankPerItem or rankMin set, only the best rankLimitFor(n) candidates by recall are ranked,
   * as at the edge (unset: the best 500); mmrPoolPerItem sizes the MMR pool (default 4).
   */
  rankPerItem?: number;
  rankMin?: number;
  mmrPoolPerItem?: number;
}

export const DEFAULT_CHANNELS: ChannelConfig[] = [
  { name: 'hot', weight: 1, size: 100 },
  { name: 'item_cf', weight: 1.5, size: 100 },
  { name: 'embedding', weight: 1.2, size: 100 },
  { name: 'fresh', weight: 0.5, size: 50 },
  { name: 'user_cf', weight: 1, size: 100 },
];

/**
 * The edge pipeline run offline on a history of interactions: the same recall channels, merge,
 * features (contracts' writeFeatures), ranking and MMR re-rank, so that the trainer learns on the
 * features the edge serves and the evaluation measures what the edge would recommend.
 */
export class OfflineRecommender {
  readonly users: Map<string, Interaction[]>;
  readonly neighbours: ReadonlyMap<string, Scored[]>;
  readonly userCf: ReadonlyMap<string, Scored[]>;
  readonly embeddings: Embeddings | null;
  readonly hot: Scored[];
  readonly fresh: { itemId: string; publishedAt: number }[];
  readonly publishedAt: Map<string, number>;
  private readonly rowOf: Map<string, number>;
  readonly nowMs: number;

  constructor(
    history: readonly Interaction[],
    readonly o: OfflineOptions,
  ) {
    this.users = byUser(history);
    this.nowMs = history.reduce((m, x) => Math.max(m, x.ts), 0) + 1;
    const size = (c: RecallChannelName) => o.channels.find((x) => x.name === c)?.size ?? 0;
    // Lists in the order the edge reads them from the feature store (ZREVRANGE: score descending,
    // equal scores by member descending), so ties among recalled items break as they do there.
    this.neighbours = size('item_cf') ? inStoreOrder(o.neighbours ?? itemCfNeighbours(history, o.neighbourK ?? 50)) : new Map();
    // Published per user best first (ZREVRANGE order, as the item-CF lists).
    this.userCf = size('user_cf') ? inStoreOrder(o.userCf ?? userCfLists(history, { size: Math.max(100, size('user_cf')) })) : new Map();
    this.embeddings = size('embedding') ? trainBpr(history, { dim: o.embeddingDim ?? 16, epochs: o.embeddingEpochs ?? 15 }) : null;
    this.rowOf = new Map((this.embeddings?.items ?? []).map((id, i) => [id, i]));
    // Heat decays with the same half-life the edge uses for freshness.
    const heat = new Map<string, number>();
    this.publishedAt = new Map();
    for (const x of history) {
      heat.set(x.item, (heat.get(x.item) ?? 0) + x.weight * recency(x.ts, this.nowMs, o.halfLifeHours * 4));
      this.publishedAt.set(x.item, Math.min(this.publishedAt.get(x.item) ?? Infinity, x.ts));
    }
    this.hot = [...heat].map(([itemId, score]) => ({ itemId, score })).sort((a, b) => b.score - a.score || (a.itemId < b.itemId ? -1 : 1));
    this.fresh = [...this.publishedAt].map(([itemId, publishedAt]) => ({ itemId, publishedAt })).sort((a, b) => b.publishedAt - a.publishedAt);
  }

  /** The last user's recall and candidates: the evaluation asks for each channel and several rankers in a row. */
  private memo: { user: string; channels: ChannelResult[]; cands?: { cands: Candidate[]; features: Float32Array } } | null = null;
  private freshScored: Scored[] | null = null;

  /** Each channel's candidates for a user, seen items removed (as the edge filters them). Do not mutate the result. */
  recall(user: string): ChannelResult[] {
    if (this.memo?.user === user) return this.memo.channels;
    const channels = this.recallOf(user);
    this.memo = { user, channels };
    return channels;
  }

  private recallOf(user: string): ChannelResult[] {
    const recent = [...(this.users.get(user) ?? [])].reverse().map((x) => x.item);
    const seen = new Set(recent);
    const size = (c: RecallChannelName) => this.o.channels.find((x) => x.name === c)?.size ?? 0;
    const take = (xs: Scored[], n: number) => {
      const out: Scored[] = [];
      for (const x of xs) {
        if (out.length >= n) break;
        if (!seen.has(x.itemId)) out.push(x);
      }
      return out;
    };
    const out: ChannelResult[] = [];
    if (size('hot')) out.push({ channel: 'hot', items: take(this.hot, size('hot')) });
    if (size('item_cf')) {
      // The edge's seeding: the whole recent history (newest first), recency-weighted sums.
      const seeds = [...new Set(recent)].slice(0, ITEM_CF_SEEDS);
      out.push({ channel: 'item_cf', items: itemCfRecallScores(seeds.map((sd) => (this.neighbours.get(sd) ?? []).slice(0, itemCfListDepth(size('item_cf')))), seen, size('item_cf')) });
    }
    if (size('embedding') && this.embeddings) {
      const e = this.embeddings;
      const q = new Float32Array(e.dim);
      let used = 0;
      [...new Set(recent)].slice(0, 50).forEach((id, i) => {
        const r = this.rowOf.get(id);
        if (r === undefined) return;
        const w = 1 / (1 + i * 0.2);
        for (let d = 0; d < e.dim; d++) q[d]! += w * e.itemVectors[r * e.dim + d]!;
        used++;
      });
      out.push({ channel: 'embedding', items: used ? topKDot(e.itemVectors, e.dim, e.items, q, size('embedding'), seen) : [] });
    }
    if (size('user_cf')) out.push({ channel: 'user_cf', items: take(this.userCf.get(user) ?? [], size('user_cf')) });
    if (size('fresh')) {
      this.freshScored ??= this.fresh.map((f) => ({ itemId: f.itemId, score: recency(f.publishedAt, this.nowMs, this.o.halfLifeHours) }));
      out.push({ channel: 'fresh', items: take(this.freshScored, size('fresh')) });
    }
    return out;
  }

  private userCategories(user: string): Map<string, number> {
    const m = new Map<string, number>();
    for (const x of (this.users.get(user) ?? []).slice(-20)) for (const c of this.o.categories?.get(x.item) ?? []) m.set(c, (m.get(c) ?? 0) + 1);
    return m;
  }

  /** Merged candidates with their ranking features (rows in candidate order). */
  candidates(user: string, channels = this.recall(user)): { cands: Candidate[]; features: Float32Array } {
    const memo = this.memo?.user === user && this.memo.channels === channels ? this.memo : null;
    if (memo?.cands) return memo.cands;
    const r = this.candidatesOf(user, channels);
    if (memo) memo.cands = r;
    return r;
  }

  private candidatesOf(user: string, channels: ChannelResult[]): { cands: Candidate[]; features: Float32Array } {
    const weights = Object.fromEntries(this.o.channels.map((c) => [c.name, c.weight]));
    const cands = mergeRecall(channels, weights).slice(0, 500);
    const features = new Float32Array(cands.length * RANKING_FEATURE_COUNT);
    const total = this.o.channels.reduce((s, c) => s + c.weight, 0);
    const cats = this.userCategories(user);
    cands.forEach((c, i) =>
      writeFeatures(features, i, c, { publishedAt: this.publishedAt.get(c.itemId) ?? null, categories: this.o.categories?.get(c.itemId) ?? [] }, cats, total, this.nowMs, this.o.halfLifeHours),
    );
    return { cands, features };
  }

  /** Full pipeline: recall → merge → rank (model or heuristic) → MMR/freshness re-rank. */
  recommend(user: string, n: number, model: LrModel | RowScorer | null): Scored[] {
    const all = this.candidates(user);
    // The edge's rank cut (candidates are in recall order), when the options ask for it.
    const cut = this.o.rankPerItem !== undefined || this.o.rankMin !== undefined ? Math.min(all.cands.length, rankLimitFor(n, this.o)) : all.cands.length;
    const cands = cut < all.cands.length ? all.cands.slice(0, cut) : all.cands;
    const features = all.features;
    const scores = !model ? heuristicScores(features, cands.length) : 'scores' in model ? model.scores(features, cands.length) : Float32Array.from(cands, (_, i) => predict(model, features, i));
    const e = this.embeddings;
    return rerankMmr(
      cands.map((c, i) => {
        const r = this.rowOf.get(c.itemId);
        return {
          itemId: c.itemId,
          score: scores[i]!,
          categories: this.o.categories?.get(c.itemId) ?? [],
          publishedAt: this.publishedAt.get(c.itemId) ?? null,
          embedding: e && r !== undefined ? e.itemVectors.subarray(r * e.dim, (r + 1) * e.dim) : undefined,
        };
      }),
      { n, poolPerItem: this.o.mmrPoolPerItem, lambda: this.o.diversityLambda, freshnessBoost: this.o.freshnessBoost, freshnessHalfLifeHours: this.o.halfLifeHours, nowMs: this.nowMs },
    );
  }
}

/** Neighbour lists re-sorted as a sorted set returns them by ZREVRANGE (ids compared as the store's bytes; equal for ASCII ids). */
function inStoreOrder(lists: ReadonlyMap<string, Scored[]>): Map<string, Scored[]> {
  const byScoreThenIdDesc = (a: Scored, b: Scored) => b.score - a.score || (a.itemId < b.itemId ? 1 : a.itemId > b.itemId ? -1 : 0);
  return new Map([...lists].map(([k, l]) => [k, [...l].sort(byScoreThenIdDesc)]));
}

export interface RankingDataset {
  x: Float32Array;
  y: Uint8Array;
  /** The user (as a small integer) each row belongs to: pairwise training pairs rows within a user. */
  groups: Int32Array;
  rows: number;
}

/**
 * Training rows for the ranking model: for each user with later positives, the merged recall
 * candidates (features as served) labelled 1 if the user engaged with them later; extra negatives
 * (e.g. impressed but not clicked) are added as candidates too. Negatives are subsampled.
 */
export function rankingDataset(
  rec: OfflineRecommender,
  positives: ReadonlyMap<string, ReadonlySet<string>>,
  extraNegatives: ReadonlyMap<string, ReadonlySet<string>> = new Map(),
  negPerPos = 10,
  seed = 11,
): RankingDataset {
  let s = seed >>> 0;
  const rand = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 4294967296);
  const rows: number[][] = [];
  const labels: number[] = [];
  const groups: number[] = [];
  let group = -1;
  for (const [user, pos] of positives) {
    group++;
    const channels = rec.recall(user);
    const known = new Set(channels.flatMap((c) => c.items.map((x) => x.itemId)));
    // Impressed-but-not-clicked items the channels did not find still teach the model.
    const extra = [...(extraNegatives.get(user) ?? [])].filter((id) => !known.has(id) && !pos.has(id));
    const { cands, features } = rec.candidates(user, channels);
    const nPos = cands.filter((c) => pos.has(c.itemId)).length;
    if (!nPos) continue;
    const keepNeg = Math.min(1, (nPos * negPerPos) / Math.max(1, cands.length - nPos));
    cands.forEach((c, i) => {
      const y = pos.has(c.itemId) ? 1 : 0;
      if (!y && rand() > keepNeg) return;
      rows.push(Array.from(features.subarray(i * RANKING_FEATURE_COUNT, (i + 1) * RANKING_FEATURE_COUNT)));
      labels.push(y);
      groups.push(group);
    });
    for (const id of extra.slice(0, negPerPos)) {
      const f = new Float32Array(RANKING_FEATURE_COUNT);
      writeFeatures(f, 0, { itemId: id, recall: 0, channels: {} }, { publishedAt: rec.publishedAt.get(id) ?? null, categories: [] }, new Map(), 1, rec.nowMs, rec.o.halfLifeHours);
      rows.push(Array.from(f));
      labels.push(0);
      groups.push(group);
    }
  }
  return { x: Float32Array.from(rows.flat()), y: Uint8Array.from(labels), groups: Int32Array.from(groups), rows: labels.length };
}
