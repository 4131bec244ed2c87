import { env } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { FeatureKeys, parseRecentAction, recentActionEntry, ScenarioConfig, SCHEMA_VERSION, uuidv7, type BehaviourEvent, type ItemFeatures } from '@vidplat/contracts';
import type { FeatureStore, StoreCommand } from '../src/feature-store/pipeline.js';
import { recentActionCommands, recordRecentActions } from '../src/events/recent-actions.js';
import { demote, demotionsOf, mergeUserActions } from '../src/recommend/user-actions.js';
import { runPipeline } from '../src/recommend/pipeline.js';

const NOW = Date.parse('2026-12-07T12:00:00Z');
const ev = (type: string, itemId: string, at: number, userId = 'u1', extra: Record<string, unknown> = {}): BehaviourEvent =>
  ({ eventId: uuidv7(at), tenantId: 't1', eventTime: new Date(at).toISOString(), schemaVersion: SCHEMA_VERSION, userId, itemId, type, ...extra }) as BehaviourEvent;

/** A feature store in memory: the commands recommend and the event route send (GET, ZRANGE … REV WITHSCORES, HMGET, LPUSH, LTRIM, LRANGE, EXPIRE). */
class MemoryStore implements FeatureStore {
  strings = new Map<string, string>();
  zsets = new Map<string, Map<string, number>>();
  lists = new Map<string, string[]>();
  hashes = new Map<string, Map<string, string>>();
  calls = 0;
  fail = false;
  async pipeline(cmds: StoreCommand[]): Promise<unknown[]> {
    this.calls++;
    if (this.fail) throw new Error('store down');
    return cmds.map(([op, key, ...a]) => {
      const k = String(key);
      switch (String(op).toLowerCase()) {
        case 'get':
          return this.strings.get(k) ?? null;
        case 'zrange': {
          const z = [...(this.zsets.get(k) ?? new Map()).entries()].sort((x, y) => y[1] - x[1]).slice(Number(a[0]), Number(a[1]) + 1);
          return z.flatMap(([m, s]) => [m, String(s)]);
        }
        case 'hmget':
          return a.map((f) => this.hashes.get(k)?.get(String(f)) ?? null);
        case 'lpush': {
          const l = this.lists.get(k) ?? [];
          for (const v of a) l.unshift(String(v));
          this.lists.set(k, l);
          return l.length;
        }
        case 'ltrim':
          this.lists.set(k, (this.lists.get(k) ?? []).slice(Number(a[0]), Number(a[1]) + 1));
          return 'OK';
        case 'lrange':
          return (this.lists.get(k) ?? []).slice(Number(a[0]), Number(a[1]) + 1);
        case 'expire':
          return 1;
        default:
          throw new Error(`unsupported ${String(op)}`);
      }
    });
  }
  zadd(key: string, entries: [string, number][]) {
    this.zsets.set(key, new Map(entries));
  }
}

describe('recent actions written at event accept', () => {
  it('one LPUSH per user and list, newest at the head, bounded and expiring; impressions apart; schedule and progress left out', () => {
    const cmds = recentActionCommands(
      [
        ev('click', 'b', NOW - 1000),
        ev('click', 'a', NOW - 2000),
        ev('impression', 'x', NOW - 3000),
        ev('impression', 'y', NOW - 2500),
        ev('dislike', 'c', NOW - 500, 'u2'),
        ev('play_progress', 'a', NOW - 100, 'u1', { positionSeconds: 1, durationSeconds: 10, watchedSeconds: 1 }),
        ev('like', 'z', NOW + 86_400_000), // a client clock a day ahead
      ],
      NOW,
    );
    const act = FeatureKeys.userActions('t1', 'u1');
    expect(cmds).toContainEqual(['lpush', act, `${NOW - 2000}|click|a`, `${NOW - 1000}|click|b`, `${NOW}|like|z`]);
    expect(cmds).toContainEqual(['ltrim', act, 0, 199]);
    expect(cmds).toContainEqual(['lpush', FeatureKeys.userImpressions('t1', 'u1'), 'x', 'y']);
    expect(cmds).toContainEqual(['lpush', FeatureKeys.userActions('t1', 'u2'), `${NOW - 500}|dislike|c`]);
    expect(cmds.filter((c) => c[0] === 'expire')).toHaveLength(3);
    expect(JSON.stringify(cmds)).not.toContain('play_progress');
  });

  it('entries round-trip, item ids with the separator included', () => {
    expect(parseRecentAction(recentActionEntry({ at: 5, type: 'click', itemId: 'a|b' }))).toEqual({ at: 5, type: 'click', itemId: 'a|b' });
    expect(parseRecentAction('garbage')).toBeNull();
    expect(parseRecentAction(42)).toBeNull();
  });

  it('a failed write is reported, never thrown (the events are already in Kafka)', async () => {
    const store = new MemoryStore();
    store.fail = true;
    const r = await recordRecentActions(store, [ev('click', 'a', NOW)], NOW);
    expect(r).toMatchObject({ ok: false, error: 'store down' });
    store.fail = false;
    expect(await recordRecentActions(store, [ev('click', 'a', NOW)], NOW)).toMatchObject({ ok: true });
    expect(store.calls).toBe(2);
  });
});

