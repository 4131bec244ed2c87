import type { ClickHouseClient } from '@vidplat/analytics';
import type { EventRawRow } from '@vidplat/contracts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Inserts raw event rows into ClickHouse. The dedup token is derived from the Kafka offsets the
 * rows came from, so replaying the same batch after a crash creates no second part.
 */
export class RawEventSink {
  constructor(
    private readonly ch: ClickHouseClient,
    private readonly attempts = 5,
  ) {}

  async write(rows: EventRawRow[], dedupToken: string): Promise<void> {
    if (rows.length === 0) return;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.ch.insert({
          table: 'events_raw',
          values: rows,
          format: 'JSONEachRow',
          clickhouse_settings: { insert_deduplication_token: dedupToken, insert_deduplicate: 1 },
        });
        return;
      } catch (e) {
        if (attempt >= this.attempts) throw e;
        await sleep(Math.min(5000, 200 * 2 ** attempt));
      }
    }
  }
}
