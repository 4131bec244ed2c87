import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Redis } from 'ioredis';
import { createClickHouse } from '@vidplat/analytics';
import { hotListQuery, itemHeatTotals, lateEventIds, type ItemHeatTotals } from '@vidplat/analytics/stream/window-queries';
import { behaviourEventKey, deadLetterTopic, FeatureKeys, SnapshotMeta, toClickHouseTime, uuidv7, type BehaviourEvent } from '@vidplat/contracts';
import { syntheticEvents } from '@vidplat/devstack/demo/synthetic-events';
import type {} from '@vidplat/devstack/vitest-global-setup';
import { createKafka, createProducer, ensureTopics, kafkaSettingsFromEnv } from '../src/kafka/client.js';
import { countAction, emptyCounts } from '../src/jobs/shared/action-counts.js';
import { DEFAULT_HEAT } from '../src/jobs/shared/scenario-weights.js';
import { heatMicro, ITEM_HEAT_JOB, itemHeatSpec } from '../src/jobs/item-heat/item-heat-window.js';
import { windowStarts } from '../src/windows/window-spec.js';
import { WINDOW_JOBS } from '../src/jobs/definitions.js';
import { eventually, freePort, sleep, startJob, waitHealthy, type JobProcess } from './helpers.js';

/**
 * Effectively once, against the real broker and ClickHouse: the item-heat job is SIGKILLed in the
 * middle of the stream, restarted, and the ClickHouse window results must equal a reference
 * computed here from the same events — exact counts and exact (integer micro-unit) heat. The
 * stream also carries duplicates (count once), malformed messages (dead-letter topic) and late
 * events (late_events table).
 */
const { env } = inject('stack');
const run = `${Date.now().toString(36)}`;
const tenant = `crash-${run}`;
const topic = `behaviour-events.test-${run}`;
const groupPrefix = `test-${run}-`;
const ch = createClickHouse({ url: env.CLICKHOUSE_URL!, database: env.CLICKHOUSE_DATABASE! });
const redis = new Redis(env.REDIS_URL!);
const settings = kafkaSettingsFromEnv(env);
const kafka = createKafka(settings);
const producer = createProducer(kafka);
const jobs: JobProcess[] = [];

beforeAll(async () => {
  await producer.connect();
});

afterAll(async () => {
  for (const j of jobs) if (j.child.exitCode === null) j.child.kill('SIGKILL');
  await producer.disconnect().catch(() => undefined);
  await ch.close();
  redis.disconnect();
});

const OOO_MS = 5000;
const LATENESS_MS = 60_000;
const START = Date.UTC(2026, 10, 20, 6, 0, 0);

function reference(events: BehaviourEvent[]): ItemHeatTotals[] {
  const spec = itemHeatSpec(OOO_MS, LATENESS_MS);
  const m = new Map<string, ItemHeatTotals>();
  const seen = new Set<string>();
  for (const e of events) {
    if (seen.has(e.eventId)) continue;
    seen.add(e.eventId);
    const t = Date.parse(e.eventTime);
    for (const start of windowStarts(t, spec)) {
      const windowStart = toClickHouseTime(start);
      const k = `${windowStart}|${e.scenario}|${e.itemId}`;
      let r = m.get(k);
      if (!r) {
        r = { scenario: e.scenario ?? '', itemId: e.itemId, windowStart, events: 0, ...emptyCounts(), heatMicro: 0 };
        m.set(k, r);
      }
      r.events++;
      countAction(r as unknown as ReturnType<typeof emptyCounts>, e.type);
      r.heatMicro += heatMicro(e.type, t, start + spec.sizeMs, DEFAULT_HEAT);
    }
  }
  return [...m.values()].sort((a, b) => a.windowStart.localeCompare(b.windowStart) || a.scenario.localeCompare(b.scenario) || a.itemId.localeCompare(b.itemId));
}

async function send(messages: { key: string; value: string; partition?: number }[], t = topic): Promise<void> {
  for (let i = 0; i < messages.length; i += 250) await producer.send({ topic: t, messages: messages.slice(i, i + 250) });
}

const asMessage = (e: BehaviourEvent) => ({ key: behaviourEventKey(e.tenantId, e.userId), value: JSON.stringify(e) });

/** The combined process (all three jobs on one group, as deployed) or item heat on its own. */
const COMBINED = 'stream/src/jobs/window-jobs/main.ts';
const ITEM_HEAT_ONLY = 'stream/src/jobs/item-heat/main.ts';

