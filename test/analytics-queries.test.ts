import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createClickHouse } from '@vidplat/analytics';
import { AnalyticsUnavailableError, behaviour, experimentReport, hotCourses, itemDistribution, overview, publishHeatmap, Reader, scheduleStats, trends, videoStats } from '@vidplat/analytics/queries/index';
import { ExperimentQuery, ExperimentReport, Overview, toClickHouseTime, uuidv7 } from '@vidplat/contracts';
import { analyticsDemoRows, insertAnalyticsRows, seedAnalytics } from '@vidplat/devstack/demo/analytics';
import type { EventRawRow } from '@vidplat/contracts';
import type {} from '@vidplat/devstack/vitest-global-setup';

/** The analytics queries against the real ClickHouse of the dev stack, on rows inserted here. */
const { env } = inject('stack');
const ch = createClickHouse({ url: env.CLICKHOUSE_URL!, database: env.CLICKHOUSE_DATABASE! });
const reader = new Reader(ch, { timeoutMs: 20_000 });
const tenant = `aq-${Date.now()}`;
const now = new Date();
const to = now.toISOString().slice(0, 10);
const from = new Date(now.getTime() - 13 * 86_400_000).toISOString().slice(0, 10);
const scope = { tenantId: tenant, from, to };
let rows: EventRawRow[] = [];

beforeAll(async () => {
  rows = analyticsDemoRows({ tenantId: tenant, days: 14, users: 300, seed: 5, now });
  await insertAnalyticsRows(env, rows);
});
afterAll(async () => {
  await ch.close();
});

const count = (pred: (r: EventRawRow) => boolean) => rows.filter(pred).length;
const uniq = (pred: (r: EventRawRow) => boolean, key: (r: EventRawRow) => string) => new Set(rows.filter(pred).map(key)).size;

