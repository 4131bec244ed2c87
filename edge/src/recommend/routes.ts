import { Hono } from 'hono';
import { apiErrorFromZod, RecommendQuery, type RecommendResponse } from '@vidplat/contracts';
import { edgeConfig, type AppEnv } from '../env.js';
import { sendError } from '../http/errors.js';
import { featureStore } from '../feature-store/redis.js';
import { readHotList } from './hot-list.js';

/** GET /v1/recommend: for now the tenant/scenario hot list from the feature store snapshot. */
export const recommendRoutes = new Hono<AppEnv>().get('/v1/recommend', async (c) => {
  const q = RecommendQuery.safeParse(c.req.query());
  if (!q.success) return sendError(c, 400, apiErrorFromZod(q.error, 'invalid_query'));
  const { tenant, scenario, user, n, debug } = q.data;
  const t0 = performance.now();
  const hot = await readHotList(featureStore(edgeConfig(c.env)), tenant, scenario, n);
  const body: RecommendResponse = {
    requestId: crypto.randomUUID(),
    tenant,
    scenario,
    user,
    items: hot.items.map((i) => ({ itemId: i.itemId, score: i.score, channels: ['hot'] })),
    snapshotVersion: hot.version,
    ...(debug ? { debug: [{ stage: 'recall.hot', ms: performance.now() - t0, candidates: hot.items.length }] } : {}),
  };
  return c.json(body);
});
