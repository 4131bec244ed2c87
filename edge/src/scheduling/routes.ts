import { ApiRoutes } from '../http/api-routes.js';
import { broadcasterRoutes } from './broadcaster/routes.js';
import { campaignRoutes } from './campaigns/routes.js';
import { notifierRoutes } from './notifier/routes.js';
import { scheduleRoutes } from './schedules/routes.js';
import { subscriptionRoutes } from './subscriptions/routes.js';

/** Scheduling admin API: content schedules, campaigns, broadcaster, notifications and subscriptions. */
export const schedulingRoutes = new ApiRoutes()
  .route('/', scheduleRoutes)
  .route('/', broadcasterRoutes)
  .route('/', campaignRoutes)
  .route('/', notifierRoutes)
  .route('/', subscriptionRoutes);
