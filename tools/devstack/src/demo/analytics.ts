import { createClickHouse } from '@vidplat/analytics';
import { toClickHouseTime, type EventRawRow } from '@vidplat/contracts';
import type { DemoSeeder } from './context.js';
import { mulberry32 } from './synthetic-events.js';
import { DEMO_LESSONS } from './catalogue.js';

/** Course ids the catalogue seeder creates: enrolments in the history name real courses. */
const DEMO_COURSES = Object.keys(DEMO_LESSONS);

export interface AnalyticsDemoOptions {
  tenantId: string;
  /** Days of history ending today (UTC). */
  days?: number;
  users?: number;
  items?: number;
  seed?: number;
  /** "Today" for the generator; defaults to now. */
  now?: Date;
  /** Click rate per impression for the feed-ranker experiment's arms. */
  ctr?: { control: number; b: number };
}

export const DEMO_EXPERIMENT = 'feed-ranker';

/**
 * Deterministic behaviour history for dashboards and experiment results, written straight into
 * events_raw in the shape the raw-events consumer writes (older than the stream's lateness
 * window, so it cannot come through Kafka). Users are split 50/50 into the feed-ranker
 * experiment's control and b arms; b clicks more. Items are the recommender catalogue's ids
 * (`v0`…, as the recommend seeder imports them; `items` must stay ≤ its 300), enrolments name the
 * catalogue seeder's courses, and nothing is dated after the start of the current hour (the same
 * rows for every call within an hour, none in the future).
 */
export function analyticsDemoRows(o: AnalyticsDemoOptions): EventRawRow[] {
  const { tenantId, days = 14, users = 400, items = 40, seed = 11, ctr = { control: 0.03, b: 0.06 } } = o;
  const rand = mulberry32(seed);
  const now = o.now ?? new Date();
  const today = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  const cutoff = Math.floor(now.getTime() / 3_600_000) * 3_600_000;
  const rows: EventRawRow[] = [];
  let seq = 0;
  const devices = ['web', 'ios', 'android', 'tv'];
  const pick = <T>(xs: T[]) => xs[Math.floor(rand() * xs.length)]!;
  // Evening-heavy activity: hours weighted towards 18–22 UTC.
  const hourWeights = Array.from({ length: 24 }, (_, h) => (h >= 18 && h <= 22 ? 6 : h >= 7 && h <= 9 ? 3 : h < 6 ? 0.3 : 1.5));
  const hourTotal = hourWeights.reduce((a, b) => a + b, 0);
  const hour = () => {
    let x = rand() * hourTotal;
    for (let h = 0; h < 24; h++) if ((x -= hourWeights[h]!) <= 0) return h;
    return 23;
  };
  const push = (t: number, userId: string, itemId: string, type: string, variant: string, device: string, extra: Record<string, unknown> = {}, watched = 0) => {
    if (t >= cutoff) return; // history only: today's sessions end before the current hour
    const eventTime = toClickHouseTime(t);
    rows.push({
      event_id: `demo-${tenantId}-${seed}-${seq++}`,
      tenant_id: tenantId,
      user_id: userId,
      item_id: itemId,
      type,
      scenario: 'feed',
      experiment_id: DEMO_EXPERIMENT,
      variant,
      event_time: eventTime,
      ingest_time: eventTime,
      watched_seconds: watched,
      payload: JSON.stringify({ type, tenantId, userId, itemId, eventTime: new Date(t).toISOString(), device, scenario: 'feed', experiment: { id: DEMO_EXPERIMENT, variant }, ...extra }),
      kafka_partition: 0,
      kafka_offset: String(seq),
    });
  };
  for (let u = 0; u < users; u++) {
    const userId = `user-${u}`;
    const variant = u % 2 === 0 ? 'control' : 'b';
    const device = pick(devices);
    const firstDay = Math.floor(rand() * Math.min(days, 5));
    for (let d = firstDay; d < days; d++) {
      if (rand() > 0.55) continue;
      let t = today - (days - 1 - d) * 86_400_000 + hour() * 3_600_000 + Math.floor(rand() * 3_000_000);
      for (let k = 0; k < 4; k++) {
        // Popularity follows a power law over items.
        const item = `v${Math.floor(items * rand() ** 2.2)}`;
        push(t, userId, item, 'impression', variant, device);
        t += 2000;
        if (rand() >= ctr[variant as 'control' | 'b']) continue;
        push(t, userId, item, 'click', variant, device);
        if (rand() < 0.7) {
          const duration = 300 + Math.floor(rand() * 900);
          push((t += 1000), userId, item, 'play_start', variant, device, { positionSeconds: 0, durationSeconds: duration });
          const reach = Math.min(1, rand() * 1.4);
          const watched = Math.round(duration * reach);
          if (reach >= 1) push((t += watched * 1000), userId, item, 'play_complete', variant, device, { positionSeconds: duration, durationSeconds: duration, watchedSeconds: watched }, watched);
          else push((t += watched * 1000), userId, item, 'play_progress', variant, device, { positionSeconds: watched, durationSeconds: duration, watchedSeconds: watched }, watched);
          if (rand() < 0.15) push((t += 5000), userId, item, 'like', variant, device);
          if (rand() < 0.04) push((t += 5000), userId, item, 'share', variant, device, { channel: 'link' });
        }
        if (rand() < 0.03) push((t += 5000), userId, item, 'purchase', variant, device, { orderId: `o-${seq}`, amountCents: 499 + Math.floor(rand() * 4000), currency: 'USD' });
        if (rand() < 0.02) {
          const course = DEMO_COURSES[Math.min(DEMO_COURSES.length - 1, Math.floor(DEMO_COURSES.length * rand() ** 1.8))]!;
          push((t += 5000), userId, course, 'enrol', variant, device, { courseId: course, kind: rand() < 0.3 ? 'paid' : 'free' });
        }
      }
    }
  }
  return rows;
}

