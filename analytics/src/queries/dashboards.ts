import type { Behaviour, HotCourses, ScheduleStats, ItemDistribution, ItemMetric, Overview, PublishHeatmap, TrendMetric, Trends, VideoStats } from '@vidplat/contracts';
import { num, type Reader } from './reader.js';

/**
 * Dashboard queries over events_raw. The SQL below is constant text: tenant, dates, ids and
 * limits are bound as {name:Type} parameters by ClickHouse, and anything that selects SQL (a
 * metric name) is looked up in a fixed table after the request was validated against an enum.
 */
export interface Scope {
  tenantId: string;
  from: string;
  to: string;
}

const RANGE = `tenant_id = {tenant:String}
  AND event_time >= toDateTime64({from:Date}, 3, 'UTC')
  AND event_time < toDateTime64({to:Date} + 1, 3, 'UTC')`;

const params = (s: Scope, extra: Record<string, unknown> = {}) => ({ tenant: s.tenantId, from: s.from, to: s.to, ...extra });

const WATCH = `sumIf(watched_seconds, type IN ('play_progress', 'play_complete'))`;
const ratio = (a: number, b: number) => (b > 0 ? a / b : 0);

export async function overview(r: Reader, s: Scope): Promise<Overview> {
  const row = await r.one<Record<string, unknown>>(
    `SELECT count() AS events, uniqExact(user_id) AS active_users, uniqExact(item_id) AS active_items,
            countIf(type = 'impression') AS impressions, countIf(type = 'click') AS clicks,
            countIf(type = 'play_start') AS plays, countIf(type = 'play_complete') AS completions,
            ${WATCH} AS watch_seconds, countIf(type = 'purchase') AS purchases,
            sumIf(JSONExtractInt(payload, 'amountCents'), type = 'purchase') AS revenue_cents,
            countIf(type = 'enrol') AS enrolments, countIf(type = 'course_complete') AS course_completions
     FROM events_raw FINAL WHERE ${RANGE}`,
    params(s),
  );
  const n = (k: string) => num(row[k]);
  return {
    from: s.from,
    to: s.to,
    events: n('events'),
    activeUsers: n('active_users'),
    activeItems: n('active_items'),
    impressions: n('impressions'),
    clicks: n('clicks'),
    ctr: ratio(n('clicks'), n('impressions')),
    plays: n('plays'),
    completions: n('completions'),
    completionRate: ratio(n('completions'), n('plays')),
    watchHours: n('watch_seconds') / 3600,
    purchases: n('purchases'),
    revenueCents: n('revenue_cents'),
    enrolments: n('enrolments'),
    courseCompletions: n('course_completions'),
  };
}

export async function trends(r: Reader, s: Scope, metrics: TrendMetric[]): Promise<Trends> {
  const rows = await r.rows<Record<string, unknown>>(
    `SELECT toDate(event_time) AS day, count() AS events, countIf(type = 'impression') AS impressions,
            countIf(type = 'click') AS clicks, countIf(type = 'play_start') AS plays,
            countIf(type = 'play_complete') AS completions, uniqExact(user_id) AS active_users,
            ${WATCH} AS watch_seconds, countIf(type = 'purchase') AS purchases, countIf(type = 'enrol') AS enrolments
     FROM events_raw FINAL WHERE ${RANGE}
     GROUP BY day ORDER BY day WITH FILL FROM {from:Date} TO {to:Date} + 1`,
    params(s),
  );
  const points = rows.map((row) => {
    const p: Record<string, number> & { day: string } = { day: String(row.day) } as never;
    for (const m of metrics) p[m] = m === 'ctr' ? ratio(num(row.clicks), num(row.impressions)) : num(row[m]);
    return p;
  });
  return { metrics, points };
}

/** Fixed SQL per metric; the key was validated against ItemMetric before it gets here. */
const ITEM_METRIC_SQL: Record<ItemMetric, string> = {
  impressions: `countIf(type = 'impression')`,
  clicks: `countIf(type = 'click')`,
  plays: `countIf(type = 'play_start')`,
  completions: `countIf(type = 'play_complete')`,
  watch_seconds: WATCH,
  likes: `countIf(type = 'like')`,
  shares: `countIf(type = 'share')`,
  purchases: `countIf(type = 'purchase')`,
};