describe('analytics queries on ClickHouse', () => {
  it('overview KPIs equal the counts of the inserted rows', async () => {
    const o = Overview.parse(await overview(reader, scope));
    expect(o.events).toBe(rows.length);
    expect(o.activeUsers).toBe(uniq(() => true, (r) => r.user_id));
    expect(o.impressions).toBe(count((r) => r.type === 'impression'));
    expect(o.clicks).toBe(count((r) => r.type === 'click'));
    expect(o.ctr).toBeCloseTo(o.clicks / o.impressions, 12);
    expect(o.plays).toBe(count((r) => r.type === 'play_start'));
    expect(o.completions).toBe(count((r) => r.type === 'play_complete'));
    expect(o.watchHours).toBeCloseTo(rows.reduce((a, r) => a + r.watched_seconds, 0) / 3600, 6);
    expect(o.revenueCents).toBe(rows.filter((r) => r.type === 'purchase').reduce((a, r) => a + (JSON.parse(r.payload) as { amountCents: number }).amountCents, 0));
  });

  it('daily trends cover every day of the range (zero-filled) and add up to the total', async () => {
    const t = await trends(reader, scope, ['events', 'ctr', 'active_users']);
    expect(t.points).toHaveLength(14);
    expect(t.points[0]!.day).toBe(from);
    expect(t.points.at(-1)!.day).toBe(to);
    expect(t.points.reduce((a, p) => a + p.events!, 0)).toBe(rows.length);
    const empty = await trends(reader, { ...scope, tenantId: `${tenant}-none` }, ['events']);
    expect(empty.points.map((p) => p.events)).toEqual(new Array(14).fill(0));
  });

  it('item distribution ranks items, buckets them and measures concentration', async () => {
    const d = await itemDistribution(reader, scope, 'plays', 5);
    const plays = new Map<string, number>();
    for (const r of rows.filter((r) => r.type === 'play_start')) plays.set(r.item_id, (plays.get(r.item_id) ?? 0) + 1);
    const sorted = [...plays.entries()].sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]));
    expect(d.items.map((i) => [i.itemId, i.value])).toEqual(sorted.slice(0, 5));
    expect(d.totalItems).toBe(plays.size);
    expect(d.buckets.reduce((a, b) => a + b.items, 0)).toBe(plays.size);
    // Power-law popularity: clearly concentrated, but not on a single item.
    expect(d.giniCoefficient).toBeGreaterThan(0.2);
    expect(d.giniCoefficient).toBeLessThan(0.95);
  });

  it('behaviour: counts by type, an ordered funnel and events per user', async () => {
    const b = await behaviour(reader, scope);
    expect(b.byType.find((t) => t.type === 'click')!.events).toBe(count((r) => r.type === 'click'));
    const users = b.funnel.map((f) => f.users);
    expect(users[0]).toBe(uniq((r) => r.type === 'impression', (r) => r.user_id));
    for (let i = 1; i < users.length; i++) expect(users[i]!).toBeLessThanOrEqual(users[i - 1]!);
    expect(b.byDevice.reduce((a, d) => a + d.events, 0)).toBe(rows.length);
    expect(b.eventsPerUser.p50).toBeGreaterThan(0);
  });

  it('video statistics: plays, unique viewers, completions, average completion, by day; filter by item', async () => {
    const v = await videoStats(reader, scope);
    expect(v.plays).toBe(count((r) => r.type === 'play_start'));
    expect(v.uniqueViewers).toBe(uniq((r) => r.type === 'play_start', (r) => r.user_id));
    expect(v.completions).toBe(count((r) => r.type === 'play_complete'));
    expect(v.avgCompletion).toBeGreaterThan(0.2);
    expect(v.avgCompletion).toBeLessThanOrEqual(1);
    expect(v.byDay).toHaveLength(14);
    expect(v.byDay.reduce((a, d) => a + d.plays, 0)).toBe(v.plays);
    const top = v.topVideos[0]!.itemId;
    const one = await videoStats(reader, scope, top);
    expect(one.plays).toBe(count((r) => r.type === 'play_start' && r.item_id === top));
  });

  it('publish heatmap has 7×24 cells; suggestions follow the audience, also in another time zone', async () => {
    const h = await publishHeatmap(reader, scope);
    expect(h.cells).toHaveLength(168);
    expect(h.suggestions).toHaveLength(3);
    for (const s of h.suggestions) expect(s.hour).toBeGreaterThanOrEqual(18); // the generator's evening peak
    const tokyo = await publishHeatmap(reader, scope, 'Asia/Tokyo', 1);
    expect(tokyo.cells.reduce((a, c) => a + c.engagement, 0)).toBe(h.cells.reduce((a, c) => a + c.engagement, 0));
    expect(tokyo.suggestions[0]!.hour).toBe((h.suggestions.find((s) => s.score === 1)!.hour + 9) % 24);
  });

  it('hot courses count enrolments and rank by recency-weighted score', async () => {
    const c = await hotCourses(reader, scope, 10);
    expect(c.courses.reduce((a, x) => a + x.enrolments, 0)).toBe(count((r) => r.type === 'enrol'));
    for (let i = 1; i < c.courses.length; i++) expect(c.courses[i]!.score).toBeLessThanOrEqual(c.courses[i - 1]!.score);
  });

  it('experiment report from exposures and outcomes: units per arm, intervals, a verdict', async () => {
    const q = ExperimentQuery.parse({ from, to, primary: 'click_rate', weights: 'control:1,b:1' });
    const r = ExperimentReport.parse(await experimentReport(reader, scope, 'feed-ranker', q));
    expect(r.control).toBe('control');
    expect(r.variants.map((v) => [v.variant, v.units])).toEqual([
      ['b', uniq((r) => r.variant === 'b', (r) => r.user_id)],
      ['control', uniq((r) => r.variant === 'control', (r) => r.user_id)],
    ]);
    expect(r.looks).toBe(14);
    expect(r.srm.mismatch).toBe(false);
    const primary = r.metrics.find((m) => m.role === 'primary')!;
    const clicked = uniq((x) => x.variant === 'b' && x.type === 'click', (x) => x.user_id);
    expect(primary.variants.find((v) => v.variant === 'b')!.estimate).toBeCloseTo(clicked / r.variants[0]!.units, 12);
    // The generator gives b twice the click rate: seeded data, so the verdict is deterministic.
    expect(primary.comparisons[0]).toMatchObject({ variant: 'b', outcome: 'better', significant: true });
    expect(primary.comparisons[0]!.interval.low).toBeGreaterThan(0);
    expect(r.verdict).toMatchObject({ decision: 'ship', variant: 'b' });
  });

  it('refuses a verdict when the observed split does not match the configured one (SRM)', async () => {
    const q = ExperimentQuery.parse({ from, to, weights: 'control:70,b:30' });
    const r = await experimentReport(reader, scope, 'feed-ranker', q);
    expect(r.srm.mismatch).toBe(true);
    expect(r.verdict.decision).toBe('invalid_srm');
  });

  it('injection attempts in parameters are inert: they match nothing and change nothing', async () => {
    const before = await overview(reader, scope);
    for (const evil of [`${tenant}' OR '1'='1`, `x'; DROP TABLE events_raw; --`, `\\' OR 1=1 --`, `${tenant}\u0000`]) {
      expect((await overview(reader, { ...scope, tenantId: evil })).events).toBe(0);
      expect((await videoStats(reader, scope, evil)).plays).toBe(0);
    }
    expect((await overview(reader, scope)).events).toBe(before.events);
  });

  it('the demo seeder writes the history of each tenant once, also when npm start runs again', async () => {
    const t = { tenantId: `aq-seed-${Date.now()}`, name: 'x', template: 'vlog' as const, superKey: 'unused' };
    const ctx = { edgeUrl: '', env, tenants: [t], log: () => undefined };
    await seedAnalytics(ctx);
    await seedAnalytics(ctx);
    const o = await overview(reader, { tenantId: t.tenantId, from, to });
    expect(o.events).toBe(analyticsDemoRows({ tenantId: t.tenantId, seed: 11 }).length);
  });

  it('schedule statistics count publishes today / this week and gate failures once per occurrence', async () => {
    const t = `aq-sched-${Date.now()}`;
    // Wednesday 2026-11-25 12:00 UTC; the ISO week started Monday 2026-11-23.
    const at = new Date('2026-11-25T12:00:00Z');
    const ev = (hoursAgo: number, action: string, scheduleId: string, occurrence = 0): EventRawRow => {
      const time = toClickHouseTime(at.getTime() - hoursAgo * 3_600_000);
      return {
        event_id: uuidv7(), tenant_id: t, user_id: 'alarm', item_id: 'promo-1', type: 'schedule', scenario: '', experiment_id: '', variant: '',
        event_time: time, ingest_time: time, watched_seconds: 0,
        payload: JSON.stringify({ type: 'schedule', scheduleId, occurrence, action, contentKind: 'banner', contentId: 'promo-1' }),
        kafka_partition: 0, kafka_offset: '0',
      };
    };
    const [a, b, c, d, e] = [uuidv7(), uuidv7(), uuidv7(), uuidv7(), uuidv7()];
    await insertAnalyticsRows(env, [
      ev(1, 'publish', a), ev(0.5, 'publish', a), // outbox redelivery: same occurrence counts once
      ev(2, 'publish', b, 0), ev(26, 'publish', b, 1), // daily recurrence: yesterday's occurrence is this week, not today
      ev(20, 'publish', e), // 24 Nov 16:00 UTC: yesterday in UTC, today in Tokyo
      ev(60, 'publish', c), // Monday: this week
      ev(80, 'publish', d), // Sunday before: last week
      ev(3, 'unpublish', c),
      ev(5, 'gate_failed', d), ev(200, 'gate_failed', d, 1), // older than 7 days: not counted
    ]);
    const s = await scheduleStats(reader, t, at);
    expect(s).toEqual({ timeZone: 'UTC', publishedToday: 2, publishedThisWeek: 5, unpublishedToday: 1, failedThisWeek: 1, source: 'schedule_events' });
    // In Tokyo (UTC+9) "today" is 2026-11-25 00:00–24:00 JST = 24 Nov 15:00 – 25 Nov 15:00 UTC.
    expect((await scheduleStats(reader, t, at, 'Asia/Tokyo')).publishedToday).toBe(3);
    expect((await scheduleStats(reader, `${t}-none`, at)).source).toBe('empty');
  });

  it('reader: a query error surfaces as is, overload and unreachable ClickHouse as unavailable', async () => {
    await expect(reader.rows('SELECT no_such_column FROM events_raw', {})).rejects.not.toBeInstanceOf(AnalyticsUnavailableError);
    await expect(reader.rows('SELECT no_such_column FROM events_raw', {})).rejects.toThrow(/no_such_column/);
    // TIMEOUT_EXCEEDED from the server: load, not a bug.
    await expect(
      reader.rows("SELECT count() FROM system.numbers SETTINGS max_execution_time = 0.2, timeout_overflow_mode = 'throw'", {}),
    ).rejects.toBeInstanceOf(AnalyticsUnavailableError);
    const closed = createClickHouse({ url: 'http://127.0.0.1:9', database: 'vidplat', requestTimeoutMs: 2000 });
    await expect(new Reader(closed, { retries: 1 }).rows('SELECT 1', {})).rejects.toBeInstanceOf(AnalyticsUnavailableError);
    await closed.close();
  });
});
