import { z } from 'zod';
import { apiErrorFromZod, BODY_LIMITS, EmbeddingPointer, ModelPointer, Slug } from '@vidplat/contracts';
import { access, ApiRoutes, defineRoute, json, jsonBody } from '../http/api-routes.js';
import { errorBody, sendError } from '../http/errors.js';
import { embeddingKeys } from '../recommend/embedding-index.js';
import { modelKeys, verifiedModel } from './model-registry.js';

const editors = access.key('super', 'admin');
const tags = ['ranking'];
const ModelView = ModelPointer.extend({ modelId: Slug });
const Version = z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'letters, digits, _ . - only (max 64)');
const MAX_MODEL_BYTES = BODY_LIMITS.modelUpload;

export const EmbeddingUpload = z.object({
  dim: z.number().int().min(1).max(256),
  ids: z.array(Slug).min(1).max(500_000),
  /** Base64 of little-endian float32, ids.length × dim, row-major. */
  vectors: z.string().min(1),
});

/**
 * Model and embedding artefacts, versioned in KV per tenant. A model version is verified (session
 * created, input/output signature and a probe run checked) before it is stored and the pointer
 * moves; edge isolates pick the new pointer up within MODEL_CHECK_MS, no deploy needed.
 */
export const rankingRoutes = new ApiRoutes()
  .endpoint(
    defineRoute({
      method: 'put',
      path: '/v1/models/{modelId}/versions/{version}',
      tags,
      access: editors,
      description: 'An ONNX ranking model (input `features` [N, k], k ≤ the number of ranking features the edge computes; it gets the first k; output `score`), verified (session, signature, probe run) before the pointer moves. Query `m.<name>=<number>` records offline metrics.',
      request: { params: z.object({ modelId: Slug, version: Version }), body: { required: true, content: { 'application/octet-stream': { schema: z.string().describe('ONNX model bytes') } } } },
      responses: { 201: json(ModelView, 'stored; the pointer moved') },
      errors: [400],
    }),
    async (c) => {
    const id = Slug.safeParse(c.req.param('modelId'));
    if (!id.success) return sendError(c, 400, apiErrorFromZod(id.error, 'invalid_field', 'modelId'));
    const version = Version.safeParse(c.req.param('version'));
    if (!version.success) return sendError(c, 400, apiErrorFromZod(version.error, 'invalid_field', 'version'));
    const bytes = new Uint8Array(await c.req.arrayBuffer());
    if (!bytes.length) return c.json(errorBody('invalid_body', 'empty model'), 400);
    if (bytes.length > MAX_MODEL_BYTES) return c.json(errorBody('payload_too_large', `models are limited to ${MAX_MODEL_BYTES} bytes`), 413);
    let featureCount: number;
    try {
      const m = await verifiedModel(bytes);
      featureCount = m.featureCount;
      await m.session.release();
    } catch (e) {
      return c.json(errorBody('invalid_body', `not a usable ranking model: ${e instanceof Error ? e.message : String(e)}`), 400);
    }
    const metrics = z.record(z.string(), z.coerce.number()).safeParse(Object.fromEntries(Object.entries(c.req.query()).filter(([k]) => k.startsWith('m.')).map(([k, v]) => [k.slice(2), v])));
    const { tenantId } = c.var.principal;
    const ptr: ModelPointer = {
      version: version.data,
      featureCount,
      input: 'features',
      output: 'score',
      trainedAt: new Date().toISOString(),
      ...(metrics.success && Object.keys(metrics.data).length ? { metrics: metrics.data } : {}),
    };
    // Bytes first, pointer last: a reader never follows a pointer to a missing version.
    await c.env.MODELS.put(modelKeys.bytes(tenantId, id.data, version.data), bytes);
    await c.env.MODELS.put(modelKeys.pointer(tenantId, id.data), JSON.stringify(ptr));
    return c.json({ modelId: id.data, ...ptr }, 201);
  })
  .endpoint(defineRoute({ method: 'get', path: '/v1/models/{modelId}', tags, access: access.key(), request: { params: z.object({ modelId: z.string() }) }, responses: { 200: json(ModelView) }, errors: [404] }), async (c) => {
    const ptr = await c.env.MODELS.get(modelKeys.pointer(c.var.principal.tenantId, c.req.param('modelId')), 'json');
    return ptr ? c.json({ modelId: c.req.param('modelId'), ...(ptr as object) }) : c.json(errorBody('not_found', 'no such model in this tenant', 'modelId'), 404);
  })
  .endpoint(defineRoute({ method: 'put', path: '/v1/embeddings/{version}', tags, access: editors, request: { params: z.object({ version: Version }), body: jsonBody(EmbeddingUpload) }, responses: { 201: json(EmbeddingPointer, 'stored; the pointer moved') }, errors: [400] }), async (c) => {
    const version = Version.safeParse(c.req.param('version'));
    if (!version.success) return sendError(c, 400, apiErrorFromZod(version.error, 'invalid_field', 'version'));
    const body = EmbeddingUpload.safeParse(await c.req.json().catch(() => undefined));
    if (!body.success) return sendError(c, 400, apiErrorFromZod(body.error, 'invalid_body'));
    const { dim, ids, vectors } = body.data;
    let raw: Uint8Array;
    try {
      raw = Uint8Array.from(atob(vectors), (ch) => ch.charCodeAt(0));
    } catch {
      return c.json(errorBody('invalid_field', 'vectors is not base64', 'vectors'), 400);
    }
    if (raw.length !== ids.length * dim * 4) return c.json(errorBody('invalid_field', `vectors must hold ids.length × dim float32 (${ids.length * dim * 4} bytes), got ${raw.length}`, 'vectors'), 400);
    const { tenantId } = c.var.principal;
    const ptr: EmbeddingPointer = { version: version.data, dim, count: ids.length, trainedAt: new Date().toISOString() };
    await c.env.MODELS.put(embeddingKeys.ids(tenantId, version.data), JSON.stringify(ids));
    await c.env.MODELS.put(embeddingKeys.vectors(tenantId, version.data), raw);
    await c.env.MODELS.put(embeddingKeys.pointer(tenantId), JSON.stringify(ptr));
    return c.json(ptr, 201);
  });
