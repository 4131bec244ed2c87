import type { UserProfileVector } from '@vidplat/contracts';

export interface ProfileWindow {
  windowEnd: number;
  categories: Record<string, number>;
  authors: Record<string, number>;
  activeHours: number[];
  watchMs: number;
}

const DAY = 86_400_000;

/**
 * Folds a user's windows into one vector with exponential decay across windows: a window's weight
 * halves every `halfLifeMs` before the newest one. Preferences are scaled so the top one is 1.
 */
export function profileVector(windows: ProfileWindow[], version: number, halfLifeMs = DAY, builtAt = Date.now()): UserProfileVector {
  const newest = Math.max(...windows.map((w) => w.windowEnd));
  const c: Record<string, number> = {};
  const a: Record<string, number> = {};
  const hours = new Map<number, number>();
  let watch = 0;
  for (const w of windows) {
    const decay = 2 ** (-(newest - w.windowEnd) / halfLifeMs);
    for (const [k, v] of Object.entries(w.categories)) c[k] = (c[k] ?? 0) + v * decay;
    for (const [k, v] of Object.entries(w.authors)) a[k] = (a[k] ?? 0) + v * decay;
    for (const h of w.activeHours) hours.set(h, (hours.get(h) ?? 0) + decay);
    watch += (w.watchMs / 1000) * decay;
  }
  return {
    v: version,
    at: builtAt,
    c: normalise(c, 20),
    a: normalise(a, 20),
    h: [...hours.entries()].sort((x, y) => y[1] - x[1] || x[0] - y[0]).slice(0, 6).map(([h]) => h),
    w: Math.round(watch),
  };
}

function normalise(m: Record<string, number>, top: number): Record<string, number> {
  const entries = Object.entries(m).filter(([, v]) => v > 0).sort((x, y) => y[1] - x[1] || x[0].localeCompare(y[0])).slice(0, top);
  const max = entries[0]?.[1] ?? 1;
  return Object.fromEntries(entries.map(([k, v]) => [k, Math.round((v / max) * 1000) / 1000]));
}
