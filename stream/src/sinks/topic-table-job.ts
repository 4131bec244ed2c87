import { deadLetterTopic } from '@vidplat/contracts';
import type { z } from 'zod';
import type { Consumer, EachBatchPayload, Producer } from '../kafka/client.js';
import type { TableSink } from './table-sink.js';
import { log } from '../ops/log.js';

export interface TopicTableSpec<S extends z.ZodType, Row extends object> {
  topic: string;
  group: string;
  /** The contract every message must satisfy. */
  schema: S;
  toRow(value: z.infer<S>, partition: number, offset: string, now: Date): Row;
}

export interface TopicTableStats {
  written: number;
  deadLettered: number;
}

/**
 * Copies a contract topic into a ClickHouse table, effectively once: a batch is written, then its
 * offsets are committed, so a crash in between replays the batch and the dedup token (plus the
 * table's ReplacingMergeTree key) absorbs it. Messages that fail the contract go to the group's
 * dead-letter topic with the reason, never dropped and never blocking the partition.
 */
export class TopicTableJob<S extends z.ZodType, Row extends object> {
  readonly stats: TopicTableStats = { written: 0, deadLettered: 0 };

  constructor(
    private readonly spec: TopicTableSpec<S, Row>,
    private readonly consumer: Consumer,
    private readonly dlq: Producer,
    private readonly sink: TableSink<Row>,
  ) {}

  async start(): Promise<void> {
    await this.consumer.subscribe({ topics: [this.spec.topic] });
    await this.consumer.run({ eachBatchAutoResolve: false, eachBatch: (p) => this.handle(p) });
  }

  private async handle({ batch, resolveOffset }: EachBatchPayload): Promise<void> {
    if (batch.messages.length === 0) return;
    const rows: Row[] = [];
    const dead: { key: Buffer | null; value: string; headers: Record<string, string> }[] = [];
    const now = new Date();
    for (const m of batch.messages) {
      const text = m.value?.toString('utf8') ?? '';
      let reason: string | undefined;
      try {
        const parsed = this.spec.schema.safeParse(JSON.parse(text));
        if (parsed.success) rows.push(this.spec.toRow(parsed.data, batch.partition, m.offset, now));
        else reason = parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
      } catch (e) {
        reason = `not JSON: ${(e as Error).message}`;
      }
      if (reason !== undefined) {
        dead.push({
          key: m.key ?? null,
          value: text,
          headers: { reason, sourceTopic: batch.topic, sourcePartition: String(batch.partition), sourceOffset: m.offset },
        });
      }
    }
    const first = batch.messages[0]!.offset;
    const last = batch.messages[batch.messages.length - 1]!.offset;
    await this.sink.write(rows, `${batch.topic}:${batch.partition}:${first}-${last}`);
    if (dead.length) {
      await this.dlq.send({ topic: deadLetterTopic(this.spec.group), messages: dead });
      log.warn('dead-lettered messages', { group: this.spec.group, count: dead.length, partition: batch.partition });
    }
    resolveOffset(last);
    await this.consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() }]);
    this.stats.written += rows.length;
    this.stats.deadLettered += dead.length;
  }
}
