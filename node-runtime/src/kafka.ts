import confluent from '@confluentinc/kafka-javascript';
import type { KafkaJS as KafkaJSTypes } from '@confluentinc/kafka-javascript';
import { parseEnv, KafkaEnv } from '@vidplat/contracts';

const { KafkaJS } = confluent;
export type Kafka = KafkaJSTypes.Kafka;
export type Producer = KafkaJSTypes.Producer;
export type Consumer = KafkaJSTypes.Consumer;
export type KafkaMessage = KafkaJSTypes.KafkaMessage;
export type EachBatchPayload = KafkaJSTypes.EachBatchPayload;

export interface KafkaSettings {
  brokers: string[];
  clientId: string;
  partitions: number;
  replicationFactor: number;
}

export function kafkaSettingsFromEnv(env: Record<string, string | undefined> = process.env): KafkaSettings {
  const k = parseEnv(KafkaEnv, env);
  return {
    brokers: k.KAFKA_BROKERS.split(',').map((b) => b.trim()),
    clientId: k.KAFKA_CLIENT_ID,
    partitions: k.KAFKA_PARTITIONS,
    replicationFactor: k.KAFKA_REPLICATION_FACTOR,
  };
}

/**
 * One Kafka client for the whole Node tier: @confluentinc/kafka-javascript (librdkafka underneath,
 * KafkaJS-shaped API). Timeouts are explicit so a missing broker fails fast instead of hanging.
 */
export function createKafka(s: KafkaSettings): Kafka {
  return new KafkaJS.Kafka({
    kafkaJS: {
      clientId: s.clientId,
      brokers: s.brokers,
      connectionTimeout: 5000,
      requestTimeout: 10_000,
      logLevel: KafkaJS.logLevel.ERROR,
    },
  });
}

/** Idempotent producer, acks from all in-sync replicas; a send either lands once or throws. */
export function createProducer(kafka: Kafka, opts: { deliveryTimeoutMs?: number } = {}): Producer {
  return kafka.producer({
    'enable.idempotence': true,
    'message.timeout.ms': opts.deliveryTimeoutMs ?? 10_000,
    'linger.ms': 5,
    'compression.type': 'lz4',
    kafkaJS: { acks: -1 },
  });
}

export interface ConsumerOptions {
  groupId: string;
  maxBatchSize?: number;
  sessionTimeoutMs?: number;
  fromBeginning?: boolean;
}

/** Group consumer with manual commits: callers commit only what their sink has durably written. */
export function createConsumer(kafka: Kafka, o: ConsumerOptions): Consumer {
  return kafka.consumer({
    'js.consumer.max.batch.size': o.maxBatchSize ?? 500,
    kafkaJS: {
      groupId: o.groupId,
      fromBeginning: o.fromBeginning ?? true,
      autoCommit: false,
      sessionTimeout: o.sessionTimeoutMs ?? 10_000,
      rebalanceTimeout: 30_000,
    },
  });
}

/**
 * Creates topics that are missing. Real clusters take CreateTopics; librdkafka's mock cluster
 * (local and CI) does not implement it but auto-creates topics (4 partitions, 3 replicas) on a
 * subscription's metadata request, so we fall back to that and wait until they are listed.
 */
export async function ensureTopics(kafka: Kafka, s: KafkaSettings, topics: string[]): Promise<void> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const missing = async () => {
      const existing = new Set(await admin.listTopics());
      return topics.filter((t) => !existing.has(t));
    };
    const todo = await missing();
    if (todo.length === 0) return;
    try {
      await admin.createTopics({
        timeout: 3000,
        topics: todo.map((topic) => ({ topic, numPartitions: s.partitions, replicationFactor: s.replicationFactor })),
      });
    } catch {
      if ((await missing()).length) await autoCreate(kafka, todo);
    }
    const still = await missing();
    if (still.length) throw new Error(`could not create topics ${still.join(', ')}`);
  } finally {
    await admin.disconnect();
  }
}

async function autoCreate(kafka: Kafka, topics: string[]): Promise<void> {
  const c = kafka.consumer({ 'allow.auto.create.topics': true, kafkaJS: { groupId: '__vidplat-topic-bootstrap', autoCommit: false } });
  await c.connect();
  try {
    await c.subscribe({ topics });
    void c.run({ eachMessage: async () => undefined });
    const admin = kafka.admin();
    await admin.connect();
    try {
      for (let i = 0; i < 50; i++) {
        const existing = new Set(await admin.listTopics());
        if (topics.every((t) => existing.has(t))) return;
        await new Promise((r) => setTimeout(r, 200));
      }
    } finally {
      await admin.disconnect();
    }
  } finally {
    await c.disconnect();
  }
}

/** High and low watermark of one partition (strings, as the KafkaJS-shaped API gives offsets). */
export interface PartitionWatermarks {
  partition: number;
  high: string;
  low: string;
}

export interface WatermarkReader {
  /** Every partition of `topic` with its watermarks; throws when the broker does not answer in time. */
  watermarks(topic: string): Promise<PartitionWatermarks[]>;
  close(): Promise<void>;
}

/**
 * Watermarks over the classic Metadata and ListOffsets requests, through a plain librdkafka
 * client (no group, nothing produced). The KafkaJS-shaped admin's fetchTopicOffsets starts with a
 * DescribeTopics request, which librdkafka's mock cluster (local and CI) never answers, so it
 * times out there; these two requests are the ones every consumer uses, on any broker.
 */
export async function connectWatermarkReader(s: KafkaSettings, timeoutMs = 5000): Promise<WatermarkReader> {
  const client = new confluent.Producer({ 'bootstrap.servers': s.brokers.join(','), 'client.id': `${s.clientId}-watermarks`, 'socket.timeout.ms': timeoutMs });
  await new Promise<void>((resolve, reject) => client.connect({ timeout: timeoutMs }, (err) => (err ? reject(err) : resolve())));
  const partitionsOf = (topic: string) =>
    new Promise<number[]>((resolve, reject) =>
      client.getMetadata({ topic, timeout: timeoutMs }, (err, m) => {
        if (err) return reject(err);
        const t = m.topics.find((x) => x.name === topic);
        if (!t || !t.partitions.length) return reject(new Error(`topic ${topic} not found`));
        resolve(t.partitions.map((p) => p.id).sort((a, b) => a - b));
      }),
    );
  const query = (topic: string, partition: number) =>
    new Promise<PartitionWatermarks>((resolve, reject) =>
      client.queryWatermarkOffsets(topic, partition, timeoutMs, (err, o) => (err ? reject(err) : resolve({ partition, high: String(o.highOffset), low: String(o.lowOffset) }))),
    );
  return {
    watermarks: async (topic) => Promise.all((await partitionsOf(topic)).map((p) => query(topic, p))),
    close: () => new Promise<void>((resolve) => client.disconnect(() => resolve())),
  };
}
