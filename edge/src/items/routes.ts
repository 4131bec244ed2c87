import { hiddenForRequest } from '../content/visibility.js';
import { visiblePage } from './visible-page.js';
import { z } from 'zod';
import {
  apiErrorFromZod,
  BODY_LIMITS,
  Item,
  ItemBody,
  ItemId,
  ItemImportResponse,
  ItemPage,
  ItemSearchQuery,
  MAX_IMPORT_LINE_BYTES,
  MAX_IMPORT_LINES,
  PublishStateChange,
} from '@vidplat/contracts';
import { access, ApiRoutes, defineRoute, empty, json, jsonBody } from '../http/api-routes.js';
import { errorBody, sendError } from '../http/errors.js';
import { FeatureSyncFailed, ItemCatalogue, setItemPublishState } from './catalogue.js';
import { countLines, parseItemImport } from './ndjson-import.js';
import { typeConflict } from './attribute-filter.js';
import { limitsOf } from '../guardrails/tenant-limits.js';
import { itemsQuota } from '../guardrails/quotas.js';

const editors = access.key('super', 'admin');
const tags = ['items'];
const params = z.object({ itemId: z.string() });
const MAX_IMPORT_BYTES = BODY_LIMITS.ndjsonImport;

const unavailable = (e: FeatureSyncFailed) => ({
  code: 'upstream_unavailable' as const,
  message: `saved in the catalogue, but ${e.message}: retry so the item is hidden from recommendations`,
});

