import { Hono } from 'hono';
import type { AppEnv } from '../env.js';
import { analyticsRoutes } from './analytics-routes.js';
import { mediaJobsRoutes } from './media-jobs-routes.js';
import { ADMIN_CSS, ADMIN_HTML, ADMIN_JS } from './page.js';

// Scripts only from this origin; the page fetches only this origin's API.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
const page = (type: string) => ({ 'content-type': type, 'content-security-policy': CSP, 'x-content-type-options': 'nosniff', 'cache-control': 'no-cache' });

/** GET /admin (page + assets), the analytics admin API and the transcode job list. */
export const adminRoutes = new Hono<AppEnv>()
  .get('/admin', (c) => c.body(ADMIN_HTML, 200, page('text/html; charset=utf-8')))
  .get('/admin/', (c) => c.redirect('/admin', 301))
  .get('/admin/app.js', (c) => c.body(ADMIN_JS, 200, page('application/javascript; charset=utf-8')))
  .get('/admin/admin.css', (c) => c.body(ADMIN_CSS, 200, page('text/css; charset=utf-8')))
  .route('/', analyticsRoutes)
  .route('/', mediaJobsRoutes);