describe('merging real-time actions with the profile snapshot', () => {
  it('newest first, newer times win, disliked items blocked and never seeds', () => {
    const u = mergeUserActions(
      [{ itemId: 'old', score: NOW - 60_000 }, { itemId: 'a', score: NOW - 50_000 }, { itemId: 'bad', score: NOW - 40_000 }],
      [`${NOW - 1000}|click|a`, `${NOW - 2000}|dislike|bad`, `${NOW - 3000}|play_start|new`, 'junk'],
      ['x', 'x', 'y'],
      50,
    );
    expect(u.recent.map((r) => r.itemId)).toEqual(['a', 'new', 'old']);
    expect([...u.blocked]).toEqual(['bad']);
    expect(u.negatives).toEqual(['bad']);
    expect(u.impressions.get('x')).toBe(2);
  });

  it('without real-time entries the snapshot list is used as it is', () => {
    const snap = [{ itemId: 'a', score: 1 }];
    const u = mergeUserActions(snap, [], null, 50);
    expect(u.recent).toBe(snap);
    expect(u.blocked.size).toBe(0);
  });

  it('demotes disliked categories and neighbours, and fatigued items that were never engaged with', () => {
    const cfg = ScenarioConfig.parse({ tenantId: 't', scenario: 's', recall: [{ name: 'hot', weight: 1, size: 10 }], rerank: { fatigueImpressions: 2 } });
    const u = mergeUserActions([], [`${NOW}|dislike|bad`, `${NOW - 1}|click|seen`], ['tired', 'tired', 'seen', 'seen', 'once'], 50);
    const feats: Record<string, ItemFeatures> = { bad: { s: 'published', p: null, u: null, c: ['horror'], a: 'free' } };
    const d = demotionsOf(u, cfg, (id) => feats[id], [{ ids: ['nbr'] }])!;
    expect([...d.fatigued]).toEqual(['tired']);
    const ids = ['nbr', 'scary', 'tired', 'fine'];
    const cats = [['x'], ['horror'], ['y'], ['z']];
    const scores = Float32Array.from([1, 1, 1, 1]);
    expect(demote(scores, 4, (i) => ids[i]!, (i) => cats[i]!, d)).toBe(3);
    expect([...scores]).toEqual([0.5, 0.5, 0.5, 1]);
    const off = ScenarioConfig.parse({ ...cfg, rerank: { fatigueImpressions: 0 } });
    expect(demotionsOf(mergeUserActions([], [], ['tired', 'tired'], 50), off, () => undefined, [])).toBeNull();
  });
});

