import { connectWatermarkReader, type Kafka, type KafkaSettings, type PartitionWatermarks } from '@vidplat/node-runtime/kafka';

/**
 * The transcode queue's depth: per partition of the jobs topic, the messages the worker group has
 * not committed yet (high watermark − committed offset; the whole retained log where the group
 * has committed nothing). Read from the broker on a scrape, cached a few seconds, so every worker
 * of the fleet reports the same figure (the alert takes the max, not the sum).
 */
export interface OffsetsAdmin {
  /** Watermarks per partition (classic Metadata + ListOffsets: answered by Kafka and the mock cluster alike). */
  fetchTopicOffsets(topic: string): Promise<PartitionWatermarks[]>;
  /**
   * The group's committed offsets for the partitions named. Named, not "all of the topic": an
   * OffsetFetch for every partition is answered empty by the mock cluster.
   */
  fetchOffsets(o: { groupId: string; topics: Array<{ topic: string; partitions: number[] }> }): Promise<Array<{ topic: string; partitions: Array<{ partition: number; offset: string }> }>>;
}

export interface PartitionDepth {
  partition: number;
  depth: number;
}

/** Depth per partition from the topic's offsets and the group's committed offsets ("-1" = none). */
export function depthPerPartition(topic: Array<{ partition: number; high: string; low: string }>, committed: Array<{ partition: number; offset: string }>): PartitionDepth[] {
  const done = new Map(committed.map((c) => [c.partition, Number(c.offset)]));
  return topic
    .map((t) => {
      const high = Number(t.high);
      const low = Number(t.low);
      const c = done.get(t.partition);
      const from = c === undefined || c < 0 ? low : Math.max(low, c);
      return { partition: t.partition, depth: Math.max(0, high - from) };
    })
    .sort((a, b) => a.partition - b.partition);
}

export class QueueDepth {
  private cached: { at: number; value: Promise<PartitionDepth[]> } | null = null;
  constructor(
    private readonly admin: OffsetsAdmin,
    private readonly groupId: string,
    private readonly topic: string,
    private readonly ttlMs = 5_000,
  ) {}

  read(now = Date.now()): Promise<PartitionDepth[]> {
    if (this.cached && now - this.cached.at < this.ttlMs) return this.cached.value;
    const value = (async () => {
      const offsets = await this.admin.fetchTopicOffsets(this.topic);
      const committed = await this.admin.fetchOffsets({ groupId: this.groupId, topics: [{ topic: this.topic, partitions: offsets.map((o) => o.partition) }] });
      return depthPerPartition(offsets, committed.find((c) => c.topic === this.topic)?.partitions ?? []);
    })();
    this.cached = { at: now, value };
    // A failed read is not cached: the next scrape asks again.
    value.catch(() => (this.cached = null));
    return value;
  }
}

/** Connected clients of the cluster reading the depth of `topic` for `groupId`. */
export async function queueDepthOf(settings: KafkaSettings, kafka: Kafka, groupId: string, topic: string): Promise<{ depth: QueueDepth; close: () => Promise<void> }> {
  const admin = kafka.admin();
  await admin.connect();
  const reader = await connectWatermarkReader(settings);
  const offsets: OffsetsAdmin = {
    fetchTopicOffsets: (t) => reader.watermarks(t),
    fetchOffsets: (o) => admin.fetchOffsets(o),
  };
  return { depth: new QueueDepth(offsets, groupId, topic), close: async () => void (await Promise.allSettled([admin.disconnect(), reader.close()])) };
}
