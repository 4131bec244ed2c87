import { describe, expect, it } from 'vitest';
import { abExposureOf, abVariantOf, hash32, isTrivialState, isVisible, publishStateFromRow, requestRegion, stableBucket, type ContentPublishState } from './visibility.js';

const users = Array.from({ length: 20_000 }, (_, i) => `user-${i}`);
const at = (nowMs = Date.UTC(2026, 0, 1)) => nowMs;
const state = (over: Partial<ContentPublishState> = {}): ContentPublishState => ({ tenantId: 't1', contentKind: 'video', contentId: 'v1', published: true, percent: 100, variants: null, ...over });

describe('stable bucket', () => {
  it('is a fixed function of its inputs (the same in workerd and Node: pure 32-bit integer arithmetic)', () => {
    // Pinned values (edge/test/content-visibility.test.ts checks the same ones inside workerd): a
    // change of hash would silently reshuffle every live rollout.
    expect([hash32(''), hash32('a'), hash32('abc')]).toEqual([2872998923, 444641715, 482950588]);
    expect([stableBucket('t1', 'v1', 'user-1'), stableBucket('t1', 'v1', 'user-2')]).toEqual([6.54, 69.38]);
    const b = stableBucket('t1', 'v1', 'user-1');
    expect(b).toBeGreaterThanOrEqual(0);
    expect(b).toBeLessThan(100);
  });

  it('spreads users evenly: every decile holds 10 % ± 1 % of 20,000 users', () => {
    const deciles = new Array(10).fill(0);
    for (const u of users) deciles[Math.floor(stableBucket('t1', 'v1', u) / 10)]++;
    for (const d of deciles) expect(Math.abs(d / users.length - 0.1)).toBeLessThan(0.01);
  });

  it('differs per content: a user in the first 10 % of one item is not in it for most others', () => {
    const inA = users.filter((u) => stableBucket('t1', 'a', u) < 10);
    const alsoB = inA.filter((u) => stableBucket('t1', 'b', u) < 10);
    expect(alsoB.length / inA.length).toBeLessThan(0.15);
  });
});

describe('progressive', () => {
  it('raising the percent keeps every earlier user in (property over many percent pairs)', () => {
    const dropped: string[] = [];
    for (let seed = 0; seed < 60; seed++) {
      const p1 = ((seed * 37) % 99) + 1;
      const p2 = p1 + ((seed * 13) % (101 - p1));
      const s1 = state({ contentId: `v${seed}`, percent: p1 });
      const s2 = state({ contentId: `v${seed}`, percent: p2 });
      for (const u of users.slice(0, 1_000)) {
        const v = { userId: u, region: null, nowMs: at() };
        if (isVisible(s1, s1.contentId, v) && !isVisible(s2, s2.contentId, v)) dropped.push(`${u} at ${p1}->${p2}`);
      }
    }
    expect(dropped).toEqual([]);
  });

  it('shows a 10 % rollout to about 10 % of users, 0 % to nobody, 100 % to everyone', () => {
    const share = (percent: number) => users.filter((u) => isVisible(state({ percent }), 'v1', { userId: u, region: null, nowMs: at() })).length / users.length;
    expect(Math.abs(share(10) - 0.1)).toBeLessThan(0.01);
    expect(share(0)).toBe(0);
    expect(share(100)).toBe(1);
  });

  it('hides unpublished content and respects the window', () => {
    const v = { userId: 'u', region: null, nowMs: 1_000 };
    expect(isVisible(state({ published: false }), 'v1', v)).toBe(false);
    expect(isVisible(state({ publishAt: 1_001 }), 'v1', v)).toBe(false);
    expect(isVisible(state({ publishAt: 1_000 }), 'v1', v)).toBe(true);
    expect(isVisible(state({ unpublishAt: 1_000 }), 'v1', v)).toBe(false);
  });
});

