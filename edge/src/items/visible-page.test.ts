import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { Item, ItemSearchQuery } from '@vidplat/contracts';
import { MAX_PAGE_READS, visiblePage } from './visible-page.js';

const item = (itemId: string) => ({ itemId }) as Item;
/** The store's contract: rows in id order after the cursor, `limit` of them, cursor = last row when more follow. */
const storeOf = (ids: string[]) => {
  let reads = 0;
  const search = async (q: ItemSearchQuery) => {
    reads++;
    const after = q.cursor ? ids.filter((i) => i > q.cursor!) : ids;
    const rows = after.slice(0, q.limit);
    return { items: rows.map(item), nextCursor: after.length > q.limit ? rows.at(-1)! : null };
  };
  return { search, reads: () => reads };
};
const q = (limit: number, cursor?: string): ItemSearchQuery => ({ limit, ...(cursor ? { cursor } : {}) });

describe('listing pages for a user with hidden items', () => {
  it('fills the page past hidden rows, and the cursor goes on after the last item returned', async () => {
    const ids = ['a', 'b', 'c', 'd', 'e', 'f', 'g'];
    const s = storeOf(ids);
    const hidden = new Set(['b', 'c', 'e']);
    const p1 = await visiblePage(s.search, q(3), hidden);
    expect(p1).toEqual({ items: ['a', 'd', 'f'].map(item), nextCursor: 'f' });
    const p2 = await visiblePage(s.search, q(3, 'f'), hidden);
    expect(p2).toEqual({ items: [item('g')], nextCursor: null });
  });

  it('walking the pages returns every visible item exactly once, in order (property)', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uniqueArray(fc.stringMatching(/^[a-z]{1,3}$/), { maxLength: 60 }), fc.func(fc.boolean()), fc.integer({ min: 1, max: 7 }), async (raw, hides, limit) => {
        const ids = [...raw].sort();
        const hidden = new Set(ids.filter((i) => hides(i)));
        const s = storeOf(ids);
        const seen: string[] = [];
        let cursor: string | undefined;
        for (let pages = 0; pages < 200; pages++) {
          const p = await visiblePage(s.search, q(limit, cursor), hidden);
          if ('code' in p) throw new Error('unexpected error');
          expect(p.items.length).toBeLessThanOrEqual(limit);
          seen.push(...p.items.map((i) => i.itemId));
          if (p.nextCursor === null) break;
          cursor = p.nextCursor;
        }
        expect(seen).toEqual(ids.filter((i) => !hidden.has(i)));
      }),
      { numRuns: 300 },
    );
  });

  it('stops after a bounded number of reads when nearly everything is hidden', async () => {
    const ids = Array.from({ length: 100 }, (_, i) => `i${String(i).padStart(3, '0')}`);
    const s = storeOf(ids);
    const p = await visiblePage(s.search, q(2), new Set(ids.slice(0, 99)));
    expect(s.reads()).toBe(MAX_PAGE_READS);
    if ('code' in p) throw new Error('unexpected error');
    expect(p.items).toEqual([]);
    expect(p.nextCursor).toBe('i009');
  });
});