export async function itemDistribution(r: Reader, s: Scope, metric: ItemMetric, limit: number): Promise<ItemDistribution> {
  const expr = ITEM_METRIC_SQL[metric];
  if (!expr) throw new RangeError(`unknown item metric ${metric}`);
  const perItem = `SELECT item_id, toFloat64(${expr}) AS value FROM events_raw FINAL WHERE ${RANGE} GROUP BY item_id HAVING value > 0`;
  const [top, buckets, summary] = await Promise.all([
    r.rows<{ item_id: string; value: unknown }>(`${perItem} ORDER BY value DESC, item_id LIMIT {limit:UInt32}`, params(s, { limit })),
    r.rows<{ b: unknown; items: unknown }>(`SELECT toUInt32(floor(log2(value))) AS b, count() AS items FROM (${perItem}) GROUP BY b ORDER BY b`, params(s)),
    r.one<{ n: unknown; total: unknown; weighted: unknown }>(
      `SELECT length(a) AS n, arraySum(a) AS total, arraySum(arrayMap((x, i) -> x * i, a, arrayEnumerate(a))) AS weighted
       FROM (SELECT arraySort(groupArray(value)) AS a FROM (${perItem}))`,
      params(s),
    ),
  ]);
  const n = num(summary.n);
  const total = num(summary.total);
  // Gini over items sorted ascending: G = 2·Σ i·x_i / (n·Σx) − (n+1)/n.
  const gini = n > 0 && total > 0 ? (2 * num(summary.weighted)) / (n * total) - (n + 1) / n : 0;
  return {
    metric,
    items: top.map((t) => ({ itemId: t.item_id, value: num(t.value), share: ratio(num(t.value), total) })),
    buckets: buckets.map((b) => ({ low: 2 ** num(b.b), high: 2 ** (num(b.b) + 1), items: num(b.items) })),
    totalItems: n,
    giniCoefficient: Math.max(0, gini),
  };
}

const FUNNEL = ['impression', 'click', 'play_start', 'play_complete'] as const;

export async function behaviour(r: Reader, s: Scope): Promise<Behaviour> {
  const [byType, levels, byDevice, perUser] = await Promise.all([
    r.rows<{ type: string; events: unknown; users: unknown }>(
      `SELECT type, count() AS events, uniqExact(user_id) AS users FROM events_raw FINAL WHERE ${RANGE} GROUP BY type ORDER BY events DESC, type`,
      params(s),
    ),
    // windowFunnel: the furthest step each user reached in order within 24 h.
    r.rows<{ level: unknown; users: unknown }>(
      `SELECT level, count() AS users FROM (
         SELECT user_id, windowFunnel(86400)(toDateTime(event_time), type = 'impression', type = 'click', type = 'play_start', type = 'play_complete') AS level
         FROM events_raw FINAL WHERE ${RANGE} GROUP BY user_id)
       GROUP BY level`,
      params(s),
    ),
    r.rows<{ device: string; events: unknown }>(
      `SELECT if(d = '', 'unknown', d) AS device, count() AS events
       FROM (SELECT JSONExtractString(payload, 'device') AS d FROM events_raw FINAL WHERE ${RANGE})
       GROUP BY device ORDER BY events DESC, device`,
      params(s),
    ),
    r.one<{ mean: unknown; q: unknown[] }>(
      `SELECT ifNotFinite(avg(c), 0) AS mean, quantilesExact(0.5, 0.9, 0.99)(c) AS q
       FROM (SELECT count() AS c FROM events_raw FINAL WHERE ${RANGE} GROUP BY user_id)`,
      params(s),
    ),
  ]);
  const reached = FUNNEL.map((_, i) => levels.filter((l) => num(l.level) >= i + 1).reduce((a, l) => a + num(l.users), 0));
  return {
    byType: byType.map((t) => ({ type: t.type, events: num(t.events), users: num(t.users) })),
    funnel: FUNNEL.map((step, i) => ({ step, users: reached[i]!, rateFromPrevious: i === 0 ? 1 : ratio(reached[i]!, reached[i - 1]!) })),
    byDevice: byDevice.map((d) => ({ device: d.device, events: num(d.events) })),
    eventsPerUser: { mean: num(perUser.mean), p50: num(perUser.q?.[0]), p90: num(perUser.q?.[1]), p99: num(perUser.q?.[2]) },
  };
}

