import type { FeatureStore } from '../feature-store/pipeline.js';
import { BreakerOpen } from '../guardrails/breaker.js';
import { readBase } from './feature-reader.js';
import { mergeUserActions } from './user-actions.js';

type Base = Awaited<ReturnType<typeof readBase>>;

/** What the last good first read of a tenant/scenario returned: the lists are the isolate's cached arrays. */
interface LastBase {
  hot: Base['hot'];
  meta: Base['meta'];
  fresh: Base['fresh'];
  itemsVersion: Base['itemsVersion'];
  neighboursVersion: Base['neighboursVersion'];
}
const lastGood = new Map<string, LastBase>();
const MAX_KEPT = 10_000;

/**
 * The first feature-store read, or — when the store is unreachable (down, timed out, circuit
 * open) — what this isolate last read for the tenant and scenario: the hot and fresh lists at
 * their versions, so the item-feature, neighbour and hot-channel caches of those versions serve
 * too. The user's recent items are unknown then (no seen filter, no item-CF seeds): the answer
 * is marked degraded with the reason. A cold isolate with nothing kept rethrows.
 */
export async function readBaseOrKept(
  store: FeatureStore,
  t: string,
  scenario: string,
  user: string,
  sizes: { hot: number; fresh: number; recent: number; userCf?: number },
): Promise<Base & { degraded?: string }> {
  const key = `${t}\u0000${scenario}`;
  try {
    const b = await readBase(store, t, scenario, user, sizes);
    const k = lastGood.get(key);
    // In place when present: no allocation per request.
    if (k) {
      k.hot = b.hot;
      k.meta = b.meta;
      k.fresh = b.fresh;
      k.itemsVersion = b.itemsVersion;
      k.neighboursVersion = b.neighboursVersion;
    } else {
      if (lastGood.size >= MAX_KEPT) lastGood.clear();
      lastGood.set(key, { hot: b.hot, meta: b.meta, fresh: b.fresh, itemsVersion: b.itemsVersion, neighboursVersion: b.neighboursVersion });
    }
    return b;
  } catch (e) {
    const k = lastGood.get(key);
    if (!k) throw e;
    const why = e instanceof BreakerOpen ? e.message : `feature store unreachable: ${e instanceof Error ? e.message : String(e)}`;
    return {
      hot: k.hot.length <= sizes.hot ? k.hot : k.hot.slice(0, sizes.hot),
      meta: k.meta,
      fresh: k.fresh.length <= sizes.fresh ? k.fresh : k.fresh.slice(0, sizes.fresh),
      recent: [],
      // The user's own actions are in the unreachable store too: none known.
      actions: mergeUserActions([], null, null, 0),
      userCf: [],
      itemsVersion: k.itemsVersion,
      neighboursVersion: k.neighboursVersion,
      degraded: `${why}; served from this isolate's cached lists, item features and model (user's recent items unknown: not filtered, no item-CF seeds, no user-CF list)`,
    };
  }
}