export async function insertAnalyticsRows(env: Record<string, string>, rows: EventRawRow[]): Promise<void> {
  const ch = createClickHouse({ url: env.CLICKHOUSE_URL!, database: env.CLICKHOUSE_DATABASE ?? 'vidplat', requestTimeoutMs: 30_000 });
  try {
    for (let i = 0; i < rows.length; i += 20_000) await ch.insert({ table: 'events_raw', values: rows.slice(i, i + 20_000), format: 'JSONEachRow' });
  } finally {
    await ch.close();
  }
}

/** Demo seeder: two weeks of behaviour and a running feed-ranker experiment per demo tenant. */
export const seedAnalytics: DemoSeeder = async (ctx) => {
  let total = 0;
  const ch = createClickHouse({ url: ctx.env.CLICKHOUSE_URL!, database: ctx.env.CLICKHOUSE_DATABASE ?? 'vidplat', requestTimeoutMs: 10_000 });
  const seeded = new Set(
    (
      await (
        await ch.query({ query: "SELECT DISTINCT tenant_id FROM events_raw WHERE startsWith(event_id, 'demo-')", format: 'JSONEachRow' })
      ).json<{ tenant_id: string }>()
    ).map((r) => r.tenant_id),
  );
  await ch.close();
  for (const [i, t] of ctx.tenants.entries()) {
    // A restarted stack keeps its ClickHouse data: seed each tenant's history once.
    if (seeded.has(t.tenantId)) continue;
    const rows = analyticsDemoRows({ tenantId: t.tenantId, seed: 11 + i });
    await insertAnalyticsRows(ctx.env, rows);
    total += rows.length;
  }
  ctx.log(`analytics: ${total} behaviour rows over 14 days for ${ctx.tenants.length} tenants (experiment ${DEMO_EXPERIMENT})`);
};
