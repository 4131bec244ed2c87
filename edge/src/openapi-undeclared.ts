import type { publishedSchemas } from '@vidplat/contracts/json-schema';

type SchemaName = keyof typeof publishedSchemas;

/**
 * Bodies of the routes not yet declared with defineRoute, keyed `METHOD path` (Hono form). An
 * entry goes away when its route moves to defineRoute; the document then comes from the route.
 */
export const UNDECLARED_BODIES: Record<string, { request?: SchemaName; response?: SchemaName }> = {
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
