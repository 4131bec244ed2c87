import type { Child } from 'hono/jsx';
import { ADMIN_PAGES, ASSETS, type AdminPageId } from './nav.js';

interface LayoutProps {
  page: AdminPageId;
  title: string;
  children?: Child;
}

/**
 * The frame of every admin page: the key form, the navigation and the page's own content. The
 * content stays hidden until the client finds an API key (sessionStorage), since every section
 * is filled from the admin API with that key.
 */
export function Layout({ page, title, children }: LayoutProps) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>{`${title} · vidplat admin`}</title>
        <link rel="stylesheet" href={ASSETS.css} />
      </head>
      <body data-page={page}>
        <header>
          <h1>vidplat admin</h1>
          <form id="login" autocomplete="off">
            <input id="api-key" type="password" placeholder="API key (vp_…)" aria-label="API key" />
            <button type="submit" id="use-key">Use key</button>
            <button type="button" id="logout">Forget key</button>
            <span id="who"></span>
          </form>
        </header>
        <nav>
          {ADMIN_PAGES.map((p) => (
            <a href={p.path} data-page={p.id} class={p.id === page ? 'active' : undefined} aria-current={p.id === page ? 'page' : undefined}>
              {p.title}
            </a>
          ))}
        </nav>
        <main id="main">
          <p class="muted" id="need-key">Enter an admin, senior or super API key above.</p>
          <div id="page" hidden>
            <h2>{title}</h2>
            {children}
          </div>
        </main>
        <script src={ASSETS.js}></script>
      </body>
    </html>
  );
}
