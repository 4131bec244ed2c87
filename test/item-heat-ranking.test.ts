import { afterAll, describe, expect, inject, it } from 'vitest';
import { createClickHouse } from '@vidplat/analytics';
import { heatRanking } from '@vidplat/analytics/queries/item-heat';
import { Reader } from '@vidplat/analytics/queries/reader';
import { toClickHouseTime } from '@vidplat/contracts';
import type {} from '@vidplat/devstack/vitest-global-setup';

/**
 * The long-range heat ranking (hot courses) on the real ClickHouse, on pane and early rows as the
 * item-heat job writes them: pane heat decayed by age, open panes' early rows counted once (not
 * again when their pane row exists), summed over scenarios and partitions, one tenant only.
 */
const { env } = inject('stack');
const ch = createClickHouse({ url: env.CLICKHOUSE_URL!, database: env.CLICKHOUSE_DATABASE! });
const reader = new Reader(ch, { timeoutMs: 20_000 });
afterAll(() => ch.close());

const PANE = 900_000;
const DAY = 86_400_000;
const now = new Date(Math.floor(Date.now() / PANE) * PANE + 60_000); // 1 minute into the open pane
const openPaneEnd = now.getTime() - 60_000 + PANE;

function pane(tenant: string, item: string, paneEnd: number, heat: number, o: { scenario?: string; partition?: number; first?: number } = {}) {
  const first = o.first ?? 0;
  const h = [0, 0, 0, 0].map((_, k) => (k < first ? 0 : Math.round(heat * 1e6 * 0.5 ** (k - first))));
  return {
    tenant_id: tenant,
    scenario: o.scenario ?? '',
    item_id: item,
    pane_start: toClickHouseTime(paneEnd - PANE),
    pane_end: toClickHouseTime(paneEnd),
    source_partition: o.partition ?? 0,
    first_window: first,
    events: 1,
    impressions: 0,
    clicks: 0,
    plays: 0,
    completes: 0,
    likes: 0,
    shares: 0,
    comments: 0,
    purchases: 0,
    dislikes: 0,
    hides: 0,
    heat_micro: h,
    version: 1,
    emitted_at: toClickHouseTime(Date.now()),
  };
}
const early = (tenant: string, item: string, paneEnd: number, heat: number, partition = 0) => ({
  tenant_id: tenant,
  scenario: '',
  item_id: item,
  pane_end: toClickHouseTime(paneEnd),
  source_partition: partition,
  events: 1,
  heat_micro: Math.round(heat * 1e6),
  emitted_at: toClickHouseTime(Date.now()),
});

describe('heat ranking over days', () => {
  it('decays panes by age, adds open panes once, sums scenarios and partitions, and stays within the tenant', async () => {
    const t = `heat-rank-${Date.now()}`;
    const closed = openPaneEnd - PANE;
    await ch.insert({
      table: 'item_heat_panes',
      format: 'JSONEachRow',
      values: [
        // old: 10 heat 14 days ago (two half-lives at 7 days) → 2.5
        pane(t, 'old', closed - 14 * DAY, 10),
        // recent: 2 + 1 in two scenarios and partitions → 3 (a minute of decay)
        pane(t, 'recent', closed, 2, { scenario: 'home', partition: 1 }),
        pane(t, 'recent', closed, 1),
        // late correction row: counted from its first window on
        pane(t, 'late', closed - PANE, 1.5, { first: 1 }),
        // beyond the 30-day range
        pane(t, 'ancient', closed - 40 * DAY, 100),
        // the same pane as an early row below: the pane row counts, the early row not again
        pane(t, 'closed-early', closed, 1),
        pane(`${t}-other`, 'other-tenant', closed, 50),
      ],
    });
    await ch.insert({
      table: 'item_heat_early',
      format: 'JSONEachRow',
      values: [early(t, 'fresh', openPaneEnd, 4), early(t, 'fresh', openPaneEnd, 0.5, 1), early(t, 'closed-early', closed, 1)],
    });
    const ranked = await heatRanking(reader, t, { now, days: 30, halfLifeDays: 7, limit: 10 });
    const byId = Object.fromEntries(ranked.map((r) => [r.itemId, r.heat]));
    expect(ranked.map((r) => r.itemId)).toEqual(['fresh', 'recent', 'old', 'late', 'closed-early']);
    expect(byId.fresh).toBeCloseTo(4.5, 6); // open pane: no age yet
    expect(byId.recent).toBeCloseTo(3 * 0.5 ** (60_000 / (7 * DAY)), 6);
    expect(byId.old).toBeCloseTo(10 * 0.5 ** ((14 * DAY + 60_000) / (7 * DAY)), 4);
    expect(byId['closed-early']).toBeCloseTo(0.5 ** (60_000 / (7 * DAY)), 6);
    expect(byId.late).toBeCloseTo(1.5 * 0.5 ** ((PANE + 60_000) / (7 * DAY)), 6); // its heat at its first window, aged from its pane's end
    expect(await heatRanking(reader, t, { now, days: 30, halfLifeDays: 7, limit: 2 })).toHaveLength(2);
  });
});
