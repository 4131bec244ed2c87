import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createClickHouse, migrate } from '@vidplat/analytics';
import type {} from '@vidplat/devstack/vitest-global-setup';
import { insertRows } from '../src/windows/clickhouse-writer.js';
import { insertRowBinary } from '../src/windows/row-binary.js';
import type { FiredWindow } from '../src/windows/partition-windows.js';
import { ITEM_HEAT_PANE_COLUMNS, itemHeatPaneRow, itemHeatPaneRowBinary, paneRows } from '../src/jobs/item-heat/item-heat-output.js';
import { METRICS_COLUMNS, metricsRow, metricsRowBinary } from '../src/jobs/realtime-metrics/metrics-output.js';
import { USER_PROFILE_COLUMNS, userProfileRow, userProfileRowBinary } from '../src/jobs/user-profiles/user-profile-output.js';
import type { ItemHeatAcc } from '../src/jobs/item-heat/item-heat-window.js';
import type { MetricsAcc } from '../src/jobs/realtime-metrics/metrics-window.js';
import type { UserProfileAcc } from '../src/jobs/user-profiles/user-profile-window.js';
import { DEFAULT_HEAT } from '../src/jobs/shared/scenario-weights.js';
import { emptyCounts } from '../src/jobs/shared/action-counts.js';

/**
 * The window sinks write RowBinary built by hand; the JSONEachRow rows (contract-typed) are the
 * reference. The same windows go in both ways under two tenants, and the real ClickHouse must
 * read back identical rows (long ids, non-ASCII text, large and zero values, empty maps).
 */
const { env } = inject('stack');
const ch = createClickHouse({ url: env.CLICKHOUSE_URL!, database: env.CLICKHOUSE_DATABASE! });
const run = Date.now().toString(36);
const T0 = Date.UTC(2026, 10, 20, 6, 0, 0);
const LONG = 'x'.repeat(200); // a length that needs a two-byte LEB128 prefix

beforeAll(async () => {
  await migrate({ url: env.CLICKHOUSE_URL!, database: env.CLICKHOUSE_DATABASE! });
});
afterAll(() => ch.close());

function fired<A>(acc: A, i: number, sizeMs: number): FiredWindow<A> {
  return { partition: i % 4, key: `k${i}`, start: T0 + i * sizeMs, end: T0 + (i + 1) * sizeMs, acc, count: 1 + i * 1_000_003, final: i % 2 === 0 };
}

async function rows(table: string, tenant: string, order: string): Promise<Record<string, unknown>[]> {
  const r = await ch.query({ query: `SELECT * EXCEPT (tenant_id) FROM ${table} FINAL WHERE tenant_id = {t:String} ORDER BY ${order}`, query_params: { t: tenant }, format: 'JSONEachRow' });
  return r.json<Record<string, unknown>>();
}

describe('RowBinary window inserts', () => {
  it('read back exactly like the JSONEachRow rows for item heat, metrics and user profiles', async () => {
    const [a, b] = [`rbjson-${run}`, `rbbin-${run}`];
    const emitted = T0 + 7_777;
    const items = ['plain-1', 'ünïcødé-ıtem', LONG, 'a:b.c_d-e'];

    const heat = (tenantId: string) =>
      items.map((itemId, i) =>
        fired<ItemHeatAcc>(
          {
            tenantId,
            scenario: i === 0 ? '' : `sc-${i}`,
            itemId,
            counts: emptyCounts(),
            heatMicro: 0,
            params: DEFAULT_HEAT,
            panes: [{
              first: i % 4,
              events: 1 + i,
              counts: { impressions: i, clicks: 2 ** 40 + i, plays: 0, completes: 3, likes: 4, shares: 5, comments: 6, purchases: 2 ** 33, dislikes: i, hides: 2 ** 34 },
              heat: [i * 987_654_321_123, i * 98_765_432_112, -i, 0],
            }],
          },
          i,
          3_600_000,
        ),
      );
    await insertRows(ch, 'item_heat_panes', paneRows(heat(a)).map((r) => itemHeatPaneRow(r, emitted)));
    await insertRowBinary(ch, 'item_heat_panes', ITEM_HEAT_PANE_COLUMNS, paneRows(heat(b)), (out, r) => itemHeatPaneRowBinary(out, r, emitted));

    const metrics = (tenantId: string) =>
      items.map((itemId, i) =>
        fired<MetricsAcc>({ tenantId, scenario: `s${i}`, itemId, experimentId: i ? `exp-${i}` : '', variant: i ? 'B' : '', impressions: 10 * i, clicks: i, plays: 2 ** 35, completes: 1, interactions: 0, watchMs: 123_456_789 * i }, i, 60_000),
      );
    await insertRows(ch, 'metrics_windows', metrics(a).map((w) => metricsRow(w, emitted)));
    await insertRowBinary(ch, 'metrics_windows', METRICS_COLUMNS, metrics(b), (out, w) => metricsRowBinary(out, w, emitted));

    const profiles = (tenantId: string) =>
      items.map((itemId, i) =>
        fired<UserProfileAcc>(
          {
            tenantId,
            userId: `user-${i}-${LONG.slice(0, i * 40)}`,
            counts: { impressions: 1, clicks: 2, plays: 3, completes: 4, likes: 5, shares: 6, comments: 7, purchases: 8 * i, dislikes: 9, hides: i },
            watchMs: 2 ** 41 + i,
            items: new Map(i === 0 ? [] : [[itemId, 1000 * i], ['other', 7]]),
            itemsLast: new Map(i === 0 ? [] : [[itemId, T0 + i]]),
            itemsNegative: new Map(i < 2 ? [] : [[`neg-${i}`, T0 - i]]),
            hours: i === 0 ? 0 : (1 << 23) | (1 << 0) | (1 << i),
          },
          i,
          300_000,
        ),
      );
    const meta = new Map([[items[1]!, { c: ['cat-ü', LONG], au: 'author-1' }]]);
    await insertRows(ch, 'user_profile_windows', profiles(a).map((w) => userProfileRow(w, meta, emitted)));
    await insertRowBinary(ch, 'user_profile_windows', USER_PROFILE_COLUMNS, profiles(b), (out, w) => userProfileRowBinary(out, w, meta, emitted));

    for (const [table, order] of [
      ['item_heat_panes', 'scenario, item_id, pane_start'],
      ['metrics_windows', 'item_id, window_start'],
      ['user_profile_windows', 'user_id, window_start'],
    ] as const) {
      const [viaJson, viaBinary] = await Promise.all([rows(table, a, order), rows(table, b, order)]);
      expect(viaJson).toHaveLength(items.length);
      expect(viaBinary, table).toEqual(viaJson);
    }
  });
});
