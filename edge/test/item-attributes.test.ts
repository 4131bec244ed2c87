import { SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';
import { ErrorBody, Item, ItemPage } from '@vidplat/contracts';
import { json, provisionTenant } from './helpers.js';

const api = (path: string, init: RequestInit) => SELF.fetch(`https://edge.test${path}`, init);
const put = (key: string, id: string, attributes: Record<string, unknown>, over: Record<string, unknown> = {}) =>
  api(`/v1/items/${id}`, json('PUT', key, { kind: 'product', title: `Item ${id}`, state: 'published', publishedAt: '2026-01-01T00:00:00.000Z', attributes, ...over }));
const ids = async (key: string, filter: string) => {
  const r = await api(`/v1/items?filter=${encodeURIComponent(filter)}`, json('GET', key));
  expect(r.status, filter).toBe(200);
  return ItemPage.parse(await r.json()).items.map((i) => i.itemId);
};
const error = async (key: string, path: string, init?: RequestInit) => {
  const r = await api(path, init ?? json('GET', key));
  return { status: r.status, error: ErrorBody.parse(await r.json()).error };
};

describe('item attributes and filters', () => {
  it('stores a typed attribute map (string, number, boolean, string list) and filters listings by it', async () => {
    const sup = (await provisionTenant('attr-a')).apiKey;
    expect((await put(sup, 'a', { brand: 'acme', price: 12.5, language: 'en', in_stock: true, formats: ['pdf', 'epub'] })).status).toBe(201);
    expect((await put(sup, 'b', { brand: 'acme', price: 25, language: 'en', in_stock: false, formats: ['pdf'] })).status).toBe(201);
    expect((await put(sup, 'c', { brand: 'zeta', price: 8, language: 'fr', in_stock: true })).status).toBe(201);
    expect((await put(sup, 'd', {})).status).toBe(201);
    const a = Item.parse(await (await api('/v1/items/a', json('GET', sup))).json());
    expect(a.attributes).toEqual({ brand: 'acme', price: 12.5, language: 'en', in_stock: true, formats: ['pdf', 'epub'] });

    expect(await ids(sup, 'price<20;language=en')).toEqual(['a']);
    expect(await ids(sup, 'price<=25')).toEqual(['a', 'b', 'c']);
    expect(await ids(sup, 'price>=12.5;price<25')).toEqual(['a']);
    expect(await ids(sup, 'brand!=acme')).toEqual(['c', 'd']);
    expect(await ids(sup, 'in_stock=true')).toEqual(['a', 'c']);
    expect(await ids(sup, 'formats=epub')).toEqual(['a']);
    expect(await ids(sup, 'formats!=epub;brand=acme')).toEqual(['b']);
    // A replaced item is re-indexed: b drops below 20.
    await put(sup, 'b', { brand: 'acme', price: 19, language: 'en' });
    expect(await ids(sup, 'price<20;language=en')).toEqual(['a', 'b']);
    expect(await ids(sup, 'formats=pdf')).toEqual(['a']);
  });

  it('bad filters and attributes are a 400 naming the field: unknown attribute, unknown operator, wrong type, too many', async () => {
    const sup = (await provisionTenant('attr-b')).apiKey;
    await put(sup, 'a', { price: 10, language: 'en' });
    expect(await error(sup, '/v1/items?filter=colour%3Dred')).toMatchObject({ status: 400, error: { code: 'invalid_query', field: 'filter', message: 'unknown attribute colour' } });
    for (const f of ['price=>20', 'price~20', 'price<>20']) {
      const e = await error(sup, `/v1/items?filter=${encodeURIComponent(f)}`);
      expect(e, f).toMatchObject({ status: 400, error: { field: 'filter' } });
      expect(e.error.message, f).toContain('unknown operator');
    }
    expect((await error(sup, `/v1/items?filter=${encodeURIComponent('language<en')}`)).error.message).toContain('needs a number');
    expect((await error(sup, `/v1/items?filter=${encodeURIComponent('price=cheap')}`)).error.field).toBe('filter');
    // An attribute keeps its type within the tenant.
    const clash = await error(sup, '/v1/items/b', json('PUT', sup, { kind: 'product', title: 'B', state: 'draft', attributes: { price: 'cheap' } }));
    expect(clash).toMatchObject({ status: 400, error: { field: 'attributes.price' } });
    const many = Object.fromEntries(Array.from({ length: 33 }, (_, i) => [`k${i}`, i]));
    expect((await error(sup, '/v1/items/c', json('PUT', sup, { kind: 'product', title: 'C', state: 'draft', attributes: many }))).error.field).toBe('attributes');
    const badName = await error(sup, '/v1/items/c', json('PUT', sup, { kind: 'product', title: 'C', state: 'draft', attributes: { 'Bad-Name': 1 } }));
    expect(badName.status).toBe(400);
    expect(badName.error.field).toMatch(/^attributes/);
  });
});
