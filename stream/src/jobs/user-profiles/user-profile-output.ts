import type { Redis } from 'ioredis';
import type { ClickHouseClient } from '@vidplat/analytics';
import { userProfileWindows } from '@vidplat/analytics/stream/window-queries';
import { FeatureKeys, ItemFeatures, Topics, type UserProfileUpdate, type UserProfileWindowRow } from '@vidplat/contracts';
import type { Producer } from '../../kafka/client.js';
import type { FeatureSnapshotWriter } from '../../features/snapshot-writer.js';
import { chTime, isoTime } from '../../windows/clickhouse-writer.js';
import { insertRowBinary, type RowBinaryWriter } from '../../windows/row-binary.js';
import { buildUpdateBatches, sendUpdateBatches } from '../../sinks/update-batches.js';
import type { FiredWindow } from '../../windows/partition-windows.js';
import type { WindowOutput } from '../../windows/windowed-job.js';
import { profileVector } from './profile-vector.js';
import { activeHours, type UserProfileAcc } from './user-profile-window.js';

type Meta = Map<string, { c: string[]; au?: string }>;

/** Item → categories/author from the edge feature store (fs:{tenant}:items), one HMGET per tenant. */
async function itemMeta(redis: Redis | null, fired: FiredWindow<UserProfileAcc>[]): Promise<Map<string, Meta>> {
  const byTenant = new Map<string, Set<string>>();
  for (const w of fired) {
    const s = byTenant.get(w.acc.tenantId) ?? new Set<string>();
    for (const item of w.acc.items.keys()) s.add(item);
    byTenant.set(w.acc.tenantId, s);
  }
  const out = new Map<string, Meta>();
  for (const [tenant, items] of byTenant) {
    const ids = [...items];
    const m: Meta = new Map();
    if (redis && ids.length) {
      const raw = await redis.hmget(FeatureKeys.itemMeta(tenant), ...ids);
      raw.forEach((r, i) => {
        if (!r) return;
        const f = ItemFeatures.safeParse(JSON.parse(r));
        if (f.success) m.set(ids[i]!, { c: f.data.c, ...(f.data.au ? { au: f.data.au } : {}) });
      });
    }
    out.set(tenant, m);
  }
  return out;
}

function preferences(acc: UserProfileAcc, meta: Meta | undefined) {
  const categories: Record<string, number> = {};
  const authors: Record<string, number> = {};
  for (const [item, w] of acc.items) {
    const m = meta?.get(item);
    for (const c of m?.c ?? []) categories[c] = (categories[c] ?? 0) + w;
    if (m?.au) authors[m.au] = (authors[m.au] ?? 0) + w;
  }
  return { categories, authors };
}

export function userProfileRow(w: FiredWindow<UserProfileAcc>, meta: Meta | undefined, emittedAt: number): UserProfileWindowRow {
  const a = w.acc;
  return {
    tenant_id: a.tenantId,
    user_id: a.userId,
    window_start: chTime(w.start),
    window_end: chTime(w.end),
    source_partition: w.partition,
    events: w.count,
    ...a.counts,
    watch_ms: a.watchMs,
    ...preferences(a, meta),
    items: Object.fromEntries(a.items),
    items_last: Object.fromEntries(a.itemsLast),
    items_negative: Object.fromEntries(a.itemsNegative),
    active_hours: activeHours(a.hours),
    version: w.count,
    emitted_at: chTime(emittedAt),
  };
}

/** `user_profile_windows` columns, in the order userProfileRowBinary writes them (same values as userProfileRow). */
export const USER_PROFILE_COLUMNS = ['tenant_id', 'user_id', 'window_start', 'window_end', 'source_partition', 'events', 'impressions', 'clicks', 'plays', 'completes', 'likes', 'shares', 'comments', 'purchases', 'dislikes', 'hides', 'watch_ms', 'categories', 'authors', 'items', 'items_last', 'items_negative', 'active_hours', 'version', 'emitted_at'] as const;

const entries = (o: Record<string, number>): [string, number][] => Object.entries(o);

export function userProfileRowBinary(out: RowBinaryWriter, w: FiredWindow<UserProfileAcc>, meta: Meta | undefined, emittedAt: number): void {
  const a = w.acc;
  const c = a.counts;
  const p = preferences(a, meta);
  out.string(a.tenantId).string(a.userId).dateTime64ms(w.start).dateTime64ms(w.end).uint16(w.partition).uint64(w.count);
  out.uint64(c.impressions).uint64(c.clicks).uint64(c.plays).uint64(c.completes).uint64(c.likes).uint64(c.shares).uint64(c.comments).uint64(c.purchases).uint64(c.dislikes).uint64(c.hides).uint64(a.watchMs);
  const cats = entries(p.categories);
  const auths = entries(p.authors);
  out.mapStringInt64(cats, cats.length).mapStringInt64(auths, auths.length).mapStringInt64(a.items, a.items.size).mapStringInt64(a.itemsLast, a.itemsLast.size).mapStringInt64(a.itemsNegative, a.itemsNegative.size);
  out.arrayUInt8(activeHours(a.hours)).uint64(w.count).dateTime64ms(emittedAt);
}

