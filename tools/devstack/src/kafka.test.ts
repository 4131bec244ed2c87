import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectWatermarkReader, createKafka, createProducer, ensureTopics, type KafkaSettings } from '@vidplat/node-runtime/kafka';
import { MediaMetrics } from '@vidplat/media-node/ops/metrics';
import { queueDepthOf } from '@vidplat/media-node/transcode/queue-depth';
import { startKafka, type KafkaBroker } from './kafka.js';

/**
 * The transcode queue-depth gauge against the local Kafka-protocol broker (librdkafka's mock
 * cluster, what `npm start` and CI run). The KafkaJS-shaped admin's fetchTopicOffsets never got
 * an answer there (it asks DescribeTopics first), so the gauge had no samples locally; the reader
 * now uses the classic Metadata/ListOffsets requests any Kafka answers.
 */
const runDir = mkdtempSync(join(tmpdir(), 'devstack-kafka-'));
let broker: KafkaBroker;
let settings: KafkaSettings;
beforeAll(async () => {
  broker = await startKafka(runDir);
  settings = { brokers: broker.brokers.split(','), clientId: 'queue-depth-test', partitions: 4, replicationFactor: 3 };
}, 60_000);
afterAll(async () => {
  await broker?.process.stop();
  rmSync(runDir, { recursive: true, force: true });
});

describe('transcode queue depth on the local broker', () => {
  it('reads watermarks and the group\'s committed offsets, so the gauge shows jobs not yet committed per partition', async () => {
    const kafka = createKafka(settings);
    const topic = 'jobs-depth';
    await ensureTopics(kafka, settings, [topic]);
    const producer = createProducer(kafka);
    await producer.connect();
    // Seven jobs on one partition (one key), two on another.
    await producer.send({ topic, messages: Array.from({ length: 7 }, (_, i) => ({ key: 'video-a', value: `a${i}` })) });
    await producer.send({ topic, messages: Array.from({ length: 2 }, (_, i) => ({ key: 'video-b', value: `b${i}` })) });
    await producer.disconnect();

    const reader = await connectWatermarkReader(settings);
    const marks = await reader.watermarks(topic);
    await reader.close();
    expect(marks.map((m) => m.partition)).toEqual([0, 1, 2, 3]);
    expect(marks.reduce((n, m) => n + Number(m.high) - Number(m.low), 0)).toBe(9);
    const pa = marks.find((m) => m.high === '7')!.partition;

    // The group finishes the first three jobs of video-a's partition and commits after each.
    const consumer = kafka.consumer({ kafkaJS: { groupId: 'media-transcode-test', fromBeginning: true, autoCommit: false } });
    await consumer.connect();
    await consumer.subscribe({ topics: [topic] });
    let committed = 0;
    void consumer.run({
      eachMessage: async ({ partition, message }) => {
        if (partition === pa && Number(message.offset) < 3) {
          await consumer.commitOffsets([{ topic, partition, offset: String(Number(message.offset) + 1) }]);
          committed++;
        }
      },
    });
    for (let i = 0; i < 150 && committed < 3; i++) await new Promise((r) => setTimeout(r, 200));
    await consumer.disconnect();
    expect(committed).toBe(3);

    const q = await queueDepthOf(settings, kafka, 'media-transcode-test', topic);
    try {
      const t0 = Date.now();
      const depth = await q.depth.read();
      expect(Date.now() - t0).toBeLessThan(5000);
      expect(depth.find((d) => d.partition === pa)!.depth).toBe(4);
      expect(depth.reduce((n, d) => n + d.depth, 0)).toBe(4 + 2);
      const m = new MediaMetrics('test-worker');
      m.watchQueue(() => q.depth.read());
      expect(await m.registry.metrics()).toMatch(new RegExp(`^media_transcode_queue_depth\\{partition="${pa}",service="test-worker"\\} 4$`, 'm'));
    } finally {
      await q.close();
    }
  }, 90_000);
});