async function startItemHeat(t = topic, prefix = groupPrefix, entry = COMBINED): Promise<JobProcess & { port: number }> {
  const port = await freePort();
  const job = startJob(entry, {
    ...env,
    STREAM_INPUT_TOPIC: t,
    STREAM_GROUP_PREFIX: prefix,
    STREAM_SESSION_TIMEOUT_MS: '6000',
    STREAM_FLUSH_INTERVAL_MS: '200',
    WINDOW_IDLE_TIMEOUT_MS: '2000',
    WINDOW_OUT_OF_ORDERNESS_MS: String(OOO_MS),
    WINDOW_ALLOWED_LATENESS_MS: String(LATENESS_MS),
    ITEM_HEAT_PORT: String(port),
    WINDOW_JOBS_PORT: String(port),
    HOT_LIST_SIZE: '10',
    // Early hot lists every half second: they must change nothing in the final results.
    ITEM_HEAT_EARLY_MS: '500',
  });
  jobs.push(job);
  await waitHealthy(port, job);
  return { ...job, port };
}

const rowCount = async () => {
  const r = await ch.query({ query: 'SELECT count() AS n FROM item_heat_panes FINAL WHERE tenant_id = {t:String}', query_params: { t: tenant }, format: 'JSONEachRow' });
  return Number((await r.json<{ n: string }>())[0]!.n);
};

describe('item heat (in the combined window-jobs process): SIGKILL mid-stream, restart, identical ClickHouse results', () => {
  it('equals the reference exactly, with duplicates counted once, bad messages dead-lettered and late events recorded', async () => {
    await ensureTopics(kafka, settings, [topic]);
    const events = syntheticEvents({ tenants: [tenant], users: 60, items: 40, count: 4000, seed: 2026, startMs: START });
    // Duplicates right behind their original (the client retried), on the same key.
    const stream: { key: string; value: string }[] = [];
    events.forEach((e, i) => {
      stream.push(asMessage(e));
      if (i % 97 === 0) stream.push(asMessage(e));
    });
    const poison = [
      { key: `${tenant}:u1`, value: 'this is not json' },
      { key: `${tenant}:u2`, value: JSON.stringify({ ...events[5], eventId: 'nope' }) },
      { key: `${tenant}:u3`, value: JSON.stringify({ ...events[6], eventId: uuidv7(), type: 'teleport' }) },
    ];
    const poisonValues = poison.map((p) => p.value); // the producer turns sent values into Buffers
    stream.splice(500, 0, ...poison);

    const first = await startItemHeat();
    const cut = Math.floor(stream.length * 0.6);
    for (let i = 0; i < cut; i += 400) {
      await send(stream.slice(i, Math.min(i + 400, cut)));
      await sleep(100);
    }
    // Mid-stream: some windows are written and committed, then the process dies without warning.
    expect(await eventually(rowCount, (n) => n > 0, 60_000, 200)).toBeGreaterThan(0);
    await sleep(600); // a few flush intervals: at least one checkpoint is committed
    const before = await itemHeatTotals(ch, tenant);
    first.child.kill('SIGKILL');
    await first.exited;

    await send(stream.slice(cut));
    // Late: hours behind the watermark of the partition they land on.
    const late = Array.from({ length: 4 }, (_, i): BehaviourEvent => ({
      ...events[i]!,
      eventId: uuidv7(START - 3 * 3_600_000),
      eventTime: new Date(START - 3 * 3_600_000 + i * 1000).toISOString(),
    }));
    await send(late.map((e, i) => ({ ...asMessage(e), partition: i % settings.partitions })));
    const second = await startItemHeat();
    // One event per partition a day later (another tenant) moves every watermark past all windows.
    const last = Date.parse(events[events.length - 1]!.eventTime);
    const flush = Array.from({ length: settings.partitions }, (_, p) => ({
      ...events[0]!,
      tenantId: `${tenant}-flush`,
      eventId: uuidv7(last + 86_400_000),
      eventTime: new Date(last + 86_400_000).toISOString(),
      partition: p,
    }));
    await send(flush.map(({ partition, ...e }) => ({ ...asMessage(e as BehaviourEvent), partition })));

    const expected = reference(events);
    const actual = await eventually(
      () => itemHeatTotals(ch, tenant),
      (rows) => JSON.stringify(rows) === JSON.stringify(expected),
      90_000,
    );
    // The restarted process resumed from checkpoints, replaying what the killed one had not finished.
    const opened = second
      .output()
      .split('\n')
      .filter((l) => l.includes('"partition opened"'))
      .map((l) => JSON.parse(l) as { replayUntil?: string });
    expect(opened.some((o) => o.replayUntil !== undefined)).toBe(true);
    expect(before.reduce((s, r) => s + r.events, 0)).toBeLessThan(expected.reduce((s, r) => s + r.events, 0));
    expect(actual.length).toBe(expected.length);
    expect(actual).toEqual(expected);
    expect(actual.reduce((s, r) => s + r.events, 0)).toBe(expected.reduce((s, r) => s + r.events, 0));

    expect(await eventually(() => lateEventIds(ch, ITEM_HEAT_JOB, tenant), (ids) => ids.length >= late.length, 20_000)).toEqual(late.map((e) => e.eventId).sort());

    // Every malformed message is in the dead-letter topic exactly once, with its reason.
    const dlq = kafka.consumer({ kafkaJS: { groupId: `${groupPrefix}dlq-reader`, fromBeginning: true } });
    const dead: { value: string; reason: string }[] = [];
    await dlq.connect();
    await dlq.subscribe({ topics: [deadLetterTopic(`${groupPrefix}${WINDOW_JOBS}`)] });
    void dlq.run({ eachMessage: async ({ message }) => void dead.push({ value: message.value!.toString(), reason: String(message.headers?.reason ?? '') }) });
    await eventually(async () => dead.length, (n) => n >= poison.length, 30_000);
    await sleep(1500);
    await dlq.disconnect();
    expect(dead.map((d) => d.value).sort()).toEqual([...poisonValues].sort());
    expect(dead.find((d) => d.value === 'this is not json')!.reason).toMatch(/not JSON/);
    expect(dead.find((d) => d.value.includes('teleport'))!.reason).toMatch(/type/);

    // The edge's hot list for the tenant/scenario is the newest closed window's top 10.
    const newest = expected.reduce((a, r) => (r.windowStart > a ? r.windowStart : a), '');
    const top = expected
      .filter((r) => r.windowStart === newest && r.heatMicro > 0)
      .sort((a, b) => b.heatMicro - a.heatMicro || a.itemId.localeCompare(b.itemId))
      .slice(0, 10);
    const hotIds = await eventually(
      async () => (await redis.zrange(FeatureKeys.hotList(tenant, 'feed'), 0, -1, 'REV', 'WITHSCORES')).filter((_, i) => i % 2 === 0),
      (ids) => ids.join() === top.map((r) => r.itemId).join(),
      20_000,
    );
    expect(hotIds).toEqual(top.map((r) => r.itemId));
    // The hot-list query reads the window's panes by key range; its heat equals the reference too.
    expect(await hotListQuery(ch, tenant, 'feed', newest, 10)).toEqual(top.map((r) => ({ itemId: r.itemId, heat: r.heatMicro / 1e6 })));
    const meta = SnapshotMeta.parse(JSON.parse((await redis.get(FeatureKeys.hotListMeta(tenant, 'feed')))!));
    expect(meta).toMatchObject({ source: ITEM_HEAT_JOB, size: top.length });
  });
});

