/**
 * What the queries need from a ClickHouse client: a parameterised SELECT returning JSON rows.
 * Both `@clickhouse/client` (Node: CLI, stream, tests) and `@clickhouse/client-web` (the Worker)
 * satisfy it, so the same typed queries run in Node and in workerd. User input only ever travels
 * in `query_params` ({name:Type} placeholders bound by the server), never in the SQL text.
 */
export interface QueryClient {
  query(params: {
    query: string;
    query_params?: Record<string, unknown>;
    format: 'JSONEachRow';
    abort_signal?: AbortSignal;
  }): Promise<{ json(): Promise<unknown> }>;
}

export class AnalyticsUnavailableError extends Error {
  override name = 'AnalyticsUnavailableError';
}

export interface ReaderOptions {
  /** Per-query timeout (the client's own request_timeout also applies). */
  timeoutMs?: number;
  /** Retries of a failed read (reads are idempotent); 0 disables. */
  retries?: number;
}

/** Server error codes that mean "overloaded or slow", reported as unavailable rather than a bug. */
const TRANSIENT_SERVER_CODES = new Set([
  '159', // TIMEOUT_EXCEEDED
  '160', // TOO_SLOW
  '202', // TOO_MANY_SIMULTANEOUS_QUERIES
  '241', // MEMORY_LIMIT_EXCEEDED
  '242', // TABLE_IS_READ_ONLY
  '394', // QUERY_WAS_CANCELLED
]);

/** Typed row reader over a client, with a timeout and bounded retries per query. */
export class Reader {
  constructor(
    private readonly client: QueryClient,
    private readonly o: ReaderOptions = {},
  ) {}

  async rows<T>(query: string, params: Record<string, unknown>): Promise<T[]> {
    const { timeoutMs = 10_000, retries = 1 } = this.o;
    let last: unknown;
    for (let attempt = 0; attempt <= retries; attempt++) {
      try {
        const rs = await this.client.query({ query, query_params: params, format: 'JSONEachRow', abort_signal: AbortSignal.timeout(timeoutMs) });
        return (await rs.json()) as T[];
      } catch (e) {
        last = e;
        // A server-side error (ClickHouseError carries the numeric code) is a bug in the query
        // unless it is about load; it will not heal on retry and must not pass as an outage.
        const code = (e as { code?: unknown }).code;
        if (typeof code === 'string' && /^\d+$/.test(code)) {
          if (!TRANSIENT_SERVER_CODES.has(code)) throw e;
          break;
        }
        if (attempt < retries) await new Promise((r) => setTimeout(r, 100 * 2 ** attempt));
      }
    }
    throw new AnalyticsUnavailableError(`ClickHouse query failed: ${last instanceof Error ? last.message.slice(0, 300) : String(last)}`);
  }

  async one<T>(query: string, params: Record<string, unknown>): Promise<T> {
    const [r] = await this.rows<T>(query, params);
    if (!r) throw new AnalyticsUnavailableError('ClickHouse returned no row for an aggregate');
    return r;
  }
}

/** UInt64 arrive as strings (output_format_json_quote_64bit_integers); all numbers go through this. */
export const num = (v: unknown): number => (typeof v === 'number' ? v : v == null ? 0 : Number(v));
