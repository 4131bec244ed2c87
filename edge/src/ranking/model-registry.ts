import { RANKING_FEATURE_COUNT, RANKING_INPUT, RANKING_OUTPUT, ModelPointer } from '@vidplat/contracts';
import type { InferenceSession } from 'onnxruntime-web';
import { refreshHold } from '../tenancy/swr-cache.js';

/**
 * The runtime (14 MB of wasm) is loaded on first use only: isolates that never rank with a model
 * never pay for it. The .wasm is the static import wrangler bundles, unless one was handed over
 * (the workerd test pool cannot import a .wasm from node_modules and passes it in).
 */
let wasmBinding: WebAssembly.Module | null = null;
export function useOrtWasmModule(m: WebAssembly.Module | undefined): void {
  if (m) wasmBinding ??= m;
}
let runtime: Promise<ReturnType<typeof import('./ort-runtime.js')['onnxRuntime']>> | null = null;
async function onnxRuntime() {
  runtime ??= (async () => {
    const { onnxRuntime: init } = await import('./ort-runtime.js');
    const wasm = wasmBinding ?? (await import('./ort-wasm.js')).default;
    return init(wasm);
  })();
  return runtime;
}

/** A loaded ranking model: one ONNX session per isolate, reused by every request. */
export interface LoadedModel {
  modelId: string;
  version: string;
  session: InferenceSession;
  /**
   * Inputs it reads: the first featureCount of RANKING_FEATURES (default all). Features are only
   * ever appended, so a model trained before the last ones arrived keeps serving on its prefix.
   */
  featureCount?: number;
}

export type ModelState =
  | { ok: true; model: LoadedModel; note?: string }
  | { ok: false; reason: string };

interface Slot {
  model: LoadedModel | null;
  /** Version we last tried and rejected: not retried until the pointer moves. */
  rejected: string | null;
  rejectReason: string | null;
  checkedAt: number;
  loading: Promise<void> | null;
}

/** How often an isolate looks for a new model version in KV (hot swap without a deploy). */
export const MODEL_CHECK_MS = 30_000;
const slots = new Map<string, Slot>();

export const modelKeys = {
  pointer: (tenantId: string, modelId: string) => `model:${tenantId}:${modelId}:current`,
  bytes: (tenantId: string, modelId: string, version: string) => `model:${tenantId}:${modelId}:${version}`,
};

/** The k of a model's declared input [N, k]; throws unless 1 ≤ k ≤ RANKING_FEATURE_COUNT. */
function declaredFeatureCount(session: InferenceSession): number {
  const meta = session.inputMetadata.find((m) => m.name === RANKING_INPUT);
  const shape = meta?.isTensor ? meta.shape : undefined;
  const k = shape?.length === 2 ? shape[1] : undefined;
  if (typeof k !== 'number') throw new Error(`input "${RANKING_INPUT}" must be declared [N, k] with a fixed k (is [${shape?.join(', ') ?? '?'}])`);
  if (!(k >= 1 && k <= RANKING_FEATURE_COUNT)) throw new Error(`model expects ${k} features, edge computes ${RANKING_FEATURE_COUNT}`);
  return k;
}

/**
 * Creates a session and checks it is a ranking model this edge can feed: input `features`
 * float32 [N, k] with k ≤ RANKING_FEATURE_COUNT (it gets the first k features), output `score`
 * with one value per row, finite on a probe.
 */
export async function verifiedModel(bytes: Uint8Array): Promise<{ session: InferenceSession; featureCount: number }> {
  const ort = await onnxRuntime();
  const session = await ort.InferenceSession.create(bytes, { executionProviders: ['wasm'], graphOptimizationLevel: 'all' });
  try {
    if (!session.inputNames.includes(RANKING_INPUT)) throw new Error(`model has no input "${RANKING_INPUT}" (has ${session.inputNames.join(', ')})`);
    if (!session.outputNames.includes(RANKING_OUTPUT)) throw new Error(`model has no output "${RANKING_OUTPUT}" (has ${session.outputNames.join(', ')})`);
    const k = declaredFeatureCount(session);
    const probe = new ort.Tensor('float32', new Float32Array(2 * k).fill(0.5), [2, k]);
    const out = (await session.run({ [RANKING_INPUT]: probe }))[RANKING_OUTPUT]!;
    const data = out.data as Float32Array;
    if (data.length !== 2 || ![...data].every(Number.isFinite)) throw new Error(`probe output has ${data.length} values, expected 2 finite scores`);
    return { session, featureCount: k };
  } catch (e) {
    await session.release().catch(() => undefined);
    throw e;
  }
}