describe('item heat: rebalance hand-over and graceful shutdown', () => {
  it('a second member joining mid-stream splits the partitions without changing the results; SIGTERM flushes and exits 0', async () => {
    const tenant2 = `rebal-${run}`;
    const topic2 = `behaviour-events.rebal-${run}`;
    const prefix2 = `rebal-${run}-`;
    await ensureTopics(kafka, settings, [topic2]);
    const events = syntheticEvents({ tenants: [tenant2], users: 60, items: 30, count: 3000, seed: 99, startMs: START });
    const stream = events.map(asMessage);
    const a = await startItemHeat(topic2, prefix2, ITEM_HEAT_ONLY);
    const half = Math.floor(stream.length / 2);
    await send(stream.slice(0, half), topic2);
    await eventually(
      async () => Number((await ch.query({ query: 'SELECT count() AS n FROM item_heat_panes WHERE tenant_id = {t:String}', query_params: { t: tenant2 }, format: 'JSONEachRow' }).then((r) => r.json<{ n: string }>()))[0]!.n),
      (n) => n > 0,
      60_000,
      200,
    );
    const b = await startItemHeat(topic2, prefix2, ITEM_HEAT_ONLY);
    // Both members own partitions after the rebalance.
    const owned = async (j: { port: number }) => ((await (await fetch(`http://127.0.0.1:${j.port}/healthz`)).json()) as { partitions: number[] }).partitions;
    await send(stream.slice(half), topic2);
    const split = await eventually(async () => [await owned(a), await owned(b)], ([x, y]) => x!.length > 0 && y!.length > 0, 60_000);
    expect(split[0]!.length + split[1]!.length).toBeLessThanOrEqual(settings.partitions);
    const last = Date.parse(events[events.length - 1]!.eventTime);
    await send(
      Array.from({ length: settings.partitions }, (_, p) => ({
        ...asMessage({ ...events[0]!, tenantId: `${tenant2}-flush`, eventId: uuidv7(last + 86_400_000), eventTime: new Date(last + 86_400_000).toISOString() }),
        partition: p,
      })),
      topic2,
    );
    const expected = reference(events);
    const actual = await eventually(() => itemHeatTotals(ch, tenant2), (rows) => JSON.stringify(rows) === JSON.stringify(expected), 90_000);
    expect(actual).toEqual(expected);

    // Graceful shutdown: SIGTERM flushes, commits and leaves; the process exits 0.
    a.child.kill('SIGTERM');
    b.child.kill('SIGTERM');
    expect(await a.exited).toBe(0);
    expect(await b.exited).toBe(0);
    expect(a.output()).toContain('window job shutting down');
  });
});
