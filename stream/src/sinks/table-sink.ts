import type { ClickHouseClient } from '@vidplat/analytics';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Inserts rows into one ClickHouse table. The dedup token is derived from the Kafka offsets the
 * rows came from, so replaying the same batch after a crash creates no second part.
 */
export class TableSink<Row extends object> {
  constructor(
    private readonly ch: ClickHouseClient,
    readonly table: string,
    private readonly attempts = 5,
  ) {}

  async write(rows: Row[], dedupToken: string): Promise<void> {
    if (rows.length === 0) return;
    for (let attempt = 1; ; attempt++) {
      try {
        await this.ch.insert({
          table: this.table,
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
