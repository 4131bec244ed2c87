import type { ItemFeatures, RerankItem } from '@vidplat/contracts';
import { emptyMerged, ScoredColumns, type MergedColumns } from './candidates.js';

/**
 * Grow-only buffers for one recommend request: recall columns, features per candidate, eligible
 * indexes, merged columns, the rank cut, feature matrix, recency and the re-rank items. Buffers
 * that live across an await (the feature-store reads, the embedding index, the ONNX run) cannot be
 * shared by the requests one isolate serves concurrently, so each request checks a scratch out of
 * a small pool for its whole run and returns it at the end; the isolate keeps as many as requests
 * were ever in flight at once (up to POOL_MAX). Nothing a request returns may point into it.
 * The feature matrix must be per request too: onnxruntime-web copies its input into wasm memory
 * only after several awaits inside session.run.
 */
export class RequestScratch {
  readonly cf = new ScoredColumns();
  readonly emb = new ScoredColumns();
  readonly fresh = new ScoredColumns();
  readonly ucf = new ScoredColumns();
  readonly cfFeats: (ItemFeatures | undefined)[] = [];
  readonly embFeats: (ItemFeatures | undefined)[] = [];
  readonly freshFeats: (ItemFeatures | undefined)[] = [];
  readonly ucfFeats: (ItemFeatures | undefined)[] = [];
  /** Eligible indexes per channel, CHANNEL_ORDER. */
  readonly keep = [new Int32Array(256), new Int32Array(256), new Int32Array(256), new Int32Array(256), new Int32Array(256)];
  readonly merged: MergedColumns = emptyMerged();
  rows = new Int32Array(512);
  features = new Float32Array(512 * 9);
  recency = new Float64Array(512);
  /** Re-rank items, reused object for object (every field rewritten per request). */
  readonly ranked: RerankItem[] = [];

  /** The eligible-index buffer of channel column `c` with room for n. */
  keepFor(c: number, n: number): Int32Array {
    if (this.keep[c]!.length < n) this.keep[c] = new Int32Array(Math.max(n, this.keep[c]!.length * 2));
    return this.keep[c]!;
  }

  /** Room for `n` ranked candidates of `width` features each. */
  reserveRank(n: number, width: number): void {
    if (this.rows.length < n) this.rows = new Int32Array(Math.max(n, this.rows.length * 2));
    if (this.recency.length < n) this.recency = new Float64Array(Math.max(n, this.recency.length * 2));
    if (this.features.length < n * width) this.features = new Float32Array(Math.max(n * width, this.features.length * 2));
    for (let i = this.ranked.length; i < n; i++) this.ranked.push({ itemId: '', score: 0, categories: [], publishedAt: null, recency: 0, embeddingRow: undefined });
  }
}

const POOL_MAX = 16;
const pool: RequestScratch[] = [];

/** A scratch for this request alone until it is handed back with releaseScratch. */
export function takeScratch(): RequestScratch {
  return pool.pop() ?? new RequestScratch();
}

export function releaseScratch(s: RequestScratch): void {
  if (pool.length < POOL_MAX) pool.push(s);
}
