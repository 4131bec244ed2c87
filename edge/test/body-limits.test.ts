import { SELF } from 'cloudflare:test';
import { beforeAll, describe, expect, it } from 'vitest';
import { BODY_LIMITS, ErrorBody } from '@vidplat/contracts';
import { bodyLimitClass } from '../src/http/body-limits.js';
import { json, provisionTenant } from './helpers.js';

/** Issue 15 point 5: no route reads a body larger than its class allows; 413 with the JSON error body. */
const E = 'https://edge.test';
let key: string;
const MB = 1024 * 1024;

/** A valid item carrying an unknown field (zod strips it): before the limit, 20 MB of it was stored as 201. */
const itemBody = (padBytes: number) => JSON.stringify({ kind: 'video', title: 'Big', state: 'published', pad: 'x'.repeat(padBytes) });

/** A body with no Content-Length (chunked): the limit must hold while it streams. */
function chunked(totalBytes: number): ReadableStream<Uint8Array> {
  const chunk = new TextEncoder().encode('x'.repeat(64 * 1024));
  let sent = 0;
  return new ReadableStream({
    pull(ctl) {
      if (sent >= totalBytes) return ctl.close();
      ctl.enqueue(chunk);
      sent += chunk.length;
    },
  });
}

async function expect413(res: Response): Promise<void> {
  expect(res.status).toBe(413);
  const body = ErrorBody.parse(await res.json());
  expect(body.error.code).toBe('payload_too_large');
  expect(body.error.message).toMatch(/limited to \d+ bytes/);
}

beforeAll(async () => {
  key = (await provisionTenant('body-limits')).apiKey;
});

describe('body limits on every route', () => {
  it('a 20 MB JSON body to PUT /v1/items/:id answers 413 and nothing is stored', async () => {
    const res = await SELF.fetch(`${E}/v1/items/huge-1`, json('PUT', key, undefined));
    expect(res.status).not.toBe(413); // sanity: an empty PUT is a 400, not a size problem
    await expect413(await SELF.fetch(`${E}/v1/items/huge-1`, { ...json('PUT', key), body: itemBody(20 * MB) }));
    const got = await SELF.fetch(`${E}/v1/items/huge-1`, json('GET', key));
    expect(got.status).toBe(404);
  });

  it('a chunked body without Content-Length is cut off at the limit too', async () => {
    const res = await SELF.fetch(`${E}/v1/items/huge-2`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: chunked(2 * MB),
      // @ts-expect-error workerd's RequestInit knows duplex
      duplex: 'half',
    });
    await expect413(res);
    expect((await SELF.fetch(`${E}/v1/items/huge-2`, json('GET', key))).status).toBe(404);
  });

  it('a body just under the JSON limit is still read (the limit is the route class, not a blanket cap)', async () => {
    const res = await SELF.fetch(`${E}/v1/items/fits-1`, { ...json('PUT', key), body: itemBody(BODY_LIMITS.jsonWrite - 1024) });
    expect(res.status).toBe(201);
    expect((await SELF.fetch(`${E}/v1/items/fits-1`, json('GET', key))).status).toBe(200);
  });

  it('imports, events, model uploads and unauthenticated bodies have their own limits', async () => {
    const over = (cls: keyof typeof BODY_LIMITS) => 'x'.repeat(BODY_LIMITS[cls] + 1);
    await expect413(await SELF.fetch(`${E}/v1/events`, { ...json('POST', key), body: over('eventBatch') }));
    await expect413(await SELF.fetch(`${E}/v1/items/import`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/x-ndjson' }, body: over('ndjsonImport') }));
    await expect413(await SELF.fetch(`${E}/v1/models/ctr/versions/v9`, { method: 'PUT', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/octet-stream' }, body: new Uint8Array(BODY_LIMITS.modelUpload + 1) }));
    await expect413(await SELF.fetch(`${E}/v1/platform/tenants`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: over('jsonWrite') }));
    // An events batch over the JSON-write size but within its own class is read (400: not valid events).
    const mid = await SELF.fetch(`${E}/v1/events`, { ...json('POST', key), body: JSON.stringify({ events: [{ pad: 'x'.repeat(BODY_LIMITS.jsonWrite + 10) }] }) });
    expect(mid.status).not.toBe(413);
  });

  it('classifies routes', () => {
    expect(bodyLimitClass('PUT', '/v1/items/a')).toBe('jsonWrite');
    expect(bodyLimitClass('POST', '/v1/items/import')).toBe('ndjsonImport');
    expect(bodyLimitClass('PUT', '/v1/models/ctr/versions/3')).toBe('modelUpload');
    expect(bodyLimitClass('PUT', '/v1/embeddings/7')).toBe('embeddingUpload');
    expect(bodyLimitClass('POST', '/v1/events')).toBe('eventBatch');
    expect(bodyLimitClass('POST', '/v1/admin/campaigns')).toBe('bulkJson');
    expect(bodyLimitClass('POST', '/v1/admin/campaigns/x/pause')).toBe('jsonWrite');
  });
});