describe('recommend reads the real-time actions in its one first round trip', () => {
  const t = 'rt-tenant';
  const feat = (c: string): string => JSON.stringify({ s: 'published', p: NOW - 3_600_000, u: null, c: [c], a: 'free' });
  function store() {
    const s = new MemoryStore();
    const items = Array.from({ length: 30 }, (_, i) => `i${i}`);
    s.zadd(FeatureKeys.hotList(t, 'feed'), items.map((id, i) => [id, 100 - i]));
    s.strings.set(FeatureKeys.hotListMeta(t, 'feed'), JSON.stringify({ version: 1, builtAt: new Date(NOW).toISOString(), source: 'test', size: 30 }));
    s.hashes.set(FeatureKeys.itemMeta(t), new Map(items.map((id, i) => [id, feat(i % 3 === 0 ? 'news' : i % 3 === 1 ? 'sport' : 'food')])));
    s.zadd(FeatureKeys.itemNeighbours(t, 'i20'), [['i25', 0.9], ['i26', 0.8]]);
    return s;
  }
  const cfg = (filterSeen = true) =>
    ScenarioConfig.parse({
      tenantId: t,
      scenario: 'feed',
      recall: [
        { name: 'hot', weight: 1, size: 30 },
        { name: 'item_cf', weight: 3, size: 10 },
      ],
      rerank: { diversityLambda: 1, freshnessBoost: 0, filterSeen, fatigueImpressions: 3 },
    });
  const my = (type: string, itemId: string, at: number) => ev(type, itemId, at, 'u1', { tenantId: t });
  const run = (s: FeatureStore, c = cfg()) => runPipeline(s, env.MODELS, { tenant: t, scenario: 'feed', user: 'u1', n: 10, cfg: c, nowMs: NOW, debug: true });

  it('a dislike removes the item and demotes its category; a click removes the item and seeds item-CF; one feature-store call before any neighbour read', async () => {
    const s = store();
    const before = await run(s);
    expect(before.items[0]!.itemId).toBe('i0');
    const callsBefore = s.calls;
    await recordRecentActions(s, [my('dislike', 'i0', NOW - 10), my('click', 'i20', NOW - 5)], NOW);
    const after = await run(s);
    const ids = after.items.map((i) => i.itemId);
    expect(ids).not.toContain('i0');
    expect(ids).not.toContain('i20');
    // i0's category (news: i3, i6, …) is demoted below the others of similar heat.
    expect(ids.indexOf('i1')).toBeLessThan(ids.indexOf('i3') < 0 ? 99 : ids.indexOf('i3'));
    const cf = after.traces.find((x) => x.stage === 'recall.item_cf')!;
    expect(cf.items!.map((x) => x.itemId)).toEqual(['i25', 'i26']);
    expect(after.items.find((i) => i.itemId === 'i25')!.channels).toContain('item_cf');
    expect(after.traces.find((x) => x.stage === 'merge')!.note).toMatch(/real-time: 2 recent actions, 1 disliked\/hidden/);
    // Write (1) + first read (1) + neighbour/feature read (1): the real-time lists came with the first read.
    expect(s.calls - callsBefore).toBeLessThanOrEqual(3);
  });

  it('a disliked item never returns even where seen items are allowed (filterSeen: false)', async () => {
    const s = store();
    await recordRecentActions(s, [my('hide', 'i0', NOW - 10), my('click', 'i1', NOW - 5)], NOW);
    const r = await run(s, cfg(false));
    const ids = r.items.map((i) => i.itemId);
    expect(ids).not.toContain('i0');
    expect(ids).toContain('i1');
  });

  it('the user-CF channel reads the user\'s offline list in the first round trip, minus what they saw since', async () => {
    const s = store();
    // Built offline before the user clicked i20; 'ghost' has no item features (never proven published).
    s.zadd(FeatureKeys.userCf(t, 'u1'), [['i29', 0.9], ['i20', 0.8], ['ghost', 0.7], ['i27', 0.4]]);
    await recordRecentActions(s, [my('click', 'i20', NOW - 5)], NOW);
    const c = ScenarioConfig.parse({ ...cfg(), recall: [{ name: 'hot', weight: 1, size: 30 }, { name: 'user_cf', weight: 5, size: 10 }] });
    const callsBefore = s.calls;
    const r = await run(s, c);
    const ucf = r.traces.find((x) => x.stage === 'recall.user_cf')!;
    expect(ucf.items!.map((x) => x.itemId)).toEqual(['i29', 'ghost', 'i27']);
    const ids = r.items.map((i) => i.itemId);
    expect(ids).not.toContain('i20');
    expect(ids).not.toContain('ghost');
    // i29, last of the hot list, comes first on its user-CF score.
    expect(ids[0]).toBe('i29');
    expect(r.items[0]!.channels).toEqual(['hot', 'user_cf']);
    // First read (with the user-CF list) + neighbour/feature read.
    expect(s.calls - callsBefore).toBeLessThanOrEqual(2);
    // A user with no list: the channel says why, the answer is unchanged otherwise.
    const other = await runPipeline(s, env.MODELS, { tenant: t, scenario: 'feed', user: 'u9', n: 10, cfg: c, nowMs: NOW, debug: true });
    expect(other.traces.find((x) => x.stage === 'recall.user_cf')).toMatchObject({ candidates: 0, note: expect.stringMatching(/no user-CF list/) });
    expect(other.items[0]!.itemId).toBe('i0');
  });

  it("the scenario's rank cut (rerank.rankPerItem / rankMin) ranks only the best candidates by recall, and says so", async () => {
    const s = store();
    const all = await run(s);
    expect(all.traces.find((x) => x.stage === 'rank')).toMatchObject({ candidates: 30 });
    const c = ScenarioConfig.parse({ ...cfg(), rerank: { ...cfg().rerank, rankPerItem: 1, rankMin: 12, mmrPoolPerItem: 1 } });
    const r = await run(s, c);
    expect(r.traces.find((x) => x.stage === 'rank')).toMatchObject({ candidates: 12, note: expect.stringMatching(/best 12 of 30 by recall/) });
    // The hot list's first 12 (i0…i11) are the best by recall; the answer comes from them only.
    const best = new Set(Array.from({ length: 12 }, (_, i) => `i${i}`));
    expect(r.items).toHaveLength(10);
    for (const it of r.items) expect(best.has(it.itemId)).toBe(true);
  });

  it('an item shown three times without engagement falls behind', async () => {
    const s = store();
    const base = (await run(s)).items.map((i) => i.itemId);
    expect(base[0]).toBe('i0');
    await recordRecentActions(s, [0, 1, 2].map((k) => my('impression', 'i0', NOW - 100 + k)), NOW);
    const r = await run(s);
    expect(r.items[0]!.itemId).not.toBe('i0');
    // Demoted, not removed: its (halved) score still ranks it among the 30.
    expect(r.traces.find((x) => x.stage === 'rank')!.items!.map((x) => x.itemId)).toContain('i0');
    expect(r.traces.find((x) => x.stage === 'rank')!.note).toMatch(/fatigued 1/);
  });
});

