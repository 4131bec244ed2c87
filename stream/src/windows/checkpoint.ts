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
  /**
   * Per tenant (watermarks are kept per tenant within a partition, TenantPartitionWindows): its
   * watermark base at its own resume point and its finalised watermark. Absent in checkpoints
   * written before tenants had their own: every tenant then starts from wm/ft.
   */
  tenants?: Map<string, TenantCheckpoint>;
}

export interface TenantCheckpoint {
  wm: number;
  ft: number;
}

const TenantsWire = z.record(z.string(), z.tuple([z.number().nullable(), z.number().nullable()])).optional();
const Wire = z.object({ v: z.literal(1), wm: z.number().nullable(), n: z.string().regex(/^\d+$/), ft: z.number().nullable(), t: TenantsWire });

const finite = (x: number) => (Number.isFinite(x) ? x : null);
const orNegInf = (x: number | null) => x ?? Number.NEGATIVE_INFINITY;

/** Tenants as `{tenant: [wm, ft]}`: compact, because Kafka bounds commit metadata (offset.metadata.max.bytes, 4096 by default). */
function encodeTenants(t: Map<string, TenantCheckpoint> | undefined): Record<string, [number | null, number | null]> | undefined {
  if (!t) return undefined;
  const out: Record<string, [number | null, number | null]> = {};
  for (const [tenant, c] of t) out[tenant] = [finite(c.wm), finite(c.ft)];
  return out;
}

function decodeTenants(t: z.infer<typeof TenantsWire>): Map<string, TenantCheckpoint> | undefined {
  if (!t) return undefined;
  return new Map(Object.entries(t).map(([tenant, [wm, ft]]) => [tenant, { wm: orNegInf(wm), ft: orNegInf(ft) }]));
}

export function encodeCheckpoint(c: PartitionCheckpoint): string {
  return JSON.stringify({ v: 1, wm: finite(c.wm), n: c.n.toString(), ft: finite(c.ft), t: encodeTenants(c.tenants) });
}

/** Parses commit metadata; anything else (empty, foreign) means "no checkpoint": start fresh. */
export function decodeCheckpoint(s: string | null | undefined): PartitionCheckpoint | undefined {
  if (!s) return undefined;
  try {
    const w = Wire.parse(JSON.parse(s));
    const tenants = decodeTenants(w.t);
    return { wm: orNegInf(w.wm), n: BigInt(w.n), ft: orNegInf(w.ft), ...(tenants ? { tenants } : {}) };
  } catch {
    return undefined;
  }
}

/** One job's checkpoint in a consumer group that feeds several window jobs: `offset` is where that job resumes. */
export interface LaneCheckpoint {
  offset: bigint;
  meta: PartitionCheckpoint;
}

const LaneWire = z.object({ o: z.string().regex(/^\d+$/), wm: z.number().nullable(), n: z.string().regex(/^\d+$/), ft: z.number().nullable(), t: TenantsWire });
const MultiWire = z.object({ v: z.literal(2), j: z.record(z.string(), LaneWire) });

/**
 * Commit metadata of a group feeding several jobs (one consumer, one parse per event): each job's
 * own resume offset and checkpoint. The Kafka offset committed with it is the smallest of them.
 */
export function encodeLaneCheckpoints(lanes: Map<string, LaneCheckpoint>): string {
  const j: Record<string, z.infer<typeof LaneWire>> = {};
  for (const [job, c] of lanes) j[job] = { o: c.offset.toString(), wm: finite(c.meta.wm), n: c.meta.n.toString(), ft: finite(c.meta.ft), t: encodeTenants(c.meta.tenants) };
  return JSON.stringify({ v: 2, j });
}

/**
 * Per-job checkpoints from commit metadata. A single-job checkpoint (v1) applies to every job,
 * resuming at the committed offset. Empty or foreign metadata: no checkpoints (start fresh).
 */
export function decodeLaneCheckpoints(s: string | null | undefined, committedOffset: bigint | null, jobs: string[]): Map<string, LaneCheckpoint> {
  const out = new Map<string, LaneCheckpoint>();
  if (!s) return out;
  const v1 = decodeCheckpoint(s);
  if (v1) {
    if (committedOffset !== null) for (const job of jobs) out.set(job, { offset: committedOffset, meta: v1 });
    return out;
  }
  try {
    const w = MultiWire.parse(JSON.parse(s));
    for (const [job, c] of Object.entries(w.j)) {
      const tenants = decodeTenants(c.t);
      out.set(job, { offset: BigInt(c.o), meta: { wm: orNegInf(c.wm), n: BigInt(c.n), ft: orNegInf(c.ft), ...(tenants ? { tenants } : {}) } });
    }
  } catch {
    /* foreign metadata: start fresh */
  }
  return out;
}
