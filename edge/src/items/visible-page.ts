import type { ApiError, Item, ItemSearchQuery } from '@vidplat/contracts';

type Page = { items: Item[]; nextCursor: string | null };

/** Most catalogue reads one listing page may make to fill itself past hidden items. */
export const MAX_PAGE_READS = 5;

/**
 * A listing page of `limit` items the user may see: items the visibility rule hides from them are
 * skipped and the page is filled from the following rows, so a page is short only at the end of
 * the listing (or after MAX_PAGE_READS reads, with a cursor that goes on where it stopped). The
 * cursor is always the last row examined or returned, so no visible item is skipped or repeated.
 */
export async function visiblePage(search: (q: ItemSearchQuery) => Promise<Page | ApiError>, q: ItemSearchQuery, hidden: ReadonlySet<string>): Promise<Page | ApiError> {
  const items: Item[] = [];
  let cursor = q.cursor;
  for (let reads = 0; reads < MAX_PAGE_READS; reads++) {
    const page = await search({ ...q, ...(cursor ? { cursor } : {}), limit: q.limit });
    if ('code' in page) return page;
    for (let i = 0; i < page.items.length; i++) {
      const it = page.items[i]!;
      if (hidden.has(it.itemId)) continue;
      items.push(it);
      if (items.length === q.limit) {
        const more = i < page.items.length - 1 || page.nextCursor !== null;
        return { items, nextCursor: more ? it.itemId : null };
      }
    }
    if (page.nextCursor === null) return { items, nextCursor: null };
    cursor = page.nextCursor;
  }
  return { items, nextCursor: cursor ?? null };
}
