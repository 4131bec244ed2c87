/**
 * Event-time window definition. Tumbling windows are hopping windows whose hop equals their size.
 * Windows are aligned to the Unix epoch: [k·hop, k·hop + size).
 */
export interface WindowSpec {
  sizeMs: number;
  hopMs: number;
  /** Watermark = max event time seen in the partition − outOfOrdernessMs. */
  outOfOrdernessMs: number;
  /** A window fires when the watermark passes its end and accepts late events until end + lateness. */
  allowedLatenessMs: number;
}

export function tumbling(sizeMs: number, outOfOrdernessMs: number, allowedLatenessMs: number): WindowSpec {
  return checkSpec({ sizeMs, hopMs: sizeMs, outOfOrdernessMs, allowedLatenessMs });
}

export function hopping(sizeMs: number, hopMs: number, outOfOrdernessMs: number, allowedLatenessMs: number): WindowSpec {
  return checkSpec({ sizeMs, hopMs, outOfOrdernessMs, allowedLatenessMs });
}

function checkSpec(s: WindowSpec): WindowSpec {
  if (!(s.sizeMs > 0 && s.hopMs > 0 && s.sizeMs % s.hopMs === 0)) throw new Error(`window size ${s.sizeMs} must be a positive multiple of hop ${s.hopMs}`);
  if (s.outOfOrdernessMs < 0 || s.allowedLatenessMs < 0) throw new Error('out-of-orderness and lateness must be >= 0');
  return s;
}

/** Starts of every window that contains t, latest first. */
export function windowStarts(t: number, s: WindowSpec): number[] {
  const out: number[] = [];
  for (let start = Math.floor(t / s.hopMs) * s.hopMs; start > t - s.sizeMs; start -= s.hopMs) out.push(start);
  return out;
}
