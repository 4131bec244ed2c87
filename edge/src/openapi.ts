import { z } from 'zod';
import { publishedSchemas } from '@vidplat/contracts/json-schema';
import { RecommendQuery } from '@vidplat/contracts';

type Op = { summary: string; request?: keyof typeof publishedSchemas; responses: Record<string, keyof typeof publishedSchemas | null> };

/** The route table of the edge API; request and response bodies are the contracts' own schemas. */
const operations: Record<string, Record<string, Op>> = {
  '/v1/events': {
    post: {
      summary: 'Ingest a batch of behaviour events (each validated on its own)',
      request: 'EventBatchRequest',
      responses: { '202': 'EventBatchResponse', '400': 'ErrorBody', '503': 'ErrorBody' },
    },
  },
  '/v1/recommend': {
    get: { summary: 'Recommendations for a user in a tenant scenario', responses: { '200': 'RecommendResponse', '400': 'ErrorBody' } },
  },
  '/healthz': { get: { summary: 'Edge health and its dependencies', responses: { '200': null, '503': null } } },
};

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

export function openApiDocument(): Record<string, unknown> {
  const schemas = Object.fromEntries(
    Object.entries(publishedSchemas).map(([n, s]) => [n, z.toJSONSchema(s, { io: 'input', unrepresentable: 'any', target: 'openapi-3.0' })]),
  );
  const query = z.toJSONSchema(RecommendQuery, { io: 'input', unrepresentable: 'any', target: 'openapi-3.0' }) as {
    properties: Record<string, unknown>;
    required?: string[];
  };
  const paths = Object.fromEntries(
    Object.entries(operations).map(([path, ops]) => [
      path,
      Object.fromEntries(
        Object.entries(ops).map(([method, op]) => [
          method,
          {
            summary: op.summary,
            ...(path === '/v1/recommend'
              ? { parameters: Object.entries(query.properties).map(([name, schema]) => ({ name, in: 'query', required: query.required?.includes(name) ?? false, schema })) }
              : {}),
            ...(op.request ? { requestBody: { required: true, content: { 'application/json': { schema: ref(op.request) } } } } : {}),
            responses: Object.fromEntries(
              Object.entries(op.responses).map(([status, body]) => [
                status,
                { description: status, ...(body ? { content: { 'application/json': { schema: ref(body) } } } : {}) },
              ]),
            ),
          },
        ]),
      ),
    ]),
  );
  return { openapi: '3.0.3', info: { title: 'vidplat edge API', version: '1.0.0' }, paths, components: { schemas } };
}
