/**
 * The admin page's browser entry: one bundle for every page. The server renders each page's
 * frame (pages/*.tsx beside routes.ts); this finds the page by <body data-page>, wires the key
 * form, and lets the page's module fill its sections from the admin API.
 */
import { apiKey } from './api.js';
import { stopPolls, type PageModule } from './page.js';
import { broadcaster } from './pages/broadcaster.js';
import { campaigns } from './pages/campaigns.js';
import { dashboards } from './pages/dashboards.js';
import { experiments } from './pages/experiments.js';
import { schedule } from './pages/schedule.js';
import { templatesPage } from './pages/templates.js';
import { transcode } from './pages/transcode.js';
import { byId } from './ui.js';

const PAGES: Record<string, PageModule> = { dashboards, experiments, schedule, templates: templatesPage, broadcaster, campaigns, transcode };

// Links of the former single-page admin (/admin#schedule) land on the page itself.
function followLegacyHash(): void {
  const id = location.hash.slice(1);
  const link = id && location.pathname === '/admin' ? document.querySelector<HTMLAnchorElement>(`nav a[data-page="${CSS.escape(id)}"]`) : null;
  if (link) location.replace(link.href);
}
followLegacyHash();
window.addEventListener('hashchange', followLegacyHash);

const page = PAGES[document.body.dataset.page ?? ''];
let mounted = false;

function show(): void {
  const hasKey = apiKey.get() !== '';
  byId('who').textContent = hasKey ? 'key set' : '';
  byId('need-key').hidden = hasKey;
  byId('page').hidden = !hasKey;
  stopPolls();
  if (!hasKey || !page) return;
  if (!mounted) {
    page.mount();
    mounted = true;
  }
  page.load();
}

byId('login').addEventListener('submit', (e) => {
  e.preventDefault();
  const input = byId<HTMLInputElement>('api-key');
  apiKey.set(input.value.trim());
  input.value = '';
  show();
});
byId('logout').addEventListener('click', () => {
  apiKey.clear();
  show();
});
show();
