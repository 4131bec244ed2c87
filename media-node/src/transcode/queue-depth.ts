import type { Kafka } from '@vidplat/node-runtime/kafka';

/**
 * The transcode queue's depth: per partition of the jobs topic, the messages the worker group has
 * not committed yet (high watermark − committed offset; the whole retained log where the group
 * has committed nothing). Read from the broker on a scrape, cached a few seconds, so every worker
 * of the fleet reports the same figure (the alert takes the max, not the sum).
 */
export interface OffsetsAdmin {
  fetchTopicOffsets(topic: string): Promise<Array<{ partition: number; high: string; low: string }>>;
  fetchOffsets(o: { groupId: string; topics: string[] }): Promise<Array<{ topic: string; partitions: Array<{ partition: number; offset: string }> }>>;
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
      const [offsets, committed] = await Promise.all([this.admin.fetchTopicOffsets(this.topic), this.admin.fetchOffsets({ groupId: this.groupId, topics: [this.topic] })]);
      return depthPerPartition(offsets, committed.find((c) => c.topic === this.topic)?.partitions ?? []);
    })();
    this.cached = { at: now, value };
    // A failed read is not cached: the next scrape asks again.
    value.catch(() => (this.cached = null));
    return value;
  }
}

/** A connected admin client of `kafka` reading the depth of `topic` for `groupId`. */
export async function queueDepthOf(kafka: Kafka, groupId: string, topic: string): Promise<{ depth: QueueDepth; close: () => Promise<void> }> {
  const admin = kafka.admin();
  await admin.connect();
  return { depth: new QueueDepth(admin as unknown as OffsetsAdmin, groupId, topic), close: () => admin.disconnect() };
}
