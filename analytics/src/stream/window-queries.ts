import type { ClickHouseClient } from '@clickhouse/client';

/**
 * Read side of the stream window tables. Rows are per source partition and versioned
 * (ReplacingMergeTree), so every query reads FINAL and sums over source_partition. Item heat is
 * stored as 15-minute panes (item_heat_panes); the view item_heat_pane_windows (FINAL inside)
 * turns them into the 1-hour windows with a 15-minute hop that these queries read.
 */

export interface HotListEntry {
  itemId: string;
  heat: number;
}

/**
 * Top-n items of one tenant/scenario 1-hour window by heat (ties broken by item id, so stable).
 * Reads the window's four panes straight from item_heat_panes by primary-key range (the view would
 * expand every pane of the tenant/scenario first): pane k from the window end contributes its
 * heat_micro[k + 1], exactly as item_heat_pane_windows sums it.
 */
export async function hotListQuery(ch: ClickHouseClient, tenantId: string, scenario: string, windowStart: string, n: number): Promise<HotListEntry[]> {
  const r = await ch.query({
    query: `SELECT item_id,
                   sum(heat_micro[intDiv(toUnixTimestamp64Milli({w:DateTime64(3, 'UTC')}) + 3600000 - toUnixTimestamp64Milli(pane_end), 900000) + 1]) AS h
            FROM item_heat_panes FINAL
            WHERE tenant_id = {t:String} AND scenario = {s:String}
              AND pane_start >= {w:DateTime64(3, 'UTC')} AND pane_start < {w:DateTime64(3, 'UTC')} + INTERVAL 1 HOUR
            GROUP BY item_id HAVING h > 0 ORDER BY h DESC, item_id LIMIT {n:UInt32}`,
    query_params: { t: tenantId, s: scenario, w: windowStart, n },
    format: 'JSONEachRow',
  });
  return (await r.json<{ item_id: string; h: string }>()).map((x) => ({ itemId: x.item_id, heat: Number(x.h) / 1e6 }));
}

/**
 * Early top-n of the 1-hour window starting at `windowStart` that has not closed yet: its three
 * closed panes from item_heat_panes (as hotListQuery sums them) plus the open last pane's early
 * rows (item_heat_early, latest per partition). The last pane is read from the early rows only,
 * so a pane row written meanwhile by the window's own firing is not counted twice.
 */
export async function earlyHotListQuery(ch: ClickHouseClient, tenantId: string, scenario: string, windowStart: string, n: number): Promise<HotListEntry[]> {
  const r = await ch.query({
    query: `SELECT item_id, sum(h) AS h FROM (
              SELECT item_id,
                     heat_micro[intDiv(toUnixTimestamp64Milli({w:DateTime64(3, 'UTC')}) + 3600000 - toUnixTimestamp64Milli(pane_end), 900000) + 1] AS h
              FROM item_heat_panes FINAL
              WHERE tenant_id = {t:String} AND scenario = {s:String}
                AND pane_start >= {w:DateTime64(3, 'UTC')} AND pane_start < {w:DateTime64(3, 'UTC')} + INTERVAL 45 MINUTE
              UNION ALL
              SELECT item_id, heat_micro AS h
              FROM item_heat_early FINAL
              WHERE tenant_id = {t:String} AND scenario = {s:String} AND pane_end = {w:DateTime64(3, 'UTC')} + INTERVAL 1 HOUR
            )
            GROUP BY item_id HAVING h > 0 ORDER BY h DESC, item_id LIMIT {n:UInt32}`,
    query_params: { t: tenantId, s: scenario, w: windowStart, n },
    format: 'JSONEachRow',
  });
  return (await r.json<{ item_id: string; h: string }>()).map((x) => ({ itemId: x.item_id, heat: Number(x.h) / 1e6 }));
}

export interface ItemHeatTotals {
  scenario: string;
  itemId: string;
  windowStart: string;
  events: number;
  impressions: number;
  clicks: number;
  plays: number;
  completes: number;
  likes: number;
  shares: number;
  comments: number;
  purchases: number;
  dislikes: number;
  hides: number;
  heatMicro: number;
}

/** Every item-heat window of a tenant, summed over partitions (tests, dashboards). */
export async function itemHeatTotals(ch: ClickHouseClient, tenantId: string): Promise<ItemHeatTotals[]> {
  const r = await ch.query({
    query: `SELECT scenario, item_id, toString(window_start) AS ws, sum(events) AS events, sum(impressions) AS impressions,
                   sum(clicks) AS clicks, sum(plays) AS plays, sum(completes) AS completes, sum(likes) AS likes,
                   sum(shares) AS shares, sum(comments) AS comments, sum(purchases) AS purchases, sum(dislikes) AS dislikes, sum(hides) AS hides,
                   sum(heat_micro) AS heat
            FROM item_heat_pane_windows WHERE tenant_id = {t:String}
            GROUP BY scenario, item_id, window_start ORDER BY window_start, scenario, item_id`,
    query_params: { t: tenantId },
    format: 'JSONEachRow',
  });
  const rows = await r.json<Record<string, string>>();
  return rows.map((x) => ({
    scenario: x.scenario!,
    itemId: x.item_id!,
    windowStart: x.ws!,
    events: Number(x.events),
    impressions: Number(x.impressions),
    clicks: Number(x.clicks),
    plays: Number(x.plays),
    completes: Number(x.completes),
    likes: Number(x.likes),
    shares: Number(x.shares),
    comments: Number(x.comments),
    purchases: Number(x.purchases),
    dislikes: Number(x.dislikes),
    hides: Number(x.hides),
    heatMicro: Number(x.heat),
  }));
}