/** One row per (viewer, video, day) play session with its furthest position as a share of the duration. */
const SESSIONS = `SELECT user_id, item_id, toDate(event_time) AS day,
    countIf(type = 'play_start') AS starts, countIf(type = 'play_complete') AS completes,
    least(1, max(if(type = 'play_complete', 1, JSONExtractFloat(payload, 'positionSeconds') / greatest(JSONExtractFloat(payload, 'durationSeconds'), 0.001)))) AS completion,
    ${WATCH} AS watch
  FROM events_raw FINAL
  WHERE ${RANGE} AND type IN ('play_start', 'play_progress', 'play_complete') AND ({item:String} = '' OR item_id = {item:String})
  GROUP BY user_id, item_id, day`;

export async function videoStats(r: Reader, s: Scope, itemId?: string): Promise<VideoStats> {
  const p = params(s, { item: itemId ?? '' });
  const AGG = `sum(starts) AS plays, uniqExactIf(user_id, starts > 0) AS viewers, sum(completes) AS completions, ifNotFinite(avg(completion), 0) AS avg_completion`;
  const REACHED = (m: number) => `uniqExactIf((user_id, item_id), type = 'play_complete' OR JSONExtractUInt(payload, 'milestone') >= ${m})`;
  const [total, byDay, top, reached] = await Promise.all([
    r.one<Record<string, unknown>>(`SELECT ${AGG}, sum(watch) AS watch FROM (${SESSIONS})`, p),
    r.rows<Record<string, unknown>>(`SELECT day, ${AGG} FROM (${SESSIONS}) GROUP BY day ORDER BY day WITH FILL FROM {from:Date} TO {to:Date} + 1`, p),
    r.rows<Record<string, unknown>>(`SELECT item_id, ${AGG} FROM (${SESSIONS}) GROUP BY item_id ORDER BY plays DESC, item_id LIMIT 20`, p),
    r.one<Record<string, unknown>>(
      `SELECT ${REACHED(25)} AS p25, ${REACHED(50)} AS p50, ${REACHED(75)} AS p75, uniqExactIf((user_id, item_id), type = 'play_complete') AS p100
       FROM events_raw FINAL WHERE ${RANGE} AND type IN ('play_progress', 'play_complete') AND ({item:String} = '' OR item_id = {item:String})`,
      p,
    ),
  ]);
  const plays = num(total.plays);
  return {
    plays,
    uniqueViewers: num(total.viewers),
    completions: num(total.completions),
    completionRate: ratio(num(total.completions), plays),
    avgCompletion: num(total.avg_completion),
    watchHours: num(total.watch) / 3600,
    reached: { p25: num(reached.p25), p50: num(reached.p50), p75: num(reached.p75), p100: num(reached.p100) },
    byDay: byDay.map((d) => ({ day: String(d.day), plays: num(d.plays), uniqueViewers: num(d.viewers), completions: num(d.completions), avgCompletion: num(d.avg_completion) })),
    topVideos: top.map((d) => ({ itemId: String(d.item_id), plays: num(d.plays), uniqueViewers: num(d.viewers), completions: num(d.completions), avgCompletion: num(d.avg_completion) })),
  };
}

const ENGAGED = `('click', 'play_start', 'like', 'share', 'comment', 'purchase', 'enrol')`;

/**
 * Audience activity by weekday × hour in the tenant's time zone, and the best slots to publish:
 * the hours when the most distinct users engage (clicks, plays, likes, shares, comments, purchases).
 */
export async function publishHeatmap(r: Reader, s: Scope, timeZone = 'UTC', suggestions = 3): Promise<PublishHeatmap> {
  const rows = await r.rows<{ weekday: unknown; hour: unknown; engagement: unknown; users: unknown }>(
    `SELECT toDayOfWeek(toTimeZone(event_time, {tz:String})) AS weekday, toHour(toTimeZone(event_time, {tz:String})) AS hour,
            count() AS engagement, uniqExact(user_id) AS users
     FROM events_raw FINAL WHERE ${RANGE} AND type IN ${ENGAGED}
     GROUP BY weekday, hour`,
    params(s, { tz: timeZone }),
  );
  const key = (w: number, h: number) => w * 100 + h;
  const got = new Map(rows.map((x) => [key(num(x.weekday), num(x.hour)), x]));
  const cells: PublishHeatmap['cells'] = [];
  for (let weekday = 1; weekday <= 7; weekday++) {
    for (let hour = 0; hour < 24; hour++) {
      const x = got.get(key(weekday, hour));
      cells.push({ weekday, hour, engagement: num(x?.engagement), users: num(x?.users) });
    }
  }
  const maxUsers = Math.max(1, ...cells.map((c) => c.users));
  const names = ['', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];
  const best = cells
    .filter((c) => c.users > 0)
    .sort((a, b) => b.users - a.users || b.engagement - a.engagement || a.weekday - b.weekday || a.hour - b.hour)
    .slice(0, suggestions)
    .map((c) => ({
      weekday: c.weekday,
      hour: c.hour,
      score: c.users / maxUsers,
      reason: `${names[c.weekday]} ${String(c.hour).padStart(2, '0')}:00 ${timeZone}: ${c.users} engaged users, ${c.engagement} interactions`,
    }));
  return { timeZone, cells, suggestions: best };
}

