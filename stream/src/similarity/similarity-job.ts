import type { ClickHouseClient } from '@vidplat/analytics';
import type { ItemSimilarityRow, ItemSimilarityRunSummary } from '@vidplat/contracts';
import type { FeatureSnapshotWriter } from '../features/snapshot-writer.js';
import { insertRows } from '../windows/clickhouse-writer.js';
import { ItemCooccurrence } from './item-cf.js';
import { easeNeighbourLists, easeUserLists, ndcg10 } from './ease.js';
import { chooseUserCfBlend } from './user-cf-blend.js';
import { InteractionMatrix } from './interaction-matrix.js';
import { userCfLists, USER_CF_LIST_SIZE } from './user-cf.js';
import type { Interaction } from '../training/interactions.js';

export interface SimilarityOptions {
  topK: number;
  lookbackDays: number;
  maxItemsPerUser: number;
  /** Build version (epoch ms); rerunning with the same version replaces its rows. */
  version?: number;
  onProgress?: (total: number) => (done: number) => void;
  /**
   * The item-item model: 'ease' (default) publishes EASE's weights (similarity/ease.ts) when
   * min(users, items) ≤ easeMaxDim, else falls back to 'cosine', the co-occurrence build.
   */
  model?: 'ease' | 'cosine';
  /** EASE's λ; default: chosen on a validation split of the tenant's interactions. */
  easeLambda?: number;
  easeMaxDim?: number;
  /**
   * User-CF recall lists from the same interactions, published per user (default true): EASE's
   * whole-history scores where EASE was fitted (ease.ts easeUserLists), else user-kNN (user-cf.ts),
   * skipped, and said so in the summary, when its co-count work Σ_items |users|² exceeds
   * userCfMaxWork (default 2e9).
   */
  userCf?: boolean;
  userCfMaxWork?: number;
}

/** Tenants with interactions in the lookback window. */
export async function tenantsWithInteractions(ch: ClickHouseClient, lookbackDays: number): Promise<string[]> {
  const r = await ch.query({
    query: `SELECT DISTINCT tenant_id FROM events_raw
            WHERE type != 'impression' AND event_time >= (SELECT max(event_time) FROM events_raw) - INTERVAL {d:UInt32} DAY ORDER BY tenant_id`,
    query_params: { d: lookbackDays },
    format: 'JSONEachRow',
  });
  return (await r.json<{ tenant_id: string }>()).map((x) => x.tenant_id);
}

/**
 * Offline item-CF for one tenant: user → items from `events_raw` (interactions, not impressions,
 * within the lookback before the tenant's newest event), EASE weights (or cosine co-occurrence
 * where the catalogue is too large for EASE, or when asked), top-K per item →
 * ClickHouse `item_similarity` (versioned) and the edge feature store (FeatureKeys.itemNeighbours).
 */
