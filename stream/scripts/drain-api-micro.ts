/**
 * Experiment for the consumer API: drains the same 200k-event topic on the real local mock broker
 * with (a) the KafkaJS-style `eachBatch` the jobs and bench:stream use and (b) the node-rdkafka-style
 * `KafkaConsumer` — subscribe() after 'ready', then `consume(5000, cb)` in a loop (librdkafka serves
 * rebalances only inside consume calls; the default rebalance handler assigns). Each drain is timed
 * from its partition assignment to the last message, with the process CPU (all threads) and the
 * main thread's event-loop utilisation. Run: npx tsx stream/scripts/drain-api-micro.ts
 */
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import confluent from '@confluentinc/kafka-javascript';
import { behaviourEventKey } from '@vidplat/contracts';
import { syntheticEvents } from '@vidplat/devstack/demo/synthetic-events';
import { REPO_ROOT, startStack } from '@vidplat/devstack/stack';
import { createKafka, createProducer, ensureTopics, kafkaSettingsFromEnv } from '../src/kafka/client.js';
import { WINDOW_CONSUMER_BATCH } from '../src/windows/windowed-job.js';

const N = 200_000;
const say = (s: string) => process.stderr.write(`[drain-api] ${s}\n`);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const runDir = join(REPO_ROOT, '.run', 'drain-api');
rmSync(runDir, { recursive: true, force: true });
const stack = await startStack({ runDir, services: false, log: say });
try {
  const settings = kafkaSettingsFromEnv(stack.env);
  const kafka = createKafka(settings);
  const topic = `drain-${Date.now().toString(36)}`;
  await ensureTopics(kafka, settings, [topic]);
  const start = Date.UTC(2026, 10, 24, 8);
  const raw = syntheticEvents({ tenants: ['a', 'b', 'c', 'd'], users: 20_000, items: 5_000, count: N, seed: 4242, startMs: start });
  const producer = createProducer(kafka, { deliveryTimeoutMs: 60_000 });
  await producer.connect();
  for (let i = 0; i < N; i += 10_000) {
    await producer.send({ topic, messages: raw.slice(i, i + 10_000).map((e, j) => ({ key: behaviourEventKey(e.tenantId, e.userId), value: JSON.stringify({ ...e, eventTime: new Date(start + Math.floor(((i + j) * 1000) / 20_000)).toISOString() }) })) });
  }
  await producer.disconnect();

  type Result = { s: number; cpuS: number; elu: number };
  const measure = async (drain: (onAssigned: () => void, onMessages: (n: number) => void) => Promise<() => Promise<void>>): Promise<Result> => {
    let assignedAt = 0;
    let lastAt = 0;
    let seen = 0;
    let cpu0 = process.cpuUsage();
    let elu0 = performance.eventLoopUtilization();
    const stop = await drain(
      () => {
        if (assignedAt) return;
        assignedAt = performance.now();
        cpu0 = process.cpuUsage();
        elu0 = performance.eventLoopUtilization();
      },
      (n) => {
        seen += n;
        lastAt = performance.now();
      },
    );
    const deadline = Date.now() + 120_000;
    while (seen < N && Date.now() < deadline) await sleep(5);
    const cpu = process.cpuUsage(cpu0);
    const elu = performance.eventLoopUtilization(elu0);
    await stop();
    if (seen < N) throw new Error(`read ${seen}/${N}`);
    return { s: (lastAt - assignedAt) / 1000, cpuS: (cpu.user + cpu.system) / 1e6, elu: elu.utilization };
  };

  const kafkajs = () =>
    measure(async (onAssigned, onMessages) => {
      const c = kafka.consumer({
        'js.consumer.max.batch.size': WINDOW_CONSUMER_BATCH,
        rebalance_cb: (err: { code: number }) => {
          if (err.code !== -174) onAssigned();
        },
        kafkaJS: { groupId: `kjs-${performance.now()}`, fromBeginning: true, autoCommit: false },
      } as Parameters<typeof kafka.consumer>[0]);
      await c.connect();
      await c.subscribe({ topics: [topic] });
      void c.run({ eachBatch: async ({ batch }) => onMessages(batch.messages.length) });
      return () => c.disconnect();
    });

  const rdkafka = () =>
    measure(async (onAssigned, onMessages) => {
      const c = new confluent.KafkaConsumer({
        'bootstrap.servers': settings.brokers.join(','),
        'group.id': `rdk-${performance.now()}`,
        'enable.auto.commit': false,
        'auto.offset.reset': 'earliest',
        rebalance_cb: function (this: confluent.KafkaConsumer, err: confluent.LibrdKafkaError, assignment: confluent.Assignment[]) {
          if (err.code === confluent.CODES.ERRORS.ERR__ASSIGN_PARTITIONS) {
            onAssigned();
            this.assign(assignment);
          } else this.unassign();
        },
      });
      await new Promise<void>((resolve, reject) => c.connect({ timeout: 10_000 }, (err) => (err ? reject(err) : resolve())));
      c.subscribe([topic]);
      let running = true;
      const loop = () => {
        if (!running) return;
        c.consume(WINDOW_CONSUMER_BATCH, (err, messages) => {
          if (!err && messages.length) onMessages(messages.length);
          setImmediate(loop);
        });
      };
      loop();
      return async () => {
        running = false;
        await new Promise<void>((resolve) => c.disconnect(() => resolve()));
      };
    });

  for (let round = 1; round <= 3; round++) {
    for (const [name, run] of [['eachBatch (KafkaJS API)', kafkajs], ['consume(5000) (KafkaConsumer API)', rdkafka]] as const) {
      const r = await run();
      say(`round ${round} ${name}: ${Math.round(N / r.s)}/s over ${r.s.toFixed(2)} s from assignment; process CPU ${r.cpuS.toFixed(2)} s (${((r.cpuS / r.s) * 100).toFixed(0)} % of a core), main thread busy ${(r.elu * 100).toFixed(0)} %`);
    }
  }
} finally {
  await stack.stop();
}
process.exit(0);
