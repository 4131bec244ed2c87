import { Hono } from 'hono';
import type { AppEnv } from '../env.js';
import { sendError } from '../http/errors.js';
import { analyticsRoutes } from './analytics-routes.js';
import { ADMIN_CSS, ADMIN_JS } from './generated/client-assets.js';
import { mediaJobsRoutes } from './media-jobs-routes.js';
import { renderAdminPage } from './pages/index.js';
import { ASSETS } from './pages/nav.js';

// Scripts only from this origin; the page fetches only this origin's API.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
const headers = (type: string) => ({ 'content-type': type, 'content-security-policy': CSP, 'x-content-type-options': 'nosniff', 'cache-control': 'no-cache' });

/** The admin pages (server-rendered Hono JSX, pages/), their browser bundle, the analytics admin API and the transcode job list. */
export const adminRoutes = new Hono<AppEnv>()
  .get(ASSETS.js, (c) => c.body(ADMIN_JS, 200, headers('application/javascript; charset=utf-8')))
  .get(ASSETS.css, (c) => c.body(ADMIN_CSS, 200, headers('text/css; charset=utf-8')))
  .get('/admin', async (c) => c.body((await renderAdminPage('dashboards'))!, 200, headers('text/html; charset=utf-8')))
  .get('/admin/', (c) => c.redirect('/admin', 301))
  .get('/admin/dashboards', (c) => c.redirect('/admin', 301))
  .get('/admin/:page', async (c) => {
    const html = await renderAdminPage(c.req.param('page'));
    if (html === null) return sendError(c, 404, { code: 'not_found', message: `no admin page ${c.req.param('page')}` });
    return c.body(html, 200, headers('text/html; charset=utf-8'));
  })
  .route('/', analyticsRoutes)
  .route('/', mediaJobsRoutes);
