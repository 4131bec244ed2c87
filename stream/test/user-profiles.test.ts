import { afterAll, describe, expect, inject, it } from 'vitest';
import { Redis } from 'ioredis';
import { createClickHouse } from '@vidplat/analytics';
import { userProfileWindows } from '@vidplat/analytics/stream/window-queries';
import { behaviourEventKey, FeatureKeys, toClickHouseTime, UserProfileVector, uuidv7, type BehaviourEvent } from '@vidplat/contracts';
import { syntheticEvents } from '@vidplat/devstack/demo/synthetic-events';
import type {} from '@vidplat/devstack/vitest-global-setup';
import { createKafka, createProducer, ensureTopics, kafkaSettingsFromEnv } from '../src/kafka/client.js';
import { watchedSeconds } from '../src/jobs/shared/action-counts.js';
import { eventually, freePort, startJob, waitHealthy, type JobProcess } from './helpers.js';

/**
 * User profiles end to end: 5-minute windows per user in ClickHouse equal a reference computed
 * from the events, and each user's decayed profile vector (categories/authors resolved from the
 * edge's item features) and recent items land in Redis for the recommend path.
 */
const { env } = inject('stack');
const run = Date.now().toString(36);
const tenant = `prof-${run}`;
const topic = `behaviour-events.prof-${run}`;
const ch = createClickHouse({ url: env.CLICKHOUSE_URL!, database: env.CLICKHOUSE_DATABASE! });
const redis = new Redis(env.REDIS_URL!);
const settings = kafkaSettingsFromEnv(env);
const kafka = createKafka(settings);
const producer = createProducer(kafka);
let job: JobProcess | undefined;

afterAll(async () => {
  if (job && job.child.exitCode === null) {
    job.child.kill('SIGTERM');
    await job.exited;
  }
  await producer.disconnect().catch(() => undefined);
  await ch.close();
  redis.disconnect();
});

const START = Date.UTC(2026, 10, 22, 9, 0, 0);
const FIVE_MIN = 300_000;

