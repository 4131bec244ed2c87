import { z } from 'zod';

/**
 * What a window processor stores with each committed Kafka offset (the commit's metadata string),
 * so a new owner of the partition rebuilds its window state exactly:
 * - wm: partition max event time just before the committed offset (watermark base);
 * - n:  first offset not yet read when committing — offsets below it are a replay;
 * - ft: watermark at commit time — windows ending (plus lateness) at or before it are final in the sink.
 */
export interface PartitionCheckpoint {
  wm: number;
  n: bigint;
  ft: number;
}

const Wire = z.object({ v: z.literal(1), wm: z.number().nullable(), n: z.string().regex(/^\d+$/), ft: z.number().nullable() });

const finite = (x: number) => (Number.isFinite(x) ? x : null);

export function encodeCheckpoint(c: PartitionCheckpoint): string {
  return JSON.stringify({ v: 1, wm: finite(c.wm), n: c.n.toString(), ft: finite(c.ft) });
}

/** Parses commit metadata; anything else (empty, foreign) means "no checkpoint": start fresh. */
export function decodeCheckpoint(s: string | null | undefined): PartitionCheckpoint | undefined {
  if (!s) return undefined;
  try {
    const w = Wire.parse(JSON.parse(s));
    return { wm: w.wm ?? Number.NEGATIVE_INFINITY, n: BigInt(w.n), ft: w.ft ?? Number.NEGATIVE_INFINITY };
  } catch {
    return undefined;
  }
}
