import { toClickHouseTime } from '@vidplat/contracts';
import { num, type Reader } from './reader.js';

/**
 * Items ranked by the stream's item heat over days (hot courses, or any long-range "trending"):
 * every 15-minute pane the item-heat job wrote (item_heat_panes, each pane's heat at its own end,
 * the scenario action weights and in-hour decay already applied) decayed again by its age with
 * `halfLifeDays`, plus the still-open panes' early results (item_heat_early) that have no pane
 * row yet, so an action shows within the job's early-firing interval. Summed over scenarios and
 * source partitions. Events without a scenario (the catalogue's own enrol, play and
 * course_complete events) are in scenario ''.
 */
export interface HeatRanked {
  itemId: string;
  /** Σ pane heat × 2^(−age/halfLife). */
  heat: number;
  events: number;
}

export interface HeatRankingOptions {
  now: Date;
  days: number;
  halfLifeDays: number;
  limit: number;
}

export async function heatRanking(r: Reader, tenantId: string, o: HeatRankingOptions): Promise<HeatRanked[]> {
  const rows = await r.rows<{ item_id: string; heat: unknown; events: unknown }>(
    `SELECT item_id, sum(h) AS heat, sum(ev) AS events FROM (
       SELECT item_id, heat_micro[first_window + 1] * exp2(-greatest(0, dateDiff('second', pane_end, {now:DateTime64(3, 'UTC')})) / {hl:UInt32}) AS h, events AS ev
       FROM item_heat_panes FINAL
       WHERE tenant_id = {t:String} AND pane_start >= {now:DateTime64(3, 'UTC')} - INTERVAL {days:UInt16} DAY
       UNION ALL
       SELECT item_id, heat_micro * exp2(-greatest(0, dateDiff('second', pane_end, {now:DateTime64(3, 'UTC')})) / {hl:UInt32}) AS h, events AS ev
       FROM item_heat_early FINAL
       WHERE tenant_id = {t:String} AND pane_end > {now:DateTime64(3, 'UTC')} - INTERVAL 1 DAY
         AND (scenario, item_id, pane_end, source_partition) NOT IN (
           SELECT scenario, item_id, pane_end, source_partition FROM item_heat_panes
           WHERE tenant_id = {t:String} AND pane_start >= {now:DateTime64(3, 'UTC')} - INTERVAL 2 DAY)
     )
     GROUP BY item_id HAVING heat > 0 ORDER BY heat DESC, item_id LIMIT {n:UInt32}`,
    { t: tenantId, now: toClickHouseTime(o.now), days: o.days, hl: Math.round(o.halfLifeDays * 86_400), n: o.limit },
  );
  return rows.map((x) => ({ itemId: String(x.item_id), heat: num(x.heat) / 1e6, events: num(x.events) }));
}
