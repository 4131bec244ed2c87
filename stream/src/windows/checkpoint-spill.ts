import { createHash } from 'node:crypto';
import { z } from 'zod';
import type { ClickHouseClient } from '@vidplat/analytics';
import { toClickHouseTime } from '@vidplat/contracts';
import { insertRows } from './clickhouse-writer.js';

/**
 * Kafka bounds commit metadata (offset.metadata.max.bytes, 4096 by default; the commit fails with
 * OFFSET_METADATA_TOO_LARGE above it). Checkpoints carry a watermark per tenant, so a partition
 * shared by many tenants outgrows that: above this many bytes the checkpoint body moves to a
 * CheckpointStore and the metadata carries only its content hash.
 */
export const INLINE_CHECKPOINT_BYTES = 3072;

const RefWire = z.object({ v: z.literal(3), ref: z.string().regex(/^[0-9a-f]{64}$/) });

/** Where checkpoint bodies too large for the commit metadata live (content-addressed). */
export interface CheckpointStore {
  put(ref: string, body: string, group: string, partition: number): Promise<void>;
  get(ref: string): Promise<string | undefined>;
}

/** The metadata to commit for a checkpoint body: the body itself, or a reference once it is stored. */
export async function spillIfLarge(body: string, store: CheckpointStore, group: string, partition: number, inlineBytes = INLINE_CHECKPOINT_BYTES): Promise<string> {
  if (Buffer.byteLength(body) <= inlineBytes) return body;
  const ref = createHash('sha256').update(body).digest('hex');
  await store.put(ref, body, group, partition);
  return JSON.stringify({ v: 3, ref });
}

/** Whether committed metadata refers to a stored checkpoint body. */
export const isStoredRef = (metadata: string): boolean => metadata.startsWith('{"v":3,');

/** The checkpoint body behind committed metadata (itself when inline). A missing body is an error. */
export async function unspill(metadata: string | null | undefined, store: CheckpointStore): Promise<string | null | undefined> {
  if (!metadata || !isStoredRef(metadata)) return metadata;
  let ref: string;
  try {
    ref = RefWire.parse(JSON.parse(metadata)).ref;
  } catch {
    return metadata; // foreign metadata: the decoder starts fresh
  }
  const body = await store.get(ref);
  if (body === undefined) throw new Error(`window checkpoint ${ref} is referenced by the committed offset but missing from window_checkpoints`);
  return body;
}

/** The store in ClickHouse (migration 0015_window_checkpoints): inserts retried, rows idempotent by content hash. */
export function clickHouseCheckpointStore(ch: ClickHouseClient): CheckpointStore {
  return {
    async put(ref, body, group, partition) {
      await insertRows(ch, 'window_checkpoints', [{ ref, job_group: group, partition, body, written_at: toClickHouseTime(Date.now()) }]);
    },
    async get(ref) {
      const rs = await ch.query({ query: 'SELECT body FROM window_checkpoints WHERE ref = {ref:FixedString(64)} LIMIT 1', query_params: { ref }, format: 'JSONEachRow' });
      const rows = await rs.json<{ body: string }>();
      return rows[0]?.body;
    },
  };
}