export interface MetricsTotals {
  windowStart: string;
  scenario: string;
  itemId: string;
  experimentId: string;
  variant: string;
  impressions: number;
  clicks: number;
  plays: number;
  completes: number;
  interactions: number;
  watchMs: number;
  ctr: number;
  completionRate: number;
  avgWatchSeconds: number;
}

/** 1-minute metrics of a tenant summed over partitions, with the derived ratios. */
export async function metricsTotals(ch: ClickHouseClient, tenantId: string): Promise<MetricsTotals[]> {
  const r = await ch.query({
    query: `SELECT toString(window_start) AS ws, scenario, item_id, experiment_id, variant,
                   sum(impressions) AS imp, sum(clicks) AS clk, sum(plays) AS pl, sum(completes) AS cmp,
                   sum(interactions) AS inter, sum(watch_ms) AS wms
            FROM metrics_windows FINAL WHERE tenant_id = {t:String}
            GROUP BY window_start, scenario, item_id, experiment_id, variant
            ORDER BY window_start, scenario, item_id, experiment_id, variant`,
    query_params: { t: tenantId },
    format: 'JSONEachRow',
  });
  const div = (a: number, b: number) => (b > 0 ? a / b : 0);
  return (await r.json<Record<string, string>>()).map((x) => {
    const m = { impressions: Number(x.imp), clicks: Number(x.clk), plays: Number(x.pl), completes: Number(x.cmp), interactions: Number(x.inter), watchMs: Number(x.wms) };
    return {
      windowStart: x.ws!,
      scenario: x.scenario!,
      itemId: x.item_id!,
      experimentId: x.experiment_id!,
      variant: x.variant!,
      ...m,
      ctr: div(m.clicks, m.impressions),
      completionRate: div(m.completes, m.plays),
      avgWatchSeconds: div(m.watchMs / 1000, m.plays),
    };
  });
}

/** Late events recorded for a job and tenant (event ids, sorted). */
export async function lateEventIds(ch: ClickHouseClient, job: string, tenantId: string): Promise<string[]> {
  const r = await ch.query({
    query: `SELECT event_id FROM late_events FINAL WHERE job = {j:String} AND tenant_id = {t:String} ORDER BY event_id`,
    query_params: { j: job, t: tenantId },
    format: 'JSONEachRow',
  });
  return (await r.json<{ event_id: string }>()).map((x) => x.event_id);
}

export interface UserProfileWindowData {
  userId: string;
  windowStart: string;
  windowEnd: number;
  events: number;
  clicks: number;
  plays: number;
  watchMs: number;
  categories: Record<string, number>;
  authors: Record<string, number>;
  itemsLast: Record<string, number>;
  /** item → last dislike/hide, epoch ms. */
  itemsNegative: Record<string, number>;
  activeHours: number[];
}

/** A tenant's user windows since `sinceMs` for the given users (profile vectors, tests). */
export async function userProfileWindows(ch: ClickHouseClient, tenantId: string, users: string[] | null, sinceMs: number): Promise<UserProfileWindowData[]> {
  const r = await ch.query({
    query: `SELECT user_id, toString(window_start) AS ws, toUnixTimestamp64Milli(window_end) AS we, events, clicks, plays, watch_ms,
                   categories, authors, items_last, items_negative, active_hours
            FROM user_profile_windows FINAL
            WHERE tenant_id = {t:String} AND window_start >= fromUnixTimestamp64Milli({since:Int64}, 'UTC')
              ${users ? 'AND user_id IN {users:Array(String)}' : ''}
            ORDER BY user_id, window_start`,
    query_params: { t: tenantId, since: sinceMs, users: users ?? [] },
    format: 'JSONEachRow',
  });
  const nums = (m: Record<string, string | number>) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, Number(v)]));
  return (await r.json<Record<string, unknown>>()).map((x) => ({
    userId: x.user_id as string,
    windowStart: x.ws as string,
    windowEnd: Number(x.we),
    events: Number(x.events),
    clicks: Number(x.clicks),
    plays: Number(x.plays),
    watchMs: Number(x.watch_ms),
    categories: nums(x.categories as Record<string, string>),
    authors: nums(x.authors as Record<string, string>),
    itemsLast: nums(x.items_last as Record<string, string>),
    itemsNegative: nums((x.items_negative ?? {}) as Record<string, string>),
    activeHours: (x.active_hours as number[]).map(Number),
  }));
}
