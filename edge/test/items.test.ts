import { env, SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { ErrorBody, Item, ItemImportResponse, ItemPage, isRecommendable } from '@vidplat/contracts';
import { parseItemImport } from '../src/items/ndjson-import.js';
import { featuresRecommendable, itemFeatures } from '../src/items/feature-mirror.js';
import { json, provisionTenant } from './helpers.js';

const api = (path: string, init: RequestInit) => SELF.fetch(`https://edge.test${path}`, init);
const ndjson = (key: string, body: string): RequestInit => ({ method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/x-ndjson' }, body });

const item = (i: number, over: Record<string, unknown> = {}) => ({
  itemId: `it-${String(i).padStart(5, '0')}`,
  kind: 'video',
  title: `Video number ${i} ${i % 2 ? 'Cooking' : 'Travel'}`,
  categories: [i % 2 ? 'food' : 'travel'],
  tags: [`t${i % 5}`],
  state: 'published',
  publishedAt: new Date(Date.UTC(2026, 0, 1) + i * 60_000).toISOString(),
  ...over,
});

describe('items: import, CRUD, search', () => {
  it('imports thousands of NDJSON lines in one request and reports bad lines by number', async () => {
    const sup = await provisionTenant('items-import');
    const lines = Array.from({ length: 3000 }, (_, i) => JSON.stringify(item(i)));
    lines[9] = '{not json';
    lines[99] = JSON.stringify(item(99, { state: 'live' }));
    lines[199] = JSON.stringify({ ...item(199), title: 'x'.repeat(20_000) }); // oversized line
    lines[299] = JSON.stringify(item(5)); // repeats the itemId of line 6
    const res = await api('/v1/items/import', ndjson(sup.apiKey, lines.join('\n') + '\n'));
    expect(res.status).toBe(400);
    const body = ItemImportResponse.parse(await res.json());
    expect(body.accepted).toBe(2996);
    expect(body.rejected.map((r) => r.line)).toEqual([10, 100, 200, 300]);
    expect(body.rejected[0]!.error.code).toBe('invalid_body');
    expect(body.rejected[1]!.error).toMatchObject({ code: 'invalid_field', field: 'state' });
    expect(body.rejected[2]!.error.code).toBe('payload_too_large');
    expect(body.rejected[3]!.error).toMatchObject({ code: 'conflict', field: 'itemId' });

    const count = await env.CATALOGUE.prepare('SELECT count(*) AS n FROM items WHERE tenant_id = ?1').bind('items-import').first<{ n: number }>();
    expect(count!.n).toBe(2996);
    const clean = await api('/v1/items/import', ndjson(sup.apiKey, JSON.stringify(item(9))));
    expect(clean.status).toBe(200);
    expect(ItemImportResponse.parse(await clean.json())).toEqual({ accepted: 1, rejected: [], featureSync: 'pending' });
  });

  it('searches by category, tag and title text with cursor paging', async () => {
    const sup = await provisionTenant('items-search');
    const body = Array.from({ length: 40 }, (_, i) => JSON.stringify(item(i))).join('\n');
    expect((await api('/v1/items/import', ndjson(sup.apiKey, body))).status).toBe(200);
    const get = async (qs: string) => ItemPage.parse(await (await api(`/v1/items?${qs}`, json('GET', sup.apiKey))).json());

    const food = await get('category=food&limit=50');
    expect(food.items).toHaveLength(20);
    expect(food.items.every((i) => i.categories.includes('food'))).toBe(true);
    const t3 = await get('tag=t3');
    expect(t3.items.map((i) => i.itemId)).toEqual(['it-00003', 'it-00008', 'it-00013', 'it-00018', 'it-00023', 'it-00028', 'it-00033', 'it-00038']);
    const text = await get('q=cooking&tag=t1');
    expect(text.items.map((i) => i.itemId)).toEqual(['it-00001', 'it-00011', 'it-00021', 'it-00031']);
    expect((await get('q=100%25')).items).toEqual([]); // % is literal, not a wildcard

    const p1 = await get('limit=15');
    expect(p1.nextCursor).toBe('it-00014');
    const p3 = await get('limit=15&cursor=it-00029');
    expect(p3.items).toHaveLength(10);
    expect(p3.nextCursor).toBeNull();

    const bad = await api('/v1/items?limit=0', json('GET', sup.apiKey));
    expect(bad.status).toBe(400);
    expect(ErrorBody.parse(await bad.json()).error).toMatchObject({ code: 'invalid_query', field: 'limit' });
  });

  it('CRUD: create, read, replace; a hiding change the feature store did not take answers 503', async () => {
    const sup = await provisionTenant('items-crud');
    const { itemId, ...body } = item(1);
    const created = await api(`/v1/items/${itemId}`, json('PUT', sup.apiKey, body));
    expect(created.status).toBe(201);
    // The feature store is unreachable in this test: visible changes are saved and marked pending.
    expect(created.headers.get('x-feature-sync')).toBe('pending');
    const got = Item.parse(await (await api(`/v1/items/${itemId}`, json('GET', sup.apiKey))).json());
    expect(got).toMatchObject({ tenantId: 'items-crud', itemId, title: body.title, state: 'published' });

    const bad = await api(`/v1/items/${itemId}`, json('PUT', sup.apiKey, { ...body, kind: 'hologram' }));
    expect(ErrorBody.parse(await bad.json()).error.field).toBe('kind');

    // Unpublishing must reach the recommend path's store, so the caller is told to retry.
    const hide = await api(`/v1/items/${itemId}/publish-state`, json('POST', sup.apiKey, { state: 'unpublished' }));
    expect(hide.status).toBe(503);
    expect(hide.headers.get('retry-after')).toBe('1');
    const del = await api(`/v1/items/${itemId}`, json('DELETE', sup.apiKey));
    expect(del.status).toBe(503);
    // Both changes stay retryable: the row is still in D1, marked not yet synced.
    const row = await env.CATALOGUE.prepare('SELECT state, synced FROM items WHERE tenant_id = ?1').bind('items-crud').first<{ state: string; synced: number }>();
    expect(row).toEqual({ state: 'unpublished', synced: 0 });

    expect((await api('/v1/items/nope', json('GET', sup.apiKey))).status).toBe(404);
    expect((await api('/v1/items/nope/publish-state', json('POST', sup.apiKey, { state: 'published' }))).status).toBe(404);
  });

  it('isolation: a key never reads, searches, imports over or deletes another tenant\'s items', async () => {
    const a = await provisionTenant('items-iso-a');
    const b = await provisionTenant('items-iso-b');
    await api('/v1/items/import', ndjson(a.apiKey, [item(1), item(2)].map((x) => JSON.stringify(x)).join('\n')));
    expect((await api('/v1/items/it-00001', json('GET', b.apiKey))).status).toBe(404);
    expect(ItemPage.parse(await (await api('/v1/items?category=food', json('GET', b.apiKey))).json()).items).toEqual([]);
    expect((await api('/v1/items/it-00001', json('DELETE', b.apiKey))).status).toBe(404);
    // B importing the same ids creates B's own rows; A's title is untouched.
    await api('/v1/items/import', ndjson(b.apiKey, JSON.stringify(item(1, { title: 'B owns this' }))));
    const mine = Item.parse(await (await api('/v1/items/it-00001', json('GET', a.apiKey))).json());
    expect(mine.title).toBe(item(1).title);
  });
});

describe('publish state: what may be recommended', () => {
  const now = Date.parse('2026-06-01T12:00:00Z');
  const base = Item.parse({ ...item(1), tenantId: 't' });
  const cases: [string, Partial<Item>, boolean][] = [
    ['published, no window', { publishedAt: null }, true],
    ['published in the past', { publishedAt: '2026-05-01T00:00:00Z' }, true],
    ['draft', { state: 'draft' }, false],
    ['unpublished', { state: 'unpublished' }, false],
    ['scheduled (not flipped yet)', { state: 'scheduled', publishedAt: '2026-05-01T00:00:00Z' }, false],
    ['published with a future publish time', { publishedAt: '2026-07-01T00:00:00Z' }, false],
    ['scheduled out (unpublishAt passed)', { unpublishAt: '2026-06-01T11:59:59Z' }, false],
    ['window still open', { unpublishAt: '2026-06-01T12:00:01Z' }, true],
  ];
  for (const [name, over, ok] of cases) {
    it(`${name} → ${ok ? 'recommendable' : 'never recommended'}`, () => {
      const it2 = { ...base, ...over };
      expect(isRecommendable(it2, now)).toBe(ok);
      // The compact form the recommend path reads agrees with the catalogue's rule.
      expect(featuresRecommendable(itemFeatures(it2), now)).toBe(ok);
    });
  }

  it('parseItemImport skips blank lines and handles CRLF', () => {
    const r = parseItemImport('t', `${JSON.stringify(item(1))}\r\n\r\n${JSON.stringify(item(2))}\n`);
    expect(r.items.map((i) => i.itemId)).toEqual(['it-00001', 'it-00002']);
    expect(r.rejected).toEqual([]);
  });
});