const scale = (m: Record<string, number>) => Object.fromEntries(Object.entries(m).map(([k, v]) => [k, v / 1000]));
const recentItems = (a: UserProfileAcc): string[] => [...a.itemsLast.entries()].sort((x, y) => y[1] - x[1]).slice(0, 50).map(([i]) => i);

function userProfileUpdate(w: FiredWindow<UserProfileAcc>, meta: Meta | undefined): UserProfileUpdate {
  const a = w.acc;
  const p = preferences(a, meta);
  return {
    tenantId: a.tenantId,
    userId: a.userId,
    windowStart: isoTime(w.start),
    windowEnd: isoTime(w.end),
    events: w.count,
    counts: { ...a.counts },
    watchSeconds: a.watchMs / 1000,
    categories: scale(p.categories),
    authors: scale(p.authors),
    activeHours: activeHours(a.hours),
    recentItems: recentItems(a),
    final: w.final,
  };
}

/** The `user-profile-updates` batch messages for fired windows (what write() sends). */
export function userProfileUpdateBodies(fired: readonly FiredWindow<UserProfileAcc>[], meta: Map<string, Meta>): { key: string; value: string }[] {
  return buildUpdateBatches(fired, (w) => w.acc.tenantId, (w) => userProfileUpdate(w, meta.get(w.acc.tenantId)));
}

const WEEK = 7 * 86_400_000;

/**
 * User profile sink: ClickHouse `user_profile_windows`, `user-profile-updates`, and after the
 * commit each touched user's decayed profile vector and recent items in the edge feature store.
 */
export class UserProfileOutput implements WindowOutput<UserProfileAcc> {
  constructor(
    private readonly ch: ClickHouseClient,
    private readonly producer: Producer | null,
    private readonly redis: Redis | null,
    private readonly snapshots: FeatureSnapshotWriter | null,
  ) {}

  async write(fired: FiredWindow<UserProfileAcc>[]): Promise<void> {
    if (fired.length === 0) return;
    const meta = await itemMeta(this.redis, fired);
    const now = Date.now();
    // Both must land before the offsets are committed; they go out at the same time.
    await Promise.all([
      insertRowBinary(this.ch, 'user_profile_windows', USER_PROFILE_COLUMNS, fired, (out, w) => userProfileRowBinary(out, w, meta.get(w.acc.tenantId), now)),
      this.producer && sendUpdateBatches(this.producer, Topics.userProfileUpdates, fired, (w) => w.acc.tenantId, (w) => userProfileUpdate(w, meta.get(w.acc.tenantId))),
    ]);
  }

  async afterCommit(fired: FiredWindow<UserProfileAcc>[]): Promise<void> {
    if (!this.snapshots) return;
    const byTenant = new Map<string, { users: Set<string>; since: number }>();
    for (const w of fired) {
      const t = byTenant.get(w.acc.tenantId) ?? { users: new Set<string>(), since: Infinity };
      t.users.add(w.acc.userId);
      t.since = Math.min(t.since, w.end - WEEK);
      byTenant.set(w.acc.tenantId, t);
    }
    for (const [tenant, { users, since }] of byTenant) {
      const list = [...users];
      for (let i = 0; i < list.length; i += 1000) {
        const rows = await userProfileWindows(this.ch, tenant, list.slice(i, i + 1000), since);
        const perUser = new Map<string, typeof rows>();
        for (const r of rows) perUser.set(r.userId, [...(perUser.get(r.userId) ?? []), r]);
        const profiles = [...perUser.entries()].map(([userId, ws]) => {
          const newest = Math.max(...ws.map((w) => w.windowEnd));
          const recent = new Map<string, number>();
          const negative = new Map<string, number>();
          for (const w of ws) for (const [item, at] of Object.entries(w.itemsLast)) recent.set(item, Math.max(recent.get(item) ?? 0, at));
          for (const w of ws) for (const [item, at] of Object.entries(w.itemsNegative)) negative.set(item, Math.max(negative.get(item) ?? 0, at));
          return {
            userId,
            negative: [...negative.entries()].sort((x, y) => y[1] - x[1]).slice(0, 50).map(([itemId, at]) => ({ itemId, at })),
            vector: profileVector(ws, newest),
            recent: [...recent.entries()].sort((x, y) => y[1] - x[1]).slice(0, 100).map(([itemId, at]) => ({ itemId, at })),
          };
        });
        await this.snapshots.publishUserProfiles(tenant, profiles);
      }
    }
  }
}
