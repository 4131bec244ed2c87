import { OpenAPIHono } from '@hono/zod-openapi';
import type { AppEnv } from './env.js';
import { errorBody, onError } from './http/errors.js';
import { bodyLimits } from './http/body-limits.js';
import { eventRoutes } from './events/routes.js';
import { relatedRoutes } from './recommend/related.js';
import { recommendRoutes } from './recommend/routes.js';
import { scenarioRoutes } from './scenarios/routes.js';
import { itemRoutes } from './items/routes.js';
import { experimentRoutes } from './experiments/routes.js';
import { rankingRoutes } from './ranking/routes.js';
import { healthRoutes } from './ops/health.js';
import { tenancyRoutes } from './tenancy/routes.js';
import { eventPolicyRoutes } from './tenancy/event-policy.js';
import { z } from 'zod';
import { openApiDocument } from './openapi.js';
import { docsPage } from './openapi-page.js';
import { access, ApiRoutes, defineRoute, json } from './http/api-routes.js';
import { adminRoutes } from './admin/routes.js';
import { metricsRoutes, requestMetrics } from './admin/request-metrics.js';
import { schedulingRoutes } from './scheduling/routes.js';
import { catalogueRoutes } from './catalogue/routes.js';
import { slotContentRoutes } from './content/routes.js';

/**
 * The edge API: each capability mounts its own routes. OpenAPIHono (a Hono) so the routes declared
 * with defineRoute bring their definitions up to the document.
 */
const root = new OpenAPIHono<AppEnv>();
export const app = root
  .use('*', requestMetrics)
  .use('*', bodyLimits)
  .route('/', healthRoutes)
  .route('/', eventRoutes)
  .route('/', recommendRoutes)
  .route('/', scenarioRoutes)
  .route('/', itemRoutes)
  .route('/', relatedRoutes)
  .route('/', experimentRoutes)
  .route('/', rankingRoutes)
  .route('/', tenancyRoutes)
  .route('/', eventPolicyRoutes)
  .route('/', schedulingRoutes)
  .route('/', catalogueRoutes)
  .route('/', slotContentRoutes)
  .route('/', adminRoutes)
  .route('/', metricsRoutes);

// The document of every route above, from their declarations (http/api-routes.ts), and a page of it.
app.route(
  '/',
  new ApiRoutes()
    .endpoint(defineRoute({ method: 'get', path: '/v1/openapi.json', tags: ['ops'], access: access.public(), responses: { 200: json(z.record(z.string(), z.unknown()), 'OpenAPI 3.0 document') } }), (c) => c.json(openApiDocument(root)))
    .endpoint(defineRoute({ method: 'get', path: '/v1/docs', tags: ['ops'], access: access.public(), responses: { 200: { description: 'the document as a page', content: { 'text/html': { schema: z.string() } } } } }), async (c) =>
      c.html(await docsPage(openApiDocument(root) as unknown as Parameters<typeof docsPage>[0])),
    ),
);

app.notFound((c) => c.json(errorBody('not_found', `no route for ${c.req.method} ${new URL(c.req.url).pathname}`), 404));
app.onError(onError);

/** The app's type, for the typed client (`hc<AppType>`, see src/client.ts). */
export type AppType = typeof app;
