import type { ItemFeatures, ScenarioConfig, Scored } from '@vidplat/contracts';

/** What eligibility needs to know about the user-independent checks (see pipeline.ts eligible). */
export type EligibleFn = (id: string, f: ItemFeatures | undefined, cfg: ScenarioConfig, seen: ReadonlySet<string>, nowMs: number) => boolean;

interface Entry {
  items: Scored[];
  /** Features of `items`, index for index (the merge carries them, saving a lookup per item). */
  feats: ItemFeatures[];
  computedAt: number;
  /** The next publish or unpublish time among the list's items: eligibility may change then. */
  validUntil: number;
}

const NOBODY: ReadonlySet<string> = new Set();
const MAX_ENTRIES = 1_000;
const cache = new Map<string, Entry>();

/**
 * The hot list after the checks that are the same for every user (published now, excluded
 * categories, access), computed once per hot-list version, item-features version and scenario
 * filters in this isolate, instead of per request. It stays valid until the next publish or
 * unpublish time among its items. Not cached without both versions (nothing would say when it
 * changes) or when some item's features are unknown (a failed read must not stick).
 * The caller drops the user's seen items.
 */
export function hotForEveryone(...args: Parameters<typeof hotWithFeatures>): Scored[] {
  return hotWithFeatures(...args).items;
}

/** hotForEveryone with the items' features alongside. */
export function hotWithFeatures(
  tenant: string,
  scenario: string,
  hot: Scored[],
  hotVersion: number | null,
  itemsVersion: string | null,
  features: { get(id: string): ItemFeatures | undefined },
  cfg: ScenarioConfig,
  nowMs: number,
  eligible: EligibleFn,
): { items: Scored[]; feats: ItemFeatures[] } {
  const cacheable = hotVersion !== null && itemsVersion !== null;
  const r = cfg.rerank;
  const key = cacheable
    ? `${tenant}\u0000${scenario}\u0000${hotVersion}\u0000${itemsVersion}\u0000${hot.length}\u0000${r.excludeCategories?.join('\u0001') ?? ''}\u0000${r.access?.join('\u0001') ?? ''}\u0000${r.kinds?.join('\u0001') ?? ''}`
    : '';
  if (cacheable) {
    const e = cache.get(key);
    if (e && nowMs >= e.computedAt && nowMs < e.validUntil) return e;
  }
  const items: Scored[] = [];
  const feats: ItemFeatures[] = [];
  let validUntil = Infinity;
  let complete = true;
  for (const x of hot) {
    const f = features.get(x.itemId);
    if (!f) complete = false;
    else {
      if (f.p !== null && f.p > nowMs && f.p < validUntil) validUntil = f.p;
      if (f.u !== null && f.u > nowMs && f.u < validUntil) validUntil = f.u;
    }
    if (eligible(x.itemId, f, cfg, NOBODY, nowMs)) {
      items.push(x);
      feats.push(f!);
    }
  }
  if (cacheable && complete) {
    if (cache.size >= MAX_ENTRIES) cache.clear(); // old versions pile up otherwise; rebuilding is cheap
    cache.set(key, { items, feats, computedAt: nowMs, validUntil });
  }
  return { items, feats };
}