/** verifiedModel's session (for callers that feed every feature). */
export async function verifiedSession(bytes: Uint8Array): Promise<InferenceSession> {
  return (await verifiedModel(bytes)).session;
}

async function refresh(kv: KVNamespace, tenantId: string, modelId: string, slot: Slot): Promise<void> {
  const ptr = ModelPointer.safeParse(await kv.get(modelKeys.pointer(tenantId, modelId), 'json'));
  if (!ptr.success) {
    if (!slot.model) slot.rejectReason = 'no model pointer in KV';
    return;
  }
  const version = ptr.data.version;
  if (slot.model?.version === version || slot.rejected === version) return;
  try {
    if (ptr.data.featureCount > RANKING_FEATURE_COUNT) throw new Error(`model expects ${ptr.data.featureCount} features, edge computes ${RANKING_FEATURE_COUNT}`);
    const bytes = await kv.get(modelKeys.bytes(tenantId, modelId, version), 'arrayBuffer');
    if (!bytes) throw new Error(`model bytes for version ${version} missing`);
    const { session, featureCount } = await verifiedModel(new Uint8Array(bytes));
    if (featureCount !== ptr.data.featureCount) {
      await session.release().catch(() => undefined);
      throw new Error(`pointer says ${ptr.data.featureCount} features, the model's input has ${featureCount}`);
    }
    const old = slot.model;
    slot.model = { modelId, version, session, featureCount };
    slot.rejected = null;
    slot.rejectReason = null;
    // Requests already holding the old session finish with it; release it a little later.
    if (old) setTimeout(() => void old.session.release().catch(() => undefined), 5_000);
  } catch (e) {
    slot.rejected = version;
    slot.rejectReason = `version ${version} rejected: ${e instanceof Error ? e.message : String(e)}`;
    console.warn('ranking model rejected', tenantId, modelId, slot.rejectReason);
  }
}

/**
 * The current model of a tenant/model id. Checks KV at most every MODEL_CHECK_MS; a new version
 * replaces the session only after it verified, otherwise the previous one keeps serving.
 * `waitMs` bounds how long a request waits for a first load (~400 ms session creation).
 */
export async function currentModel(kv: KVNamespace, tenantId: string, modelId: string, waitMs: number, now = Date.now()): Promise<ModelState> {
  const key = `${tenantId}/${modelId}`;
  let slot = slots.get(key);
  if (!slot) slots.set(key, (slot = { model: null, rejected: null, rejectReason: null, checkedAt: 0, loading: null }));
  if (!slot.loading && now - slot.checkedAt >= MODEL_CHECK_MS && !(refreshHold.frozen && slot.model)) {
    slot.checkedAt = now;
    const s = slot;
    s.loading = refresh(kv, tenantId, modelId, s).finally(() => (s.loading = null));
  }
  if (slot.loading && !slot.model) {
    await Promise.race([slot.loading, new Promise((r) => setTimeout(r, waitMs))]);
  }
  if (slot.model) return { ok: true, model: slot.model, ...(slot.rejectReason ? { note: slot.rejectReason } : {}) };
  return { ok: false, reason: slot.loading ? 'model still loading' : (slot.rejectReason ?? 'model unavailable') };
}

/** Rows [0, n) of an n × RANKING_FEATURE_COUNT matrix cut to their first k columns. */
function firstColumns(features: Float32Array, n: number, k: number): Float32Array {
  const out = new Float32Array(n * k);
  for (let r = 0; r < n; r++) out.set(features.subarray(r * RANKING_FEATURE_COUNT, r * RANKING_FEATURE_COUNT + k), r * k);
  return out;
}

/** Scores N rows of features (N × RANKING_FEATURE_COUNT) with the model (which may read only the first k). */
export async function scoreWithModel(m: LoadedModel, features: Float32Array, n: number): Promise<Float32Array> {
  const ort = await onnxRuntime();
  const k = m.featureCount ?? RANKING_FEATURE_COUNT;
  const input = k === RANKING_FEATURE_COUNT ? features.subarray(0, n * k) : firstColumns(features, n, k);
  const out = await m.session.run({ [RANKING_INPUT]: new ort.Tensor('float32', input, [n, k]) });
  const data = out[RANKING_OUTPUT]!.data as Float32Array;
  if (data.length !== n) throw new Error(`model returned ${data.length} scores for ${n} rows`);
  return data;
}

/** Resolves when every model check in flight has finished (tests and warm-up). */
export async function modelChecksSettled(): Promise<void> {
  await Promise.all([...slots.values()].map((s) => s.loading));
}

/** Test hook: forget every loaded model of this isolate. */
export function resetModelsForTest(): void {
  slots.clear();
}
