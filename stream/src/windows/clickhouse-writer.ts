import type { ClickHouseClient } from '@vidplat/analytics';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Inserts rows with bounded retries. Rows are idempotent by construction (deterministic keys in a
 * ReplacingMergeTree), so retrying an insert whose answer was lost is safe.
 */
export async function insertRows(ch: ClickHouseClient, table: string, rows: object[], attempts = 5): Promise<void> {
  if (rows.length === 0) return;
  for (let attempt = 1; ; attempt++) {
    try {
      await ch.insert({ table, values: rows, format: 'JSONEachRow' });
      return;
    } catch (e) {
      if (attempt >= attempts) throw e;
      await sleep(Math.min(5000, 100 * 2 ** attempt));
    }
  }
}