describe('related items', () => {
  const t = 'rel-tenant';
  const feat = (c: string, s = 'published', a = 'free'): string => JSON.stringify({ s, p: NOW - 3_600_000, u: null, c: [c], a });
  function store() {
    const s = new MemoryStore();
    s.hashes.set(FeatureKeys.itemMeta(t), new Map([
      ['a', feat('news')],
      ['b', feat('news')],
      ['c', feat('sport')],
      ['d', feat('adult')],
      ['e', feat('news', 'unpublished')],
      ['f', feat('news', 'published', 'paid')],
    ]));
    s.zadd(FeatureKeys.itemNeighbours(t, 'a'), [['b', 0.9], ['c', 0.8], ['d', 0.7], ['e', 0.95], ['f', 0.6], ['a', 1]]);
    return s;
  }

  it('item-CF neighbours, best first, never the item itself nor an unpublished one', async () => {
    const { relatedItems } = await import('../src/recommend/related.js');
    const r = (await relatedItems(store(), env.MODELS, t, 'a', 10, null, NOW))!;
    expect(r.items.map((i) => i.itemId)).toEqual(['b', 'c', 'd', 'f']);
    expect(r.items[0]!.channels).toEqual(['item_cf']);
  });

  it('a scenario\'s excluded categories and access levels apply; n caps the list; an unknown item is null (404)', async () => {
    const { relatedItems } = await import('../src/recommend/related.js');
    const cfg = ScenarioConfig.parse({ tenantId: t, scenario: 'kids', recall: [{ name: 'item_cf', weight: 1, size: 10 }], rerank: { excludeCategories: ['adult'], access: ['free'] } });
    expect((await relatedItems(store(), env.MODELS, t, 'a', 10, cfg, NOW))!.items.map((i) => i.itemId)).toEqual(['b', 'c']);
    expect((await relatedItems(store(), env.MODELS, t, 'a', 1, null, NOW))!.items.map((i) => i.itemId)).toEqual(['b']);
    expect(await relatedItems(store(), env.MODELS, t, 'nope', 10, null, NOW)).toBeNull();
  });
});
