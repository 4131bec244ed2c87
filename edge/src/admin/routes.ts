import { z } from 'zod';
import { access, ApiRoutes, defineRoute, empty } from '../http/api-routes.js';
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
const tags = ['admin pages'];
const page = (description: string) => ({ description, content: { 'text/html': { schema: z.string() } } });
const file = (path: string, type: string) => defineRoute({ method: 'get', path, tags, access: access.public(), responses: { 200: { description: 'the admin bundle', content: { [type]: { schema: z.string() } } } } });
const moved = (path: string) => defineRoute({ method: 'get', path, tags, access: access.public(), responses: { 301: empty('moved to /admin') } });

export const adminRoutes = new ApiRoutes()
  .endpoint(file(ASSETS.js, 'application/javascript'), (c) => c.body(ADMIN_JS, 200, headers('application/javascript; charset=utf-8')))
  .endpoint(file(ASSETS.css, 'text/css'), (c) => c.body(ADMIN_CSS, 200, headers('text/css; charset=utf-8')))
  .endpoint(defineRoute({ method: 'get', path: '/admin', tags, access: access.public(), description: 'The dashboards page; its API calls carry the key the user enters.', responses: { 200: page('HTML') } }), async (c) => c.body((await renderAdminPage('dashboards'))!, 200, headers('text/html; charset=utf-8')))
  .endpoint(moved('/admin/'), (c) => c.redirect('/admin', 301))
  .endpoint(moved('/admin/dashboards'), (c) => c.redirect('/admin', 301))
  .endpoint(defineRoute({ method: 'get', path: '/admin/{page}', tags, access: access.public(), request: { params: z.object({ page: z.string() }) }, responses: { 200: page('HTML') }, errors: [404] }), async (c) => {
    const html = await renderAdminPage(c.req.param('page'));
    if (html === null) return sendError(c, 404, { code: 'not_found', message: `no admin page ${c.req.param('page')}` });
    return c.body(html, 200, headers('text/html; charset=utf-8'));
  })
  .route('/', analyticsRoutes)
  .route('/', mediaJobsRoutes);
