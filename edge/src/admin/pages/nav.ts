/** The admin pages, in navigation order: one server-rendered page (and one client module) each. */
export const ADMIN_PAGES = [
  { id: 'dashboards', path: '/admin', title: 'Dashboards' },
  { id: 'experiments', path: '/admin/experiments', title: 'Experiments' },
  { id: 'schedule', path: '/admin/schedule', title: 'Schedule' },
  { id: 'templates', path: '/admin/templates', title: 'Templates' },
  { id: 'broadcaster', path: '/admin/broadcaster', title: 'Broadcaster' },
  { id: 'campaigns', path: '/admin/campaigns', title: 'Campaigns' },
  { id: 'transcode', path: '/admin/transcode', title: 'Transcode jobs' },
] as const;

export type AdminPageId = (typeof ADMIN_PAGES)[number]['id'];

export function adminPage(id: string): (typeof ADMIN_PAGES)[number] | undefined {
  return ADMIN_PAGES.find((p) => p.id === id);
}

/** Where the browser bundle and stylesheet are served (routes.ts). */
export const ASSETS = { js: '/admin/assets/app.js', css: '/admin/assets/admin.css' } as const;