describe('user profiles job', () => {
  it('writes exact 5-minute user windows and publishes profile vectors with recent items', async () => {
    // Item features as the edge's catalogue publishes them.
    const feature = (c: string, au: string) => JSON.stringify({ s: 'published', p: null, u: null, c: [c], a: 'free', au });
    await redis.hset(FeatureKeys.itemMeta(tenant), { v0: feature('news', 'alice'), v1: feature('news', 'alice'), v2: feature('sport', 'bob'), v3: feature('sport', 'bob'), v4: feature('music', 'carol') });
    await producer.connect();
    await ensureTopics(kafka, settings, [topic]);
    const port = await freePort();
    job = startJob('stream/src/jobs/user-profiles/main.ts', {
      ...env,
      STREAM_INPUT_TOPIC: topic,
      STREAM_GROUP_PREFIX: `prof-${run}-`,
      STREAM_SESSION_TIMEOUT_MS: '6000',
      STREAM_FLUSH_INTERVAL_MS: '200',
      WINDOW_IDLE_TIMEOUT_MS: '2000',
      USER_PROFILES_PORT: String(port),
    });
    await waitHealthy(port, job);

    const events: BehaviourEvent[] = syntheticEvents({ tenants: [tenant], users: 12, items: 5, count: 1500, seed: 77, startMs: START });
    // One user turns an item down: counted, kept out of their recent items, and written back to
    // the edge's real-time action list (repairing a write the edge may have lost).
    const disliker = events[0]!.userId;
    const dislikedAt = Date.parse(events[10]!.eventTime);
    events.splice(11, 0, { ...events[0]!, type: 'dislike', itemId: 'v-disliked', eventId: uuidv7(dislikedAt), eventTime: new Date(dislikedAt).toISOString() } as BehaviourEvent);
    const last = Date.parse(events[events.length - 1]!.eventTime);
    const flush = Array.from({ length: settings.partitions }, (_, p) => ({
      key: `${tenant}-flush:u`,
      value: JSON.stringify({ ...events[0]!, tenantId: `${tenant}-flush`, eventId: uuidv7(last + 86_400_000), eventTime: new Date(last + 86_400_000).toISOString() }),
      partition: p,
    }));
    const messages = events.map((e) => ({ key: behaviourEventKey(e.tenantId, e.userId), value: JSON.stringify(e) }));
    for (let i = 0; i < messages.length; i += 500) await producer.send({ topic, messages: messages.slice(i, i + 500) });
    await producer.send({ topic, messages: flush });

    // Reference: per user and window, events, clicks, plays and watch time.
    const ref = new Map<string, { userId: string; windowStart: string; events: number; clicks: number; plays: number; watchMs: number }>();
    const lastTouch = new Map<string, Map<string, number>>();
    for (const e of events) {
      const t = Date.parse(e.eventTime);
      const ws = toClickHouseTime(Math.floor(t / FIVE_MIN) * FIVE_MIN);
      const k = `${e.userId}|${ws}`;
      const r = ref.get(k) ?? { userId: e.userId, windowStart: ws, events: 0, clicks: 0, plays: 0, watchMs: 0 };
      r.events++;
      if (e.type === 'click') r.clicks++;
      if (e.type === 'play_start') r.plays++;
      r.watchMs += Math.round(watchedSeconds(e as BehaviourEvent) * 1000);
      ref.set(k, r);
      if (e.type !== 'impression' && e.type !== 'dislike') {
        const m = lastTouch.get(e.userId) ?? new Map<string, number>();
        m.set(e.itemId, Math.max(m.get(e.itemId) ?? 0, t));
        lastTouch.set(e.userId, m);
      }
    }
    const expected = [...ref.values()].sort((a, b) => a.userId.localeCompare(b.userId) || a.windowStart.localeCompare(b.windowStart));
    const pick = (rows: Awaited<ReturnType<typeof userProfileWindows>>) =>
      rows.map(({ userId, windowStart, events, clicks, plays, watchMs }) => ({ userId, windowStart, events, clicks, plays, watchMs }));
    const actual = await eventually(async () => pick(await userProfileWindows(ch, tenant, null, 0)), (r) => JSON.stringify(r) === JSON.stringify(expected), 60_000);
    expect(actual).toEqual(expected);

    // Profile vector and recent items of one active user, as the edge reads them.
    const user = [...lastTouch.keys()].sort()[0]!;
    const raw = await eventually(() => redis.get(FeatureKeys.userProfile(tenant, user)), (v) => v !== null, 20_000);
    const vector = UserProfileVector.parse(JSON.parse(raw!));
    expect(Object.keys(vector.c).every((c) => ['news', 'sport', 'music'].includes(c))).toBe(true);
    expect(Math.max(...Object.values(vector.c))).toBe(1);
    expect(Object.keys(vector.a).length).toBeGreaterThan(0);
    // The last windows close when the tenant's own watermark is moved on (its idle advance to the
    // flush tenant's): wait for the recent items of every window, not the first snapshot that has them all.
    const want = lastTouch.get(user)!;
    const recent = await eventually(
      () => redis.zrange(FeatureKeys.userRecent(tenant, user), 0, -1, 'WITHSCORES'),
      (r) => r.length / 2 === want.size && [...want].every(([item, t]) => r[r.indexOf(item) + 1] === String(t)),
      20_000,
    );
    const got = new Map<string, number>();
    for (let i = 0; i < recent.length; i += 2) got.set(recent[i]!, Number(recent[i + 1]));
    expect(got).toEqual(lastTouch.get(user));

    const actions = await eventually(() => redis.lrange(FeatureKeys.userActions(tenant, disliker), 0, -1), (l) => l.length > 0, 20_000);
    expect(actions).toEqual([`${dislikedAt}|dislike|v-disliked`]);
    expect(await redis.zscore(FeatureKeys.userRecent(tenant, disliker), 'v-disliked')).toBeNull();
    const [dislikes] = (await (await ch.query({ query: `SELECT sum(dislikes) AS d FROM user_profile_windows FINAL WHERE tenant_id = {t:String}`, query_params: { t: tenant }, format: 'JSONEachRow' })).json<{ d: string }>()).map((r) => Number(r.d));
    expect(dislikes).toBe(1);
  });
});
