import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-web';
import { RANKING_FEATURE_COUNT, RANKING_INPUT, RANKING_OUTPUT, wideAndDeepLogits, wideAndDeepOnnx, wideAndDeepScores } from '@vidplat/contracts';
import { rng } from '../interactions.js';
import { chooseRanker, groupAuc } from './ranker-choice.js';
import { trainWideAndDeep } from './wide-and-deep.js';

ort.env.wasm.numThreads = 1;
const F = RANKING_FEATURE_COUNT;

/**
 * Ranking rows per user where engagement depends on two signals together: high item_cf with low
 * category affinity or the reverse (an exclusive or) — an interaction no linear ranker can
 * express and a small MLP can.
 */
function xorData(users: number, perUser: number, seed: number) {
  const rand = rng(seed);
  const x = new Float32Array(users * perUser * F);
  const y = new Uint8Array(users * perUser);
  const groups = new Int32Array(users * perUser);
  for (let u = 0; u < users; u++) {
    for (let i = 0; i < perUser; i++) {
      const r = u * perUser + i;
      for (let k = 0; k < F; k++) x[r * F + k] = rand();
      const xor = x[r * F + 1]! > 0.5 !== x[r * F + 5]! > 0.5;
      y[r] = rand() < (xor ? 0.4 : 0.05) ? 1 : 0;
      groups[r] = u;
    }
  }
  return { x, y, groups, rows: y.length };
}

describe('Wide & Deep ranker (TensorFlow.js CPU backend)', () => {
  it('learns an interaction of two features that the linear ranker cannot, and the validation rule picks it', () => {
    const ds = xorData(300, 30, 1);
    const choice = chooseRanker(ds, F, { deep: { epochs: 20 } });
    expect(choice.validation.wide_deep).toBeGreaterThan(choice.validation.linear + 0.1);
    expect(choice.kind).toBe('wide_deep');
    expect(choice.deep).not.toBeNull();
    // On fresh users too (not only the validation rows it was chosen on).
    const test = xorData(200, 30, 2);
    const deepAuc = groupAuc(choice.scorer.scores(test.x, test.rows), test.y, test.groups);
    const linAuc = groupAuc(Float32Array.from({ length: test.rows }, (_, r) => choice.linear.weights.reduce((s, w, k) => s + w * test.x[r * F + k]!, 0)), test.y, test.groups);
    expect(deepAuc).toBeGreaterThan(linAuc + 0.1);
    expect(deepAuc).toBeGreaterThan(0.7);
    expect(choice.deepSteps).toBeGreaterThan(0);
  }, 120_000);

  it('keeps the linear ranker when asked to, and its ONNX is the linear graph', async () => {
    const ds = xorData(60, 20, 3);
    const choice = chooseRanker(ds, F, { ranker: 'linear', deep: { epochs: 2 } });
    expect(choice.kind).toBe('linear');
    expect(choice.deep).toBeNull();
    const session = await ort.InferenceSession.create(choice.onnx());
    const out = await session.run({ [RANKING_INPUT]: new ort.Tensor('float32', ds.x.subarray(0, 3 * F), [3, F]) });
    const want = choice.scorer.scores(ds.x, 3);
    for (let r = 0; r < 3; r++) expect((out[RANKING_OUTPUT]!.data as Float32Array)[r]).toBeCloseTo(want[r]!, 5);
    await session.release();
  }, 60_000);

  it('exports to ONNX (Gemm/Relu/Add/Sigmoid) whose scores equal the TensorFlow.js model\'s and the served forward pass', async () => {
    const ds = xorData(80, 20, 4);
    const probe = ds.x.subarray(0, 12 * F);
    const t = trainWideAndDeep(ds.x, ds.y, ds.groups, F, { epochs: 5, probe });
    const bytes = wideAndDeepOnnx(t.model);
    const session = await ort.InferenceSession.create(bytes);
    expect(session.inputNames).toEqual([RANKING_INPUT]);
    expect(session.outputNames).toEqual([RANKING_OUTPUT]);
    const out = (await session.run({ [RANKING_INPUT]: new ort.Tensor('float32', probe, [12, F]) }))[RANKING_OUTPUT]!;
    expect(out.dims).toEqual([12, 1]);
    const onnxScores = out.data as Float32Array;
    const forward = wideAndDeepScores(t.model, probe, 12);
    const logits = wideAndDeepLogits(t.model, probe, 12);
    for (let r = 0; r < 12; r++) {
      expect(logits[r]).toBeCloseTo(t.probeLogits![r]!, 4);
      expect(onnxScores[r]).toBeCloseTo(1 / (1 + Math.exp(-t.probeLogits![r]!)), 5);
      expect(onnxScores[r]).toBeCloseTo(forward[r]!, 5);
    }
    // Not a constant: the probe rows get different scores.
    expect(new Set(Array.from(onnxScores, (s) => s.toFixed(4))).size).toBeGreaterThan(6);
    await session.release();
  }, 60_000);

  it('is deterministic for a seed and bounded by maxSteps', () => {
    const ds = xorData(50, 20, 5);
    const a = trainWideAndDeep(ds.x, ds.y, ds.groups, F, { epochs: 50, batchSize: 64, maxSteps: 7, seed: 3 });
    const b = trainWideAndDeep(ds.x, ds.y, ds.groups, F, { epochs: 50, batchSize: 64, maxSteps: 7, seed: 3 });
    expect(a.steps).toBe(7);
    expect(b.model).toEqual(a.model);
    const c = trainWideAndDeep(ds.x, ds.y, ds.groups, F, { epochs: 50, batchSize: 64, maxSteps: 7, seed: 4 });
    expect(c.model).not.toEqual(a.model);
  }, 60_000);

  it('groupAuc counts correctly ordered pairs within each user only', () => {
    // User 0: pos 0.9 vs negs 0.1, 0.95 → 1 of 2; user 1: pos 0.2 vs neg 0.2 → tie ½; user 2 has no negative.
    expect(groupAuc([0.9, 0.1, 0.95, 0.2, 0.2, 0.5], [1, 0, 0, 1, 0, 1], [0, 0, 0, 1, 1, 2])).toBeCloseTo(1.5 / 3, 10);
  });
});
