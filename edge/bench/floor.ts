import { RANKING_FEATURE_COUNT, uuidv7, type RecommendResponse } from '@vidplat/contracts';
import type { Context } from 'hono';
import type { AppEnv } from '../src/env.js';
import { edgeConfig } from '../src/env.js';
import { errorBody } from '../src/http/errors.js';
import { recommendStore } from '../src/feature-store/pipeline.js';
import { currentModel, scoreWithModel } from '../src/ranking/model-registry.js';
import { cachedScenario, freshScenario } from '../src/scenarios/store.js';
import { waitUntilOf } from '../src/tenancy/swr-cache.js';
import { readBase } from '../src/recommend/feature-reader.js';
import { rankLimit } from '../src/recommend/pipeline.js';
import { plainRecommendQuery } from '../src/recommend/query.js';

/**
 * Bench Worker only (edge/bench/worker.ts; `npm run bench:edge` with BENCH_FLOOR=1 measures it):
 * GET /v1/recommend/floor does only what any recommend request
 * must do, so its Worker CPU is the floor under GET /v1/recommend's — the same auth middleware
 * and query check, the cached scenario, the one feature-store /pipeline round trip (readBase's
 * commands and reply parsing), one ONNX run over a ranked set of rankLimit(n) rows, and a
 * response of the same shape (n hot-list items with model scores). No recall, merge,
 * eligibility or re-rank. `parts=fetch` / `parts=onnx` keep only the round trip / only the ONNX
 * run (the rest as above), so the floor can be split.
 */
export async function floorRecommend(c: Context<AppEnv>): Promise<Response> {
  const query = plainRecommendQuery(c.req.query());
  if (!query) return c.json(errorBody('invalid_query', 'plain queries only'), 400);
  const { tenant, scenario, user, n } = query;
  if (c.var.principal.tenantId !== tenant) return c.json(errorBody('not_found', `unknown tenant ${tenant}`, 'tenant'), 404);
  const cfg = freshScenario(tenant, scenario) ?? (await cachedScenario(c.env.CATALOGUE, tenant, scenario, Date.now(), waitUntilOf(c)));
  if (!cfg?.rankingModel) return c.json(errorBody('not_found', 'unknown scenario or one without a ranking model', 'scenario'), 404);
  // parts=fetch or parts=onnx leaves the other out, so the bench can split the floor.
  const parts = c.req.query('parts') ?? 'all';
  const sizes = new Map(cfg.recall.map((r) => [r.name, r.size]));
  const base = parts === 'onnx' ? null : await readBase(recommendStore(edgeConfig(c.env)), tenant, scenario, user, { hot: sizes.get('hot') ?? 0, fresh: (sizes.get('fresh') ?? 0) * 2, recent: 50 });
  const rows = rankLimit(n, cfg.rerank);
  let scores: Float32Array = new Float32Array(rows);
  let model: string | null = null;
  if (parts !== 'fetch') {
    const features = new Float32Array(rows * RANKING_FEATURE_COUNT);
    for (let i = 0; i < features.length; i++) features[i] = ((i * 7919) % 1000) / 1000;
    const cm = await currentModel(c.env.MODELS, tenant, cfg.rankingModel, 1_500);
    if (!cm.ok) return c.json(errorBody('not_found', `model: ${cm.reason}`), 404);
    scores = await scoreWithModel(cm.model, features, rows);
    model = `${cm.model.modelId}@${cm.model.version}`;
  }
  const items: RecommendResponse['items'] = [];
  for (let i = 0; i < n; i++) items.push({ itemId: base?.hot[i]?.itemId ?? `v${i}`, score: Math.round(scores[i]! * 1e6) / 1e6, channels: ['hot'] });
  const body: RecommendResponse = { requestId: uuidv7(), tenant, scenario, user, items, snapshotVersion: base?.meta?.version ?? null, model };
  return c.json(body);
}
