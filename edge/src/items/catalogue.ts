import { type Item, type PublishStateChange } from '@vidplat/contracts';
import { edgeConfig, type Bindings } from '../env.js';
import { featureStore } from '../feature-store/redis.js';
import { lessVisible, pushItemFeatures } from './feature-mirror.js';
import { ItemStore } from './store.js';

/** The feature store did not take a change that hides items: the caller must retry. */
export class FeatureSyncFailed extends Error {
  override name = 'FeatureSyncFailed';
}

export interface WriteResult {
  /** False: D1 has the change, the feature store does not yet (retried on later writes). */
  synced: boolean;
}

/**
 * Item writes: D1 first (source of truth), then the feature store the recommend path reads.
 * A change that makes an item visible may lag (the item is simply not recommended yet); a change
 * that hides one (unpublish, delete, scheduled-out) throws FeatureSyncFailed when it could not be
 * mirrored, so the caller retries and a hidden item is never left recommendable.
 */
export class ItemCatalogue {
  readonly store: ItemStore;
  constructor(private readonly env: Bindings) {
    this.store = new ItemStore(env.CATALOGUE);
  }

  async write(tenantId: string, items: Item[]): Promise<WriteResult> {
    // Only items that exist already can be visible in the feature store now and need hiding.
    const hiding = await this.store.existing(tenantId, items.filter((it) => lessVisible(it)).map((it) => it.itemId));
    await this.store.upsertMany(items);
    const synced = await this.sync(tenantId, items);
    if (!synced && hiding.length) throw new FeatureSyncFailed('feature store unavailable');
    return { synced };
  }

  /** Feature store first, then D1: a failed delete leaves the row in D1, so a retry finds it. */
  async remove(tenantId: string, itemId: string): Promise<boolean> {
    if (!(await this.store.get(tenantId, itemId))) return false;
    try {
      await pushItemFeatures(this.redis(), tenantId, [], [itemId]);
    } catch (e) {
      throw new FeatureSyncFailed(`feature store: ${e instanceof Error ? e.message : String(e)}`);
    }
    return this.store.delete(tenantId, itemId);
  }

  /** Pushes `items` plus a bounded number of earlier unsynced rows; false when the push failed. */
  async sync(tenantId: string, items: Item[], backlog = 200): Promise<boolean> {
    const asOf = new Date().toISOString();
    try {
      const pending = backlog ? await this.store.unsynced(tenantId, backlog) : [];
      const byId = new Map([...pending, ...items].map((it) => [it.itemId, it]));
      const all = [...byId.values()];
      await pushItemFeatures(this.redis(), tenantId, all);
      await this.store.markSynced(tenantId, all, asOf);
      return true;
    } catch (e) {
      console.warn('item feature sync failed', tenantId, e instanceof Error ? e.message : String(e));
      return false;
    }
  }

  private redis() {
    return featureStore(edgeConfig(this.env));
  }
}

/**
 * For the scheduler (and anything else that flips visibility): sets an item's publish state and
 * window, in D1 and the feature store. Idempotent; returns null for an unknown item; throws
 * FeatureSyncFailed when a hiding change could not reach the feature store (retry it).
 */
export async function setItemPublishState(env: Bindings, tenantId: string, itemId: string, change: PublishStateChange): Promise<Item | null> {
  const cat = new ItemCatalogue(env);
  const it = await cat.store.get(tenantId, itemId);
  if (!it) return null;
  const next: Item = {
    ...it,
    state: change.state,
    ...(change.publishedAt !== undefined ? { publishedAt: change.publishedAt } : {}),
    ...(change.unpublishAt !== undefined ? { unpublishAt: change.unpublishAt } : {}),
  };
  await cat.write(tenantId, [next]);
  return next;
}
