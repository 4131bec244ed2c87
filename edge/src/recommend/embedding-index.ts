import { EmbeddingPointer } from '@vidplat/contracts';

/** Item embeddings of a tenant, trained offline, held in the isolate for nearest-neighbour search. */
export interface EmbeddingIndex {
  version: string;
  dim: number;
  ids: string[];
  matrix: Float32Array;
  rowOf: Map<string, number>;
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
  return { version, dim, ids, matrix, rowOf: new Map(ids.map((id, i) => [id, i])) };
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
