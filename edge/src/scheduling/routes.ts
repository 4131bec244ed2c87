import { ApiRoutes } from '../http/api-routes.js';
import { broadcasterRoutes } from './broadcaster/routes.js';
import { campaignRoutes } from './campaigns/routes.js';
import { scheduleRoutes } from './schedules/routes.js';

/** Scheduling admin API: content schedules, campaigns, broadcaster. */
export const schedulingRoutes = new ApiRoutes().route('/', scheduleRoutes).route('/', broadcasterRoutes).route('/', campaignRoutes);
