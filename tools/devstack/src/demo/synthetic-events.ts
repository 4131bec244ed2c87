import { SCHEMA_VERSION, type BehaviourEvent } from '@vidplat/contracts';

/** Small deterministic PRNG so a seed reproduces the same stream (tests compare exact results). */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function seededUuidv7(ms: number, rnd: () => number): string {
  const b = new Uint8Array(16);
  let ts = ms;
  for (let i = 5; i >= 0; i--) {
    b[i] = ts % 256;
    ts = Math.floor(ts / 256);
  }
  for (let i = 6; i < 16; i++) b[i] = Math.floor(rnd() * 256);
  b[6] = (b[6]! & 0x0f) | 0x70;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export interface SyntheticOptions {
  tenants: string[];
  users: number;
  items: number;
  count: number;
  seed?: number;
  /** Event times start here and advance ~1 s per event on average. */
  startMs?: number;
  scenario?: string;
}

/**
 * A plausible behaviour stream: impressions lead to clicks, clicks to plays, plays progress and
 * sometimes complete; popularity follows a Zipf-like curve so hot lists have a shape.
 */
export function syntheticEvents(o: SyntheticOptions): BehaviourEvent[] {
  const rnd = mulberry32(o.seed ?? 1);
  const zipf = (n: number) => Math.min(n - 1, Math.floor(n * rnd() ** 2.2));
  let t = o.startMs ?? Date.UTC(2026, 10, 25, 8, 0, 0);
  const out: BehaviourEvent[] = [];
  while (out.length < o.count) {
    t += Math.floor(rnd() * 2000);
    const tenantId = o.tenants[Math.floor(rnd() * o.tenants.length)]!;
    const base = {
      eventId: seededUuidv7(t, rnd),
      tenantId,
      eventTime: new Date(t).toISOString(),
      schemaVersion: SCHEMA_VERSION,
      userId: `u${Math.floor(rnd() * o.users)}`,
      itemId: `v${zipf(o.items)}`,
      scenario: o.scenario ?? 'feed',
    };
    const r = rnd();
    const duration = 60 + Math.floor(rnd() * 600);
    if (r < 0.5) out.push({ ...base, type: 'impression', position: Math.floor(rnd() * 20) });
    else if (r < 0.68) out.push({ ...base, type: 'click' });
    else if (r < 0.8) out.push({ ...base, type: 'play_start', positionSeconds: 0, durationSeconds: duration });
    else if (r < 0.88) {
      const watched = Math.floor(rnd() * duration);
      out.push({ ...base, type: 'play_progress', positionSeconds: watched, durationSeconds: duration, watchedSeconds: watched });
    } else if (r < 0.93) out.push({ ...base, type: 'play_complete', positionSeconds: duration, durationSeconds: duration, watchedSeconds: duration });
    else if (r < 0.97) out.push({ ...base, type: 'like' });
    else if (r < 0.99) out.push({ ...base, type: 'share', channel: 'link' });
    else out.push({ ...base, type: 'comment', length: 10 + Math.floor(rnd() * 200) });
  }
  return out;
}
