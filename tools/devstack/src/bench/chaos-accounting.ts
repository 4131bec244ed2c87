/**
 * What bench:chaos counts, as pure functions over what it observed (so the figures can be
 * checked on hand-made cases): campaign recipients delivered twice, and broadcaster ticks with no
 * signed post at the receiver.
 */

/** One multicast the messaging API stand-in accepted (its /_local/deliveries record). */
export interface Delivered {
  at: number;
  to: string[];
}

/**
 * Recipients delivered more than once (each extra delivery counts once), overall and for the
 * deliveries accepted inside each window (a repeat inside a window counts against that window,
 * wherever the first delivery was).
 */
export function doubleSends(deliveries: Delivered[], windows: Array<{ from: number; to: number }> = []): { total: number; perWindow: number[]; recipients: number } {
  const seen = new Set<string>();
  let total = 0;
  const perWindow = windows.map(() => 0);
  for (const d of [...deliveries].sort((a, b) => a.at - b.at)) {
    for (const r of d.to) {
      if (!seen.has(r)) {
        seen.add(r);
        continue;
      }
      total++;
      windows.forEach((w, i) => {
        if (d.at >= w.from && d.at <= w.to) perWindow[i]!++;
      });
    }
  }
  return { total, perWindow, recipients: seen.size };
}

/**
 * The broadcaster posts on a fixed grid from the task's creation (next = previous due time +
 * interval). Tick k is due at origin + k·interval; it is delivered when a verified post reached the
 * receiver before tick k+1 was due (a late post still counts; two posts in one window count
 * once). Only ticks whose window closed by `until` are judged. Per window: missed ticks whose due
 * time falls inside it.
 */
export function webhookTicks(
  posts: number[],
  origin: number,
  intervalMs: number,
  until: number,
  windows: Array<{ from: number; to: number }> = [],
): { due: number; delivered: number; missed: number; missedPerWindow: number[]; maxGapS: number } {
  const due = Math.max(0, Math.floor((until - origin) / intervalMs));
  const hit = new Set<number>();
  for (const p of posts) {
    const k = Math.floor((p - origin) / intervalMs);
    if (k >= 0 && k < due) hit.add(k);
  }
  const missedPerWindow = windows.map(() => 0);
  for (let k = 0; k < due; k++) {
    if (hit.has(k)) continue;
    const at = origin + k * intervalMs;
    windows.forEach((w, i) => {
      if (at >= w.from && at <= w.to) missedPerWindow[i]!++;
    });
  }
  const sorted = [...posts].sort((a, b) => a - b);
  let maxGap = 0;
  for (let i = 1; i < sorted.length; i++) maxGap = Math.max(maxGap, sorted[i]! - sorted[i - 1]!);
  return { due, delivered: hit.size, missed: due - hit.size, missedPerWindow, maxGapS: Math.round(maxGap / 100) / 10 };
}