/** Courses ranked by recency-weighted enrolments (half-life 7 days; paid enrolments count double). */
export async function hotCourses(r: Reader, s: Scope, limit: number): Promise<HotCourses> {
  const rows = await r.rows<Record<string, unknown>>(
    `SELECT JSONExtractString(payload, 'courseId') AS course_id, countIf(type = 'enrol') AS enrolments,
            countIf(type = 'enrol' AND JSONExtractString(payload, 'kind') = 'paid') AS paid, uniqExactIf(user_id, type = 'enrol') AS learners,
            countIf(type = 'course_complete') AS completions,
            toString(maxIf(event_time, type = 'enrol')) AS last_enrolment,
            sumIf(if(JSONExtractString(payload, 'kind') = 'paid', 2, 1)
                * exp2(-dateDiff('second', event_time, toDateTime64({to:Date} + 1, 3, 'UTC')) / 604800), type = 'enrol') AS score
     FROM events_raw FINAL WHERE ${RANGE} AND type IN ('enrol', 'course_complete')
     GROUP BY course_id HAVING course_id != '' AND enrolments > 0
     ORDER BY score DESC, course_id LIMIT {limit:UInt32}`,
    params(s, { limit }),
  );
  return {
    courses: rows.map((x) => ({
      courseId: String(x.course_id),
      enrolments: num(x.enrolments),
      paid: num(x.paid),
      learners: num(x.learners),
      completions: num(x.completions),
      lastEnrolment: String(x.last_enrolment),
      score: num(x.score),
    })),
  };
}

/**
 * Publishing outcomes for the tenant from the Scheduler's schedule events (type 'schedule' in
 * events_raw): published today and this week (ISO week, in the tenant's zone), unpublished today,
 * gate failures over the last 7 days. Retried deliveries count once per (schedule, occurrence).
 */
export async function scheduleStats(r: Reader, tenantId: string, now: Date, timeZone = 'UTC'): Promise<ScheduleStats> {
  const row = await r.one<Record<string, unknown>>(
    `SELECT count() AS events,
            uniqExactIf(occ, action = 'publish' AND toDate(event_time, {tz:String}) = toDate({now:DateTime64(3, 'UTC')}, {tz:String})) AS published_today,
            uniqExactIf(occ, action = 'publish' AND toMonday(toDate(event_time, {tz:String})) = toMonday(toDate({now:DateTime64(3, 'UTC')}, {tz:String}))
                             AND event_time <= {now:DateTime64(3, 'UTC')}) AS published_week,
            uniqExactIf(occ, action = 'unpublish' AND toDate(event_time, {tz:String}) = toDate({now:DateTime64(3, 'UTC')}, {tz:String})) AS unpublished_today,
            uniqExactIf(occ, action = 'gate_failed' AND event_time > {now:DateTime64(3, 'UTC')} - INTERVAL 7 DAY) AS failed_week
     FROM (
       SELECT event_time, JSONExtractString(payload, 'action') AS action,
              concat(JSONExtractString(payload, 'scheduleId'), '#', toString(JSONExtractUInt(payload, 'occurrence'))) AS occ
       FROM events_raw FINAL
       WHERE tenant_id = {tenant:String} AND type = 'schedule'
         AND event_time >= {now:DateTime64(3, 'UTC')} - INTERVAL 8 DAY AND event_time <= {now:DateTime64(3, 'UTC')} + INTERVAL 1 DAY)`,
    { tenant: tenantId, tz: timeZone, now: now.toISOString().replace('T', ' ').replace('Z', '') },
  );
  return {
    timeZone,
    publishedToday: num(row.published_today),
    publishedThisWeek: num(row.published_week),
    unpublishedToday: num(row.unpublished_today),
    failedThisWeek: num(row.failed_week),
    source: num(row.events) > 0 ? 'schedule_events' : 'empty',
  };
}
