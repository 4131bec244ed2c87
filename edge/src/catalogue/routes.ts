import { ApiRoutes } from '../http/api-routes.js';
import { categoryRoutes } from './categories.js';
import { courseRoutes } from './courses.js';
import { entitlementRoutes } from './entitlements.js';
import { internalVideoRoutes } from './internal.js';
import { playRoutes } from './play/routes.js';
import { progressRoutes } from './progress/routes.js';
import { courseItemRoutes, syncCourseItems } from './recommender-items.js';
import { catalogueSettingsRoutes } from './video-items.js';
import { reviewRoutes } from './reviews.js';
import { hotCourseRoutes } from './hot-courses.js';
import { instructorRoutes } from './instructor.js';

/** Catalogue, entitlements, play authorisation, the guarded media origin and learning progress. */
export const catalogueRoutes = new ApiRoutes()
  .route('/', categoryRoutes)
  .route('/', courseItemRoutes)
  .route('/', catalogueSettingsRoutes((env, tenantId) => syncCourseItems(env, tenantId)))
  .route('/', hotCourseRoutes)
  .route('/', courseRoutes)
  .route('/', reviewRoutes)
  .route('/', instructorRoutes)
  .route('/', entitlementRoutes)
  .route('/', internalVideoRoutes)
  .route('/', playRoutes)
  .route('/', progressRoutes);