export async function buildItemSimilarity(ch: ClickHouseClient, snapshots: FeatureSnapshotWriter | null, tenantId: string, o: SimilarityOptions): Promise<ItemSimilarityRunSummary> {
  const version = o.version ?? Date.now();
  const params = { t: tenantId, d: o.lookbackDays, cap: o.maxItemsPerUser };
  const where = `tenant_id = {t:String} AND type != 'impression'
                 AND event_time >= (SELECT max(event_time) FROM events_raw WHERE tenant_id = {t:String}) - INTERVAL {d:UInt32} DAY`;
  const countRes = await ch.query({ query: `SELECT uniqExact(user_id) AS n FROM events_raw WHERE ${where}`, query_params: params, format: 'JSONEachRow' });
  const total = Number((await countRes.json<{ n: string }>())[0]?.n ?? 0);
  const progress = o.onProgress?.(total);
  const cf = new ItemCooccurrence();
  // Per user, distinct items by latest interaction, capped: heavy users do not dominate pair counts.
  const rs = await ch.query({
    query: `SELECT user_id, arraySlice(arrayMap(x -> x.2, arrayReverseSort(x -> x.1, groupArray((t, item_id)))), 1, {cap:UInt32}) AS items
            FROM (SELECT user_id, item_id, max(event_time) AS t FROM events_raw WHERE ${where} GROUP BY user_id, item_id)
            GROUP BY user_id ORDER BY user_id`,
    query_params: params,
    format: 'JSONEachRow',
  });
  const model = o.model ?? 'ease';
  const withUserCf = o.userCf ?? true;
  // Each user's items, newest first (ts = minus the position: only their order matters to EASE).
  const interactions: Interaction[] = [];
  for await (const rows of rs.stream<{ user_id: string; items: string[] }>()) {
    for (const row of rows) {
      const { user_id, items } = row.json();
      cf.addUser(items);
      if (model === 'ease' || withUserCf) items.forEach((item, k) => interactions.push({ user: user_id, item, ts: -k, weight: 1 }));
      progress?.(cf.users);
    }
  }
  progress?.(total);
  const ease = model === 'ease' ? easeNeighbourLists(interactions, o.topK, { ...(o.easeLambda !== undefined ? { lambda: o.easeLambda } : {}), ...(o.easeMaxDim ? { maxDim: o.easeMaxDim } : {}) }) : null;
  // Under EASE, the co-occurrence counts only fill item_similarity's co_users column.
  const cosine = cf.neighbours(ease ? Number.MAX_SAFE_INTEGER : o.topK);
  const coUsers = new Map<string, Map<string, number>>();
  if (ease) for (const [i, l] of cosine) coUsers.set(i, new Map(l.map((n) => [n.itemId, n.coUsers])));
  const lists: Map<string, { itemId: string; score: number; coUsers: number }[]> = ease
    ? new Map([...ease.lists].map(([i, l]) => [i, l.map((n) => ({ ...n, coUsers: coUsers.get(i)?.get(n.itemId) ?? 0 }))]))
    : cosine;
  const rows: ItemSimilarityRow[] = [];
  for (const [item, l] of lists) for (const n of l) rows.push({ tenant_id: tenantId, item_id: item, neighbour_id: n.itemId, score: n.score, co_users: n.coUsers, version });
  for (let i = 0; i < rows.length; i += 50_000) await insertRows(ch, 'item_similarity', rows.slice(i, i + 50_000));
  if (snapshots) {
    const prev = await ch.query({
      query: `SELECT DISTINCT item_id FROM item_similarity WHERE tenant_id = {t:String}
              AND version = (SELECT max(version) FROM item_similarity WHERE tenant_id = {t:String} AND version < {v:UInt64})`,
      query_params: { t: tenantId, v: version },
      format: 'JSONEachRow',
    });
    const stale = (await prev.json<{ item_id: string }>()).map((x) => x.item_id).filter((i) => !lists.has(i));
    await snapshots.publishItemNeighbours(
      tenantId,
      new Map([...lists].map(([k, l]) => [k, l.map(({ itemId, score }) => ({ itemId, score }))])),
      version,
      stale,
    );
  }
  // User-CF lists from the same users' items (whole history within the lookback, capped per user).
  let userCf: ItemSimilarityRunSummary['userCf'];
  if (withUserCf && ease) {
    // EASE fitted: each user's whole-history scores X·B (the user-user dual when users < items),
    // blended with iALS at the weight the same validation split chooses (user-cf-blend.ts; 0 = EASE alone).
    const choice = ease.inner ? chooseUserCfBlend(ease.model, ease.inner, ndcg10) : null;
    const ucf = choice ? choice.blend.lists(USER_CF_LIST_SIZE) : easeUserLists(ease.model, USER_CF_LIST_SIZE);
    if (snapshots) await snapshots.publishUserCf(tenantId, ucf, version);
    userCf = { users: ucf.size, model: 'ease', ...(choice ? { ialsWeight: choice.weight } : {}) };
  } else if (withUserCf && interactions.length) {
    const m = new InteractionMatrix(interactions);
    let work = 0;
    for (let i = 0; i < m.items.length; i++) work += (m.itemPtr[i + 1]! - m.itemPtr[i]!) ** 2;
    const maxWork = o.userCfMaxWork ?? 2e9;
    if (work > maxWork) userCf = { users: 0, model: 'knn', skipped: `co-count work ${work} > ${maxWork}` };
    else {
      const ucf = userCfLists(m, { size: USER_CF_LIST_SIZE });
      if (snapshots) await snapshots.publishUserCf(tenantId, ucf, version);
      userCf = { users: ucf.size, model: 'knn' };
    }
  }
  return { tenantId, items: lists.size, pairs: cf.pairCount, version, model: ease ? 'ease' : 'cosine', ...(ease ? { lambda: ease.lambda } : {}), ...(userCf ? { userCf } : {}) };
}
