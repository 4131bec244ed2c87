import { z } from 'zod';
import { publishedSchemas } from '@vidplat/contracts/json-schema';
import { RecommendQuery } from '@vidplat/contracts';

type SchemaName = keyof typeof publishedSchemas;
type Body = { request?: SchemaName; response?: SchemaName };

/**
 * Bodies of the routes that take or return a published contract, keyed `METHOD path`. The path
 * list itself comes from the app's route table, so a new route is documented without edits here.
 */
const bodies: Record<string, Body> = {
  'POST /v1/events': { request: 'EventBatchRequest', response: 'EventBatchResponse' },
  'POST /v1/events/backfill': { request: 'EventBatchRequest', response: 'EventBatchResponse' },
  'GET /v1/admin/event-policy': { response: 'TenantEventPolicy' },
  'PUT /v1/admin/event-policy': { request: 'TenantEventPolicy', response: 'TenantEventPolicy' },
  'GET /v1/recommend': { response: 'RecommendResponse' },
  'GET /v1/items/:itemId/related': { response: 'RelatedItemsResponse' },
  'POST /v1/platform/tenants': { request: 'CreateTenantRequest', response: 'CreatedApiKey' },
  'GET /v1/platform/tenants/:tenantId/limits': { response: 'TenantLimits' },
  'PUT /v1/platform/tenants/:tenantId/limits': { request: 'TenantLimitsPatch', response: 'TenantLimits' },
  'POST /v1/admin/api-keys': { request: 'CreateApiKeyRequest', response: 'CreatedApiKey' },
  'POST /v1/admin/user-token-keys': { request: 'RegisterUserTokenKeyRequest' },
  'POST /v1/scenarios': { request: 'CreateScenarioRequest', response: 'ScenarioConfig' },
  'PUT /v1/items/:itemId': { request: 'ItemBody', response: 'Item' },
  'POST /v1/items/import': { response: 'ItemImportResponse' },
  'POST /v1/experiments': { request: 'CreateExperimentRequest' },
  'POST /v1/categories': { request: 'CreateCategoryRequest', response: 'Category' },
  'PATCH /v1/categories/:id': { request: 'UpdateCategoryRequest', response: 'Category' },
  'POST /v1/tags': { request: 'CreateTagRequest', response: 'Tag' },
  'GET /v1/courses': { response: 'CourseListResponse' },
  'POST /v1/courses': { request: 'CreateCourseRequest', response: 'Course' },
  'PATCH /v1/courses/:courseId': { request: 'UpdateCourseRequest', response: 'Course' },
  'POST /v1/courses/:courseId/status': { request: 'CourseTransitionRequest', response: 'Course' },
  'POST /v1/courses/:courseId/chapters': { request: 'CreateChapterRequest', response: 'Chapter' },
  'POST /v1/courses/:courseId/videos': { request: 'CreateVideoRequest', response: 'Video' },
  'POST /v1/courses/:courseId/enrolments': { request: 'CreateEnrolmentRequest', response: 'Enrolment' },
  'PUT /v1/memberships/:userId': { request: 'PutMembershipRequest', response: 'Membership' },
  'GET /v1/play/:videoId': { response: 'PlayResponse' },
  'POST /v1/videos/:videoId/progress': { request: 'ProgressRequest', response: 'ProgressResponse' },
  'GET /v1/courses/:courseId/progress': { response: 'CourseProgress' },
  'GET /v1/catalogue/settings': { response: 'CatalogueSettings' },
  'PUT /v1/catalogue/settings': { request: 'CatalogueSettings' },
  'POST /v1/internal/videos': { request: 'InternalCreateVideoRequest', response: 'InternalVideoResponse' },
  'PATCH /v1/internal/videos/:videoId/status': { request: 'InternalVideoStatusRequest', response: 'InternalVideoResponse' },
  'POST /v1/admin/scheduling/schedules': { request: 'CreateScheduleRequest', response: 'Schedule' },
  'GET /v1/admin/scheduling/schedules': { response: 'ScheduleListResponse' },
  'PATCH /v1/admin/scheduling/schedules/:id': { request: 'UpdateScheduleRequest', response: 'Schedule' },
  'POST /v1/admin/scheduling/batch': { request: 'ScheduleBatchRequest', response: 'ScheduleBatchResponse' },
  'POST /v1/admin/scheduling/templates': { request: 'CreateTemplateRequest' },
  'POST /v1/admin/scheduling/templates/:id/apply': { request: 'ApplyTemplateRequest' },
  'GET /v1/admin/scheduling/calendar': { response: 'CalendarResponse' },
  'GET /v1/admin/scheduling/suggest-time': { response: 'SuggestTimeResponse' },
  'POST /v1/admin/scheduling/import': { request: 'ImportLegacyRequest' },
  'POST /v1/admin/broadcaster/tasks': { request: 'CreateBroadcasterTaskRequest', response: 'BroadcasterTask' },
  'POST /v1/admin/campaigns': { request: 'CreateCampaignRequest', response: 'Campaign' },
};

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const json = (name: string) => ({ content: { 'application/json': { schema: ref(name) } } });
const toOpenApiPath = (p: string) => p.replace(/:([A-Za-z_]+)/g, '{$1}');
const errorStatuses = { '400': 'bad input (code and field)', '401': 'missing or unknown API key', '403': 'role or tenant not allowed', '404': 'not found' };

let cached: Record<string, unknown> | undefined;

/** OpenAPI 3 document of the edge: paths from the router, schemas from contracts. */
export function openApiDocument(routes: readonly { method: string; path: string }[]): Record<string, unknown> {
  if (cached) return cached;
  const opts = { io: 'input', unrepresentable: 'any', target: 'openapi-3.0' } as const;
  const schemas = Object.fromEntries(Object.entries(publishedSchemas).map(([n, s]) => [n, z.toJSONSchema(s, opts)]));
  const query = z.toJSONSchema(RecommendQuery, opts) as { properties: Record<string, unknown>; required?: string[] };
  const paths: Record<string, Record<string, unknown>> = {};
  for (const { method, path } of routes) {
    if (method === 'ALL' || path.includes('*') && !path.startsWith('/hls')) continue;
    const key = `${method} ${path}`;
    const body = bodies[key];
    const params = [...path.matchAll(/:([A-Za-z_]+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
    if (key === 'GET /v1/recommend') {
      params.push(...Object.entries(query.properties).map(([name, schema]) => ({ name, in: 'query', required: query.required?.includes(name) ?? false, schema: schema as { type: string } })));
    }
    (paths[toOpenApiPath(path)] ??= {})[method.toLowerCase()] = {
      summary: key,
      ...(params.length ? { parameters: params } : {}),
      ...(body?.request ? { requestBody: { required: true, ...json(body.request) } } : {}),
      responses: {
        '200': { description: 'ok', ...(body?.response ? json(body.response) : {}) },
        ...Object.fromEntries(Object.entries(errorStatuses).map(([s, d]) => [s, { description: d, ...json('ErrorBody') }])),
      },
    };
  }
  cached = { openapi: '3.0.3', info: { title: 'vidplat edge API', version: '1.0.0' }, paths, components: { schemas } };
  return cached;
}
