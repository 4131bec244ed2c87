import { behaviourEventKey, Topics, type BehaviourEvent } from '@vidplat/contracts';
import type { Producer } from '../kafka/client.js';

export class ProducerUnavailable extends Error {
  override name = 'ProducerUnavailable';
}

export interface RetryPolicy {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 3, baseDelayMs: 100, maxDelayMs: 1000 };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Writes validated behaviour events to `behaviour-events`, keyed tenant:user so one user's events
 * stay ordered in one partition. The producer is idempotent; a retried batch may still be written
 * twice after a timeout, which is why every event carries eventId and sinks dedupe on it.
 */
export class BehaviourEventProducer {
  constructor(
    private readonly producer: Producer,
    private readonly retry: RetryPolicy = DEFAULT_RETRY,
  ) {}

  async send(events: BehaviourEvent[]): Promise<number> {
    const messages = events.map((e) => ({
      key: behaviourEventKey(e.tenantId, e.userId),
      value: JSON.stringify(e),
      headers: { eventId: e.eventId, schemaVersion: String(e.schemaVersion) },
    }));
    let lastError: unknown;
    for (let attempt = 1; attempt <= this.retry.attempts; attempt++) {
      try {
        await this.producer.send({ topic: Topics.behaviourEvents, messages });
        return messages.length;
      } catch (e) {
        lastError = e;
        if (attempt < this.retry.attempts) {
          const backoff = Math.min(this.retry.maxDelayMs, this.retry.baseDelayMs * 2 ** (attempt - 1));
          await sleep(backoff * (0.5 + Math.random() / 2));
        }
      }
    }
    throw new ProducerUnavailable(`Kafka did not acknowledge the batch: ${(lastError as Error)?.message ?? lastError}`);
  }
}
