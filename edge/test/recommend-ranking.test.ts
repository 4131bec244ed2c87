import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { logisticRegressionOnnx, RANKING_FEATURE_COUNT, type ModelPointer } from '@vidplat/contracts';
import { beforeAll } from 'vitest';
import { currentModel, modelChecksSettled, modelKeys, MODEL_CHECK_MS, scoreWithModel, verifiedSession } from '../src/ranking/model-registry.js';
import { loadOrtWasmForTests } from './recommend-fixtures/ort.js';

// Loading and compiling the 14 MB runtime takes seconds on a busy machine.
beforeAll(loadOrtWasmForTests, 120_000);

const sigmoid = (x: number) => 1 / (1 + Math.exp(-x));
const lr = (seed: number) => ({ weights: Array.from({ length: RANKING_FEATURE_COUNT }, (_, i) => ((i + seed) % 5) - 2), bias: seed * 0.1 });

async function publish(tenant: string, modelId: string, version: string, bytes: Uint8Array, featureCount: number = RANKING_FEATURE_COUNT) {
  await env.MODELS.put(modelKeys.bytes(tenant, modelId, version), bytes);
  const ptr: ModelPointer = { version, featureCount, input: 'features', output: 'score', trainedAt: new Date().toISOString() };
  await env.MODELS.put(modelKeys.pointer(tenant, modelId), JSON.stringify(ptr));
}

describe('ONNX ranking with onnxruntime-web inside workerd', () => {
  it('runs a logistic-regression model written by the trainer\'s exporter and matches the maths', async () => {
    const m = lr(3);
    const session = await verifiedSession(logisticRegressionOnnx(m));
    const rows = 5;
    const x = Float32Array.from({ length: rows * RANKING_FEATURE_COUNT }, (_, i) => ((i * 7) % 11) / 10);
    const scores = await scoreWithModel({ modelId: 'm', version: 'v', session }, x, rows);
    for (let r = 0; r < rows; r++) {
      let z = m.bias;
      for (let f = 0; f < RANKING_FEATURE_COUNT; f++) z += m.weights[f]! * x[r * RANKING_FEATURE_COUNT + f]!;
      expect(scores[r]).toBeCloseTo(sigmoid(z), 5);
    }
  });

  it('hot-swaps versions from KV only after verifying the input signature', async () => {
    const t = 'onnx-swap';
    let now = 1_000_000;
    expect(await currentModel(env.MODELS, t, 'ctr', 5_000, now)).toMatchObject({ ok: false, reason: 'no model pointer in KV' });

    await publish(t, 'ctr', 'v1', logisticRegressionOnnx(lr(1)));
    now += MODEL_CHECK_MS;
    const v1 = await currentModel(env.MODELS, t, 'ctr', 5_000, now);
    expect(v1.ok && v1.model.version).toBe('v1');

    // A model for more features than the edge computes is refused; v1 keeps serving and the reason
    // is kept. (Fewer is served on the first k features: recommend-wide-deep.test.ts.)
    const wide = RANKING_FEATURE_COUNT + 3;
    await publish(t, 'ctr', 'v2', logisticRegressionOnnx({ weights: Array.from({ length: wide }, () => 1), bias: 0 }), wide);
    now += MODEL_CHECK_MS;
    await currentModel(env.MODELS, t, 'ctr', 5_000, now);
    await modelChecksSettled();
    const afterV2 = await currentModel(env.MODELS, t, 'ctr', 5_000, now + 1);
    expect(afterV2.ok && afterV2.model.version).toBe('v1');
    expect(afterV2.ok && afterV2.note).toMatch(new RegExp(`v2 rejected: model expects ${wide} features`));

    // The pointer lies about the layout: the session's real input shape fails the probe.
    await publish(t, 'ctr', 'v3', logisticRegressionOnnx({ weights: [1, 2, 3], bias: 0 }));
    now += MODEL_CHECK_MS;
    await currentModel(env.MODELS, t, 'ctr', 5_000, now);
    await modelChecksSettled();
    const afterV3 = await currentModel(env.MODELS, t, 'ctr', 5_000, now + 1);
    expect(afterV3.ok && afterV3.model.version).toBe('v1');
    expect(afterV3.ok && afterV3.note).toMatch(/v3 rejected: pointer says \d+ features, the model's input has 3/);

    // Garbage bytes: refused too.
    await publish(t, 'ctr', 'v4', new Uint8Array([1, 2, 3, 4]));
    now += MODEL_CHECK_MS;
    await currentModel(env.MODELS, t, 'ctr', 5_000, now);
    await modelChecksSettled();
    const afterV4 = await currentModel(env.MODELS, t, 'ctr', 5_000, now + 1);
    expect(afterV4.ok && afterV4.model.version).toBe('v1');

    await publish(t, 'ctr', 'v5', logisticRegressionOnnx(lr(2)));
    now += MODEL_CHECK_MS;
    await currentModel(env.MODELS, t, 'ctr', 5_000, now);
    await modelChecksSettled();
    const v5 = await currentModel(env.MODELS, t, 'ctr', 5_000, now + 1);
    expect(v5.ok && v5.model.version).toBe('v5');
    expect(v5.ok && v5.note).toBeUndefined();
  });
});
