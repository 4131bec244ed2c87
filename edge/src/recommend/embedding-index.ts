import { EmbeddingPointer, topKDot, type Scored } from '@vidplat/contracts';

/** Item embeddings of a tenant, trained offline, held in the isolate for nearest-neighbour search. */
export interface EmbeddingIndex {
  version: string;
  dim: number;
  ids: string[];
  matrix: Float32Array;
  rowOf: Map<string, number>;
  /** Inverted-file index for large catalogues (null: brute force). */
  ivf: Ivf | null;
}

/**
 * A small inverted-file ANN index: k-means cells over the item vectors; a query scans only the
 * cells whose centroids score highest for it. Built once per isolate when a version loads.
 */
export interface Ivf {
  k: number;
  centroids: Float32Array;
  /** Rows of each cell. */
  lists: Int32Array[];
}

/** Catalogues smaller than this are scanned whole (fast enough, and exact). */
export const IVF_MIN_ITEMS = 5_000;

export function buildIvf(matrix: Float32Array, dim: number, n: number, k = Math.max(8, Math.round(Math.sqrt(n) / 2)), iterations = 6): Ivf {
  const centroids = new Float32Array(k * dim);
  // Deterministic start: evenly spaced rows.
  for (let c = 0; c < k; c++) centroids.set(matrix.subarray(Math.floor((c * n) / k) * dim, (Math.floor((c * n) / k) + 1) * dim), c * dim);
  const assign = new Int32Array(n);
  for (let it = 0; it < iterations; it++) {
    for (let r = 0; r < n; r++) {
      let best = 0;
      let bestD = Infinity;
      for (let c = 0; c < k; c++) {
        let d = 0;
        for (let j = 0; j < dim; j++) {
          const x = matrix[r * dim + j]! - centroids[c * dim + j]!;
          d += x * x;
        }
        if (d < bestD) {
          bestD = d;
          best = c;
        }
      }
      assign[r] = best;
    }
    const sums = new Float64Array(k * dim);
    const counts = new Int32Array(k);
    for (let r = 0; r < n; r++) {
      const c = assign[r]!;
      counts[c]!++;
      for (let j = 0; j < dim; j++) sums[c * dim + j]! += matrix[r * dim + j]!;
    }
    for (let c = 0; c < k; c++) if (counts[c]) for (let j = 0; j < dim; j++) centroids[c * dim + j] = sums[c * dim + j]! / counts[c]!;
  }
  const buckets: number[][] = Array.from({ length: k }, () => []);
  for (let r = 0; r < n; r++) buckets[assign[r]!]!.push(r);
  return { k, centroids, lists: buckets.map((b) => Int32Array.from(b)) };
}

/** Top-k by dot product over the `nprobe` best cells (approximate; exact when nprobe = k). */
export function searchIvf(ix: Pick<EmbeddingIndex, 'matrix' | 'dim' | 'ids'> & { ivf: Ivf }, query: Float32Array, k: number, exclude: ReadonlySet<string>, nprobe = 8): Scored[] {
  const { ivf, dim } = ix;
  const cs: { c: number; s: number }[] = [];
  for (let c = 0; c < ivf.k; c++) {
    let s = 0;
    for (let j = 0; j < dim; j++) s += ivf.centroids[c * dim + j]! * query[j]!;
    cs.push({ c, s });
  }
  cs.sort((a, b) => b.s - a.s);
  const rows: number[] = [];
  for (const { c } of cs.slice(0, Math.min(nprobe, ivf.k))) for (const r of ivf.lists[c]!) rows.push(r);
  // Gather the probed rows and reuse the exact scan on them.
  const sub = new Float32Array(rows.length * dim);
  const subIds: string[] = new Array(rows.length);
  rows.forEach((r, i) => {
    sub.set(ix.matrix.subarray(r * dim, (r + 1) * dim), i * dim);
    subIds[i] = ix.ids[r]!;
  });
  return topKDot(sub, dim, subIds, query, k, exclude);
}

