import { env, SELF } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { ErrorBody, logisticRegressionOnnx, ModelPointer, RANKING_FEATURE_COUNT, RANKING_INPUT, RANKING_OUTPUT, rankingGraphOnnx } from '@vidplat/contracts';
import { currentModel, modelChecksSettled, modelKeys, MODEL_CHECK_MS, scoreWithModel } from '../src/ranking/model-registry.js';
import { provisionTenant } from './helpers.js';
import { loadOrtWasmForTests } from './recommend-fixtures/ort.js';
import { wideDeepFixture as fixture } from './recommend-fixtures/wide-deep-model.js';

// Loading and compiling the 14 MB runtime takes seconds on a busy machine.
beforeAll(loadOrtWasmForTests, 120_000);

const E = 'https://edge.test';
const F = RANKING_FEATURE_COUNT;
const bytesOf = (b64: string) => Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
const upload = (key: string, modelId: string, version: string, body: Uint8Array) =>
  SELF.fetch(`${E}/v1/models/${modelId}/versions/${version}`, { method: 'PUT', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/octet-stream' }, body });
let clock = 10_000_000;
/** The model the edge's isolate serves for a tenant after a pointer move (the check interval stepped over). */
async function served(tenant: string, modelId: string) {
  clock += MODEL_CHECK_MS;
  await currentModel(env.MODELS, tenant, modelId, 10_000, clock);
  await modelChecksSettled();
  const m = await currentModel(env.MODELS, tenant, modelId, 10_000, clock + 1);
  if (!m.ok) throw new Error(`no model served: ${m.reason}`);
  return m;
}

describe('Wide & Deep ranking model from the trainer, served by the edge', () => {
  it('is accepted through the models API and scores feature rows as the trainer did', async () => {
    expect(fixture.features).toBe(F);
    const { apiKey, tenantId } = await provisionTenant('wide-deep-1');
    const res = await upload(apiKey, 'ctr', 'wd1', bytesOf(fixture.onnxBase64));
    expect(res.status).toBe(201);
    expect(ModelPointer.parse(await res.json())).toMatchObject({ version: 'wd1', featureCount: F });

    const m = await served(tenantId, 'ctr');
    expect(m.model.version).toBe('wd1');
    expect(m.model.featureCount).toBe(F);
    const scores = await scoreWithModel(m.model, Float32Array.from(fixture.x), fixture.rows);
    expect(scores).toHaveLength(fixture.rows);
    for (let r = 0; r < fixture.rows; r++) expect(scores[r]).toBeCloseTo(fixture.trainerScores[r]!, 5);
    // A real ranking, not a constant: the rows get distinct scores.
    expect(new Set(Array.from(scores, (s) => s.toFixed(5))).size).toBeGreaterThan(fixture.rows / 2);
  });

  it('refuses a malformed model and keeps the pointer where it was', async () => {
    const { apiKey } = await provisionTenant('wide-deep-2');
    expect((await upload(apiKey, 'ctr', 'good', bytesOf(fixture.onnxBase64))).status).toBe(201);
    const refused = async (body: Uint8Array, reason: RegExp) => {
      const res = await upload(apiKey, 'ctr', 'bad', body);
      expect(res.status).toBe(400);
      const err = ErrorBody.parse(await res.json());
      expect(err.error.code).toBe('invalid_body');
      expect(err.error.message).toMatch(reason);
    };
    // Truncated bytes: not a model at all.
    const whole = bytesOf(fixture.onnxBase64);
    await refused(whole.subarray(0, Math.floor(whole.length / 2)), /not a usable ranking model/);
    // Two scores per row (a deep part that does not end in one output): the runtime's shape check
    // or the probe run refuses it.
    const two = Float32Array.from({ length: F * 2 }, (_, i) => i / 10);
    await refused(rankingGraphOnnx(F, [{ op: 'Gemm', inputs: [RANKING_INPUT, 'W', 'B'], outputs: [RANKING_OUTPUT] }], [{ name: 'W', dims: [F, 2], values: two }, { name: 'B', dims: [2], values: new Float32Array(2) }], 'bad'), /not a usable ranking model: .*(shape|probe output has 4 values)/i);
    // More features than the edge computes.
    await refused(logisticRegressionOnnx({ weights: Array.from({ length: F + 3 }, () => 0.1), bias: 0 }), new RegExp(`expects ${F + 3} features, edge computes ${F}`));
    const ptr = ModelPointer.parse(await (await SELF.fetch(`${E}/v1/models/ctr`, { headers: { authorization: `Bearer ${apiKey}` } })).json());
    expect(ptr.version).toBe('good');
  });
});

describe('models trained before the last features arrived', () => {
  const lr8 = { weights: [0.5, 1.5, -0.7, 0.2, -0.3, 0.9, 0.4, 1.1], bias: -0.2 };
  const rows = 4;
  // Every feature set, the 9th (user_cf) large: a model that read it would score differently.
  const x = Float32Array.from({ length: rows * F }, (_, i) => (i % F === F - 1 ? 5 : ((i * 7) % 11) / 10));
  const expected = (r: number) => 1 / (1 + Math.exp(-(lr8.bias + lr8.weights.reduce((s, w, k) => s + w * x[r * F + k]!, 0))));

  it('an 8-feature model uploads through the API and is fed the first 8 features', async () => {
    const { apiKey, tenantId } = await provisionTenant('eight-features');
    const res = await upload(apiKey, 'ctr', 'old8', logisticRegressionOnnx(lr8));
    expect(res.status).toBe(201);
    expect(ModelPointer.parse(await res.json()).featureCount).toBe(8);
    const m = await served(tenantId, 'ctr');
    expect(m.model.featureCount).toBe(8);
    const scores = await scoreWithModel(m.model, x, rows);
    for (let r = 0; r < rows; r++) expect(scores[r]).toBeCloseTo(expected(r), 5);
  });

  it('an 8-feature model stored before the 9th feature (pointer featureCount 8) serves again', async () => {
    const tenant = 'stored-eight';
    await env.MODELS.put(modelKeys.bytes(tenant, 'ctr', 'v8'), logisticRegressionOnnx(lr8));
    const ptr: ModelPointer = { version: 'v8', featureCount: 8, input: 'features', output: 'score', trainedAt: new Date().toISOString() };
    await env.MODELS.put(modelKeys.pointer(tenant, 'ctr'), JSON.stringify(ptr));
    const m = await served(tenant, 'ctr');
    expect(m.model.version).toBe('v8');
    const scores = await scoreWithModel(m.model, x, rows);
    for (let r = 0; r < rows; r++) expect(scores[r]).toBeCloseTo(expected(r), 5);
  });
});