/** Items CRUD, NDJSON import and search; the tenant is always the API key's. */
export const itemRoutes = new ApiRoutes()
  .endpoint(defineRoute({ method: 'get', path: '/v1/items', tags, access: access.key(), description: 'Search; acting for an end user, only what the visibility rule shows them.', request: { query: ItemSearchQuery }, responses: { 200: json(ItemPage) }, errors: [400] }), async (c) => {
    const q = ItemSearchQuery.safeParse(c.req.query());
    if (!q.success) return sendError(c, 400, apiErrorFromZod(q.error, 'invalid_query'));
    const { tenantId, userId } = c.var.principal;
    const store = new ItemCatalogue(c.env).store;
    // Acting for an end user (X-User-Id or a personal key): only what the visibility rule shows them,
    // pages filled past the hidden items (visible-page.ts).
    const hidden = userId ? await hiddenForRequest(c, tenantId, userId) : undefined;
    const page = hidden ? await visiblePage((qq) => store.search(tenantId, qq), q.data, hidden) : await store.search(tenantId, q.data);
    if ('code' in page) return sendError(c, 400, page);
    return c.json(page);
  })
  .endpoint(
    defineRoute({
      method: 'post',
      path: '/v1/items/import',
      tags,
      access: editors,
      description: `NDJSON, one item per line (itemId plus ItemBody), at most ${MAX_IMPORT_LINES} lines. 400: ErrorBody plus the per-line report; 403 quota_exceeded (all or none); 503: feature store unavailable.`,
      request: { body: { required: true, content: { 'application/x-ndjson': { schema: z.string().describe('one JSON item per line') } } } },
      responses: { 200: json(ItemImportResponse) },
      errors: [400, 403, 503],
    }),
    async (c) => {
    const declared = Number(c.req.header('content-length') ?? 0);
    if (declared > MAX_IMPORT_BYTES) return c.json(errorBody('payload_too_large', `import bodies are limited to ${MAX_IMPORT_BYTES} bytes`), 413);
    const body = await c.req.text();
    if (body.length > MAX_IMPORT_BYTES) return c.json(errorBody('payload_too_large', `import bodies are limited to ${MAX_IMPORT_BYTES} bytes`), 413);
    if (countLines(body) > MAX_IMPORT_LINES) return c.json(errorBody('payload_too_large', `at most ${MAX_IMPORT_LINES} lines per import`), 413);
    const { tenantId } = c.var.principal;
    const { items, rejected } = parseItemImport(tenantId, body);
    let synced = true;
    const conflict = items.length ? typeConflict(items, await new ItemCatalogue(c.env).store.attributeTypes(tenantId)) : null;
    if (conflict) {
      return sendError(c, 400, { code: 'invalid_field', message: `item ${conflict.itemId}: attribute ${conflict.name} is a ${conflict.want} in this tenant, not a ${conflict.got}`, field: `attributes.${conflict.name}` });
    }
    if (items.length) {
      // Items quota over the whole import: all of it or none (403 quota_exceeded).
      const over = await itemsQuota(c.env.CATALOGUE, await limitsOf(c.env.CATALOGUE, tenantId), tenantId, items.map((i) => i.itemId));
      if (over) return sendError(c, 403, over);
      try {
        synced = (await new ItemCatalogue(c.env).write(tenantId, items)).synced;
      } catch (e) {
        if (e instanceof FeatureSyncFailed) return sendError(c, 503, unavailable(e), { 'retry-after': '1' });
        throw e;
      }
    }
    const res: ItemImportResponse = { accepted: items.length, rejected, featureSync: synced ? 'done' : 'pending' };
    // A 400 is an error body like every other (as POST /v1/events does), with the per-line report beside it.
    if (rejected.length) return c.json({ ...errorBody('invalid_body', `${rejected.length} line(s) rejected; the other ${items.length} were imported`, `line.${rejected[0]!.line}`), ...res }, 400);
    return c.json(res, 200);
  })
  .endpoint(defineRoute({ method: 'post', path: '/v1/items/sync', tags, access: editors, description: "Pushes the tenant's items to the feature store again.", responses: { 200: json(z.object({ featureSync: z.literal('done') })) }, errors: [503] }), async (c) => {
    const ok = await new ItemCatalogue(c.env).sync(c.var.principal.tenantId, [], 5000);
    return ok ? c.json({ featureSync: 'done' }) : sendError(c, 503, { code: 'upstream_unavailable', message: 'feature store unavailable' });
  })
  .endpoint(defineRoute({ method: 'get', path: '/v1/items/{itemId}', tags, access: access.key(), request: { params }, responses: { 200: json(Item) }, errors: [404] }), async (c) => {
    const it = await new ItemCatalogue(c.env).store.get(c.var.principal.tenantId, c.req.param('itemId'));
    return it ? c.json(it) : c.json(errorBody('not_found', 'no such item in this tenant', 'itemId'), 404);
  })
  .endpoint(defineRoute({ method: 'put', path: '/v1/items/{itemId}', tags, access: editors, description: 'Create or replace; x-feature-sync says whether recommendations see it yet.', request: { params, body: jsonBody(ItemBody) }, responses: { 200: json(Item, 'replaced'), 201: json(Item, 'created') }, errors: [400, 403, 503] }), async (c) => {
    const id = ItemId.safeParse(c.req.param('itemId'));
    if (!id.success) return sendError(c, 400, apiErrorFromZod(id.error, 'invalid_field', 'itemId'));
    const body = ItemBody.safeParse(await c.req.json().catch(() => undefined));
    if (!body.success) return sendError(c, 400, apiErrorFromZod(body.error, 'invalid_body'));
    const cat = new ItemCatalogue(c.env);
    const { tenantId } = c.var.principal;
    const existed = !!(await cat.store.get(tenantId, id.data));
    if (!existed) {
      const over = await itemsQuota(c.env.CATALOGUE, await limitsOf(c.env.CATALOGUE, tenantId), tenantId, [id.data]);
      if (over) return sendError(c, 403, over);
    }
    const item = { ...body.data, tenantId, itemId: id.data };
    const conflict = typeConflict([item], await cat.store.attributeTypes(tenantId));
    if (conflict) return sendError(c, 400, { code: 'invalid_field', message: `attribute ${conflict.name} is a ${conflict.want} in this tenant, not a ${conflict.got}`, field: `attributes.${conflict.name}` });
    try {
      const { synced } = await cat.write(tenantId, [item]);
      return c.json(item, existed ? 200 : 201, { 'x-feature-sync': synced ? 'done' : 'pending' });
    } catch (e) {
      if (e instanceof FeatureSyncFailed) return sendError(c, 503, unavailable(e), { 'retry-after': '1' });
      throw e;
    }
  })
  .endpoint(defineRoute({ method: 'post', path: '/v1/items/{itemId}/publish-state', tags, access: editors, request: { params, body: jsonBody(PublishStateChange) }, responses: { 200: json(Item) }, errors: [400, 404, 503] }), async (c) => {
    const body = PublishStateChange.safeParse(await c.req.json().catch(() => undefined));
    if (!body.success) return sendError(c, 400, apiErrorFromZod(body.error, 'invalid_body'));
    try {
      const it = await setItemPublishState(c.env, c.var.principal.tenantId, c.req.param('itemId'), body.data);
      return it ? c.json(it) : c.json(errorBody('not_found', 'no such item in this tenant', 'itemId'), 404);
    } catch (e) {
      if (e instanceof FeatureSyncFailed) return sendError(c, 503, unavailable(e), { 'retry-after': '1' });
      throw e;
    }
  })
  .endpoint(defineRoute({ method: 'delete', path: '/v1/items/{itemId}', tags, access: editors, request: { params }, responses: { 204: empty('deleted') }, errors: [404, 503] }), async (c) => {
    try {
      const existed = await new ItemCatalogue(c.env).remove(c.var.principal.tenantId, c.req.param('itemId'));
      return existed ? c.body(null, 204) : c.json(errorBody('not_found', 'no such item in this tenant', 'itemId'), 404);
    } catch (e) {
      if (e instanceof FeatureSyncFailed) return sendError(c, 503, unavailable(e), { 'retry-after': '1' });
      throw e;
    }
  });

export { MAX_IMPORT_LINE_BYTES };
