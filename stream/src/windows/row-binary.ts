import { Readable } from 'node:stream';
import type { ClickHouseClient } from '@vidplat/analytics';

const TWO_32 = 2 ** 32;

/**
 * Builds a ClickHouse RowBinary body straight into one growing Buffer. Window flushes write a few
 * hundred thousand rows at once; as JSONEachRow each row was an object, then JSON text, then
 * parsed again by the server — about half of the flush's main-thread time and much of its GC.
 * Only the types the window tables use are here (RowBinary: little-endian fixed-width numbers,
 * LEB128 lengths; DateTime64(3) = Int64 milliseconds; LowCardinality(String) = String).
 */
export class RowBinaryWriter {
  private buf: Buffer;
  private pos = 0;

  constructor(capacity = 1 << 20) {
    this.buf = Buffer.allocUnsafe(capacity);
  }

  get length(): number {
    return this.pos;
  }

  /** The bytes written so far (a view, not a copy). */
  bytes(): Buffer {
    return this.buf.subarray(0, this.pos);
  }

  private need(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    const next = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.pos + n));
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  uint8(v: number): this {
    this.need(1);
    this.buf[this.pos++] = v;
    return this;
  }

  uint16(v: number): this {
    this.need(2);
    this.buf.writeUInt16LE(v, this.pos);
    this.pos += 2;
    return this;
  }

  /** UInt64 from a non-negative safe integer (counters, versions). */
  uint64(v: number): this {
    if (!(Number.isSafeInteger(v) && v >= 0)) throw new RangeError(`UInt64 value out of range: ${v}`);
    this.need(8);
    this.buf.writeUInt32LE(v % TWO_32, this.pos);
    this.buf.writeUInt32LE(Math.floor(v / TWO_32), this.pos + 4);
    this.pos += 8;
    return this;
  }

  /** Int64 from a safe integer (heat in micro-units, epoch milliseconds). */
  int64(v: number): this {
    if (!Number.isSafeInteger(v)) throw new RangeError(`Int64 value out of range: ${v}`);
    if (v < 0) {
      this.need(8);
      this.buf.writeBigInt64LE(BigInt(v), this.pos);
      this.pos += 8;
      return this;
    }
    return this.uint64(v);
  }

  /** DateTime64(3): milliseconds since the epoch. */
  dateTime64ms(ms: number): this {
    return this.int64(ms);
  }

  private varUInt(n: number): void {
    while (n >= 0x80) {
      this.buf[this.pos++] = (n & 0x7f) | 0x80;
      n = Math.floor(n / 128);
    }
    this.buf[this.pos++] = n;
  }

  /** String / LowCardinality(String): LEB128 byte length, then UTF-8 bytes. */
  string(s: string): this {
    // Ids are short: write the bytes after a one-byte length and move them only if they are longer.
    this.need(s.length * 3 + 5);
    const start = this.pos;
    const n = this.buf.write(s, start + 1, 'utf8');
    if (n < 0x80) {
      this.buf[start] = n;
      this.pos = start + 1 + n;
      return this;
    }
    let lenBytes = 1;
    for (let x = n; x >= 0x80; x = Math.floor(x / 128)) lenBytes++;
    this.buf.copy(this.buf, start + lenBytes, start + 1, start + 1 + n);
    this.varUInt(n);
    this.pos = start + lenBytes + n;
    return this;
  }

  /** Map(String, Int64). */
  mapStringInt64(entries: Iterable<[string, number]>, size: number): this {
    this.need(10);
    this.varUInt(size);
    for (const [k, v] of entries) this.string(k).int64(v);
    return this;
  }

  /** Array(Int64). */
  arrayInt64(values: readonly number[]): this {
    this.need(10);
    this.varUInt(values.length);
    for (const v of values) this.int64(v);
    return this;
  }

  /** Array(UInt8). */
  arrayUInt8(values: readonly number[]): this {
    this.need(10 + values.length);
    this.varUInt(values.length);
    for (const v of values) this.buf[this.pos++] = v;
    return this;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const CHUNK_ROWS = 50_000;

/**
 * Inserts rows as RowBinary into the named columns (explicit, so column order in the table does
 * not matter), in chunks of CHUNK_ROWS sent concurrently so the server parses one while the next
 * is encoded. Bounded retries; rows are idempotent by construction (deterministic keys in a
 * ReplacingMergeTree), so retrying an insert whose answer was lost is safe.
 */
export async function insertRowBinary<T>(
  ch: ClickHouseClient,
  table: string,
  columns: readonly string[],
  rows: readonly T[],
  encode: (w: RowBinaryWriter, row: T) => void,
  attempts = 5,
): Promise<void> {
  if (rows.length === 0) return;
  const query = `INSERT INTO ${table} (${columns.join(', ')}) FORMAT RowBinary`;
  const sends: Promise<void>[] = [];
  for (let i = 0; i < rows.length; i += CHUNK_ROWS) {
    const w = new RowBinaryWriter(Math.min(CHUNK_ROWS, rows.length - i) * 96);
    for (let j = i; j < Math.min(i + CHUNK_ROWS, rows.length); j++) encode(w, rows[j]!);
    sends.push(sendWithRetries(ch, query, w.bytes(), attempts));
    if (i + CHUNK_ROWS < rows.length) await new Promise((r) => setImmediate(r)); // let this chunk's request go out
  }
  await Promise.all(sends);
}

async function sendWithRetries(ch: ClickHouseClient, query: string, body: Buffer, attempts: number): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      const r = await ch.exec({ query, values: Readable.from([body]) });
      // The answer of an INSERT is empty; drain it so the socket goes back to the pool.
      for await (const _ of r.stream) void _;
      return;
    } catch (e) {
      if (attempt >= attempts) throw e;
      await sleep(Math.min(5000, 100 * 2 ** attempt));
    }
  }
}
