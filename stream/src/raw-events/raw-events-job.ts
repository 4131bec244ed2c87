import { BehaviourEvent, deadLetterTopic, eventRawRow, Topics, type EventRawRow } from '@vidplat/contracts';
import type { Consumer, EachBatchPayload, Producer } from '../kafka/client.js';
import type { RawEventSink } from './raw-event-sink.js';
import { log } from '../ops/log.js';

export const RAW_EVENTS_GROUP = 'raw-events';

export interface RawEventsStats {
  written: number;
  deadLettered: number;
}

/**
 * Consumes behaviour-events into `events_raw`. A batch is written, then its offsets are committed:
 * a crash in between replays the batch, and the dedup token plus ReplacingMergeTree absorb it.
 * Messages that fail the contract go to the dead-letter topic with the reason, never dropped.
 */
export class RawEventsJob {
  readonly stats: RawEventsStats = { written: 0, deadLettered: 0 };

  constructor(
    private readonly consumer: Consumer,
    private readonly dlq: Producer,
    private readonly sink: RawEventSink,
  ) {}

  async start(): Promise<void> {
    await this.consumer.subscribe({ topics: [Topics.behaviourEvents] });
    await this.consumer.run({ eachBatchAutoResolve: false, eachBatch: (p) => this.handle(p) });
  }

  private async handle({ batch, resolveOffset }: EachBatchPayload): Promise<void> {
    if (batch.messages.length === 0) return;
    const rows: EventRawRow[] = [];
    const dead: { key: Buffer | null; value: string; headers: Record<string, string> }[] = [];
    const now = new Date();
    for (const m of batch.messages) {
      const text = m.value?.toString('utf8') ?? '';
      let reason: string | undefined;
      try {
        const parsed = BehaviourEvent.safeParse(JSON.parse(text));
        if (parsed.success) rows.push(eventRawRow(parsed.data, batch.partition, m.offset, now));
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
      await this.dlq.send({ topic: deadLetterTopic(RAW_EVENTS_GROUP), messages: dead });
      log.warn('dead-lettered messages', { count: dead.length, partition: batch.partition });
    }
    resolveOffset(last);
    await this.consumer.commitOffsets([{ topic: batch.topic, partition: batch.partition, offset: (BigInt(last) + 1n).toString() }]);
    this.stats.written += rows.length;
    this.stats.deadLettered += dead.length;
  }
}
