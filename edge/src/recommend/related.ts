import { z } from 'zod';
import { apiErrorFromZod, FeatureKeys, ItemId, mergeRecall, RelatedItemsQuery, RelatedItemsResponse, type ChannelResult, type RecallChannelName, type ScenarioConfig } from '@vidplat/contracts';
import { edgeConfig, type AppEnv } from '../env.js';
import { errorBody, sendError } from '../http/errors.js';
import { access, ApiRoutes, defineRoute, json } from '../http/api-routes.js';
import { waitUntilOf } from '../tenancy/swr-cache.js';
import { cachedScenario } from '../scenarios/store.js';
import { featuresRecommendable } from '../items/feature-mirror.js';
import { recommendStore, type FeatureStore } from '../feature-store/pipeline.js';
import { embeddingIndex, itemVector, nearestItems } from './embedding-index.js';
import { pairs, parseItemFeatures, readFeatures } from './feature-reader.js';
import { eligible } from './pipeline.js';

/** Candidates read per channel, per requested item (some are filtered). */
const OVERFETCH = 3;
const EMBEDDING_WAIT_MS = 1_500;
const DEFAULT_WEIGHTS: Partial<Record<RecallChannelName, number>> = { item_cf: 1, embedding: 1 };

/**
 * Items related to one item ("more like this"), as Gorse's item neighbours or Recombee's
 * items-to-item: its item-CF neighbours and its embedding neighbours, each normalised by its best
 * score and merged with the scenario's channel weights (1 each without a scenario), filtered as
 * recommend filters: published and visible now, and the scenario's excluded categories and
 * access levels. Not personalised. 404 for an item the tenant's feature store does not know.
 */
export async function relatedItems(store: FeatureStore, kv: KVNamespace, tenant: string, itemId: string, n: number, cfg: ScenarioConfig | null, nowMs: number): Promise<RelatedItemsResponse | null> {
  const depth = Math.min(500, n * OVERFETCH);
  const [meta, nbrs] = await store.pipeline([
    ['hmget', FeatureKeys.itemMeta(tenant), itemId],
    ['zrange', FeatureKeys.itemNeighbours(tenant, itemId), 0, depth - 1, 'rev', 'withscores'],
  ]);
  const own = parseItemFeatures(Array.isArray(meta) ? meta[0] : (meta as Record<string, unknown> | null)?.[itemId]);
  if (!own) return null;
  const results: ChannelResult[] = [{ channel: 'item_cf', items: pairs(nbrs).filter((x) => x.itemId !== itemId) }];
  const { index } = await embeddingIndex(kv, tenant, EMBEDDING_WAIT_MS).catch(() => ({ index: null }));
  const v = index ? itemVector(index, itemId) : undefined;
  if (index && v) results.push({ channel: 'embedding', items: nearestItems(index, v, depth, new Set([itemId])) });
  const weights = cfg ? Object.fromEntries(cfg.recall.filter((c) => c.name === 'item_cf' || c.name === 'embedding').map((c) => [c.name, c.weight])) : DEFAULT_WEIGHTS;
  // A scenario without either channel still gets related items, equally weighted.
  const merged = mergeRecall(results, Object.keys(weights).length ? weights : DEFAULT_WEIGHTS);
  const features = await readFeatures(store, tenant, merged.map((c) => c.itemId));
  const none = new Set<string>();
  const items: RelatedItemsResponse['items'] = [];
  for (const c of merged) {
    if (items.length >= n) break;
    const f = features.get(c.itemId);
    const ok = cfg ? eligible(c.itemId, f, cfg, none, nowMs) : !!f && featuresRecommendable(f, nowMs);
    if (ok) items.push({ itemId: c.itemId, score: Math.round(c.recall * 1e6) / 1e6, channels: Object.keys(c.channels) });
  }
  return { itemId, items };
}

/** GET /v1/items/:itemId/related?n=&scenario= (tenant API key; the tenant is the key's). */
const relatedRoute = defineRoute({
  method: 'get',
  path: '/v1/items/{itemId}/related',
  tags: ['recommend'],
  access: access.key(),
  request: { params: z.object({ itemId: z.string() }), query: RelatedItemsQuery },
  responses: { 200: json(RelatedItemsResponse) },
  errors: [400, 404, 503],
});

export const relatedRoutes = new ApiRoutes().endpoint(relatedRoute, async (c) => {
  const id = ItemId.safeParse(c.req.param('itemId'));
  if (!id.success) return sendError(c, 400, apiErrorFromZod(id.error, 'invalid_field', 'itemId'));
  const q = RelatedItemsQuery.safeParse(c.req.query());
  if (!q.success) return sendError(c, 400, apiErrorFromZod(q.error, 'invalid_query'));
  const tenant = c.var.principal.tenantId;
  const now = Date.now();
  let cfg: ScenarioConfig | null = null;
  if (q.data.scenario) {
    cfg = await cachedScenario(c.env.CATALOGUE, tenant, q.data.scenario, now, waitUntilOf(c));
    if (!cfg) return c.json(errorBody('not_found', `unknown scenario ${q.data.scenario}`, 'scenario'), 404);
  }
  try {
    const out = await relatedItems(recommendStore(edgeConfig(c.env)), c.env.MODELS, tenant, id.data, q.data.n, cfg, now);
    return out ? c.json(out) : c.json(errorBody('not_found', 'no such item in this tenant', 'itemId'), 404);
  } catch (e) {
    console.warn('related items: feature store failed', e instanceof Error ? e.message : String(e));
    return sendError(c, 503, { code: 'upstream_unavailable', message: 'feature store unavailable' }, { 'retry-after': '1' });
  }
});
