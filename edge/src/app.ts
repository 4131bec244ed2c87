import { Hono } from 'hono';
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
import { openApiDocument } from './openapi.js';
import { adminRoutes } from './admin/routes.js';
import { metricsRoutes, requestMetrics } from './admin/request-metrics.js';
import { schedulingRoutes } from './scheduling/routes.js';
import { catalogueRoutes } from './catalogue/routes.js';
import { slotContentRoutes } from './content/routes.js';

/** The edge API: each capability mounts its own routes. */
export const app = new Hono<AppEnv>()
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

// Documents every route above: paths from the router, bodies from contracts.
app.get('/v1/openapi.json', (c) => c.json(openApiDocument(app.routes)));

app.notFound((c) => c.json(errorBody('not_found', `no route for ${c.req.method} ${new URL(c.req.url).pathname}`), 404));
app.onError(onError);