/** Nearest items to the query: IVF for large catalogues, brute force otherwise. */
export function nearestItems(ix: EmbeddingIndex, query: Float32Array, k: number, exclude: ReadonlySet<string>): Scored[] {
  return ix.ivf ? searchIvf({ ...ix, ivf: ix.ivf }, query, k, exclude) : topKDot(ix.matrix, ix.dim, ix.ids, query, k, exclude);
}

export const embeddingKeys = {
  pointer: (tenantId: string) => `emb:${tenantId}:current`,
  ids: (tenantId: string, version: string) => `emb:${tenantId}:${version}:ids`,
  vectors: (tenantId: string, version: string) => `emb:${tenantId}:${version}:vec`,
};

const CHECK_MS = 60_000;
const slots = new Map<string, { index: EmbeddingIndex | null; checkedAt: number; loading: Promise<void> | null; error: string | null }>();

async function load(kv: KVNamespace, tenantId: string): Promise<EmbeddingIndex | null> {
  const ptr = EmbeddingPointer.safeParse(await kv.get(embeddingKeys.pointer(tenantId), 'json'));
  if (!ptr.success) return null;
  const { version, dim, count } = ptr.data;
  const [ids, buf] = await Promise.all([
    kv.get<string[]>(embeddingKeys.ids(tenantId, version), 'json'),
    kv.get(embeddingKeys.vectors(tenantId, version), 'arrayBuffer'),
  ]);
  if (!ids || !buf || ids.length !== count || buf.byteLength !== count * dim * 4) throw new Error(`embedding version ${version} incomplete`);
  const matrix = new Float32Array(buf);
  return { version, dim, ids, matrix, rowOf: new Map(ids.map((id, i) => [id, i])), ivf: count >= IVF_MIN_ITEMS ? buildIvf(matrix, dim, count) : null };
}

/**
 * The tenant's embedding index, refreshed from KV at most once a minute (a new version replaces
 * the old one whole). Returns what the isolate has now; a first load is awaited up to waitMs.
 */
export async function embeddingIndex(kv: KVNamespace, tenantId: string, waitMs: number, now = Date.now()): Promise<{ index: EmbeddingIndex | null; note?: string }> {
  let slot = slots.get(tenantId);
  if (!slot) slots.set(tenantId, (slot = { index: null, checkedAt: 0, loading: null, error: null }));
  if (!slot.loading && now - slot.checkedAt >= CHECK_MS) {
    slot.checkedAt = now;
    const s = slot;
    s.loading = load(kv, tenantId)
      .then((ix) => {
        if (ix || !s.index) s.index = ix;
        s.error = null;
      })
      .catch((e) => {
        s.error = e instanceof Error ? e.message : String(e);
      })
      .finally(() => (s.loading = null));
  }
  if (slot.loading && !slot.index) await Promise.race([slot.loading, new Promise((r) => setTimeout(r, waitMs))]);
  return { index: slot.index, ...(slot.error ? { note: slot.error } : {}) };
}

/** The user's taste vector: mean of the embeddings of their recent items, newer ones weighing more. */
export function userVector(ix: EmbeddingIndex, recent: readonly string[]): Float32Array | null {
  const q = new Float32Array(ix.dim);
  let used = 0;
  recent.forEach((id, i) => {
    const r = ix.rowOf.get(id);
    if (r === undefined) return;
    const w = 1 / (1 + i * 0.2);
    for (let d = 0; d < ix.dim; d++) q[d]! += w * ix.matrix[r * ix.dim + d]!;
    used++;
  });
  return used ? q : null;
}

export function itemVector(ix: EmbeddingIndex, id: string): Float32Array | undefined {
  const r = ix.rowOf.get(id);
  return r === undefined ? undefined : ix.matrix.subarray(r * ix.dim, (r + 1) * ix.dim);
}