describe('regional', () => {
  const regional = (live: string[], unknownRegion: 'after_all' | 'hidden' | 'with_first' = 'after_all') =>
    state({ variants: { regions: live, allRegions: ['jp', 'de'], unknownRegion } });
  const see = (s: ContentPublishState, region: string | null) => isVisible(s, 'v1', { userId: 'u', region, nowMs: at() });

  it('is visible in a live region and not yet in a listed region that is not live', () => {
    expect(see(regional(['jp']), 'jp')).toBe(true);
    expect(see(regional(['jp']), 'JP')).toBe(true);
    expect(see(regional(['jp']), 'de')).toBe(false);
    expect(see(regional(['jp', 'de']), 'de')).toBe(true);
  });

  it('an unknown region follows the schedule policy (default: once every region is live)', () => {
    expect(see(regional(['jp']), 'us')).toBe(false);
    expect(see(regional(['jp']), null)).toBe(false);
    expect(see(regional(['jp', 'de']), 'us')).toBe(true);
    expect(see(regional(['jp', 'de'], 'hidden'), 'us')).toBe(false);
    expect(see(regional(['jp'], 'with_first'), null)).toBe(true);
    expect(see(regional([], 'with_first'), null)).toBe(false);
  });

  it('a state without the full region list keeps unknown regions out (fails closed)', () => {
    expect(see(state({ variants: { regions: ['jp', 'de'], unknownRegion: 'after_all' } }), 'us')).toBe(false);
  });

  it('reads the region from cf.country, else X-Region', () => {
    expect(requestRegion('DE', 'jp')).toBe('de');
    expect(requestRegion(undefined, 'JP')).toBe('jp');
    expect(requestRegion('XX', null)).toBeNull();
    expect(requestRegion(undefined, 'bad region!')).toBeNull();
    // Local runs (wrangler dev's mock cf.country): the header decides; a bad header falls back to cf.
    expect(requestRegion('US', 'JP', true)).toBe('jp');
    expect(requestRegion('US', 'bad region!', true)).toBe('us');
  });
});

describe('A/B publish', () => {
  const ab = state({ contentId: 'banner-x', variants: [{ variant: 'a', contentId: 'banner-a', percent: 50 }, { variant: 'b', contentId: 'banner-b', percent: 50 }] });

  it('exposures while two or more variants take users; a promoted winner (100 % / 0 %) is everyone\'s and no experiment', () => {
    expect(abExposureOf(ab, 'user-1')).toEqual(abVariantOf(ab, 'user-1'));
    const promoted = state({ contentId: 'banner-x', variants: [{ variant: 'a', contentId: 'banner-a', percent: 0 }, { variant: 'b', contentId: 'banner-b', percent: 100 }] });
    expect(abExposureOf(promoted, 'user-1')).toBeNull();
    const v = (id: string) => users.slice(0, 1000).filter((u) => isVisible(promoted, id, { userId: u, region: null, nowMs: at() })).length;
    expect([v('banner-a'), v('banner-b'), v('banner-x')]).toEqual([0, 1000, 0]);
  });

  it('each user sees exactly one variant, always the same one, split about evenly', () => {
    let a = 0;
    for (const u of users.slice(0, 4_000)) {
      const v = { userId: u, region: null, nowMs: at() };
      const seen = ['banner-a', 'banner-b'].filter((c) => isVisible(ab, c, v));
      expect(seen).toHaveLength(1);
      expect(abVariantOf(ab, u)?.contentId).toBe(seen[0]);
      if (seen[0] === 'banner-a') a++;
    }
    expect(Math.abs(a / 4_000 - 0.5)).toBeLessThan(0.04);
  });

  it('users outside every variant share see none', () => {
    const partial = state({ variants: [{ variant: 'a', contentId: 'ca', percent: 5 }, { variant: 'b', contentId: 'cb', percent: 5 }] });
    const none = users.slice(0, 2_000).filter((u) => !abVariantOf(partial, u)).length;
    expect(none / 2_000).toBeGreaterThan(0.85);
  });
});

describe('rows', () => {
  it('parses D1 rows and fails closed on an unreadable one', () => {
    const row = { tenant_id: 't1', content_kind: 'video', content_id: 'v1', published: 1, percent: 10, variants: null };
    expect(publishStateFromRow(row)).toMatchObject({ published: true, percent: 10 });
    expect(publishStateFromRow({ ...row, variants: '{bad' }).published).toBe(false);
    expect(publishStateFromRow({ ...row, variants: '{"regions":[1]}' }).published).toBe(false);
    expect(isTrivialState(publishStateFromRow({ ...row, percent: 100 }))).toBe(true);
  });
});
