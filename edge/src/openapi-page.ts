import { html } from 'hono/html';
import type { HtmlEscapedString } from 'hono/utils/html';

type Op = { summary?: string; description?: string; tags?: string[]; security?: Record<string, string[]>[]; 'x-undeclared'?: boolean; responses?: Record<string, { description?: string }> };
type Doc = { info: { title: string; version: string }; paths?: Record<string, Record<string, Op> | undefined> };

/**
 * GET /v1/docs: the document as one readable page, rendered on the server from /v1/openapi.json
 * (no script, nothing fetched from elsewhere): every operation by tag, who may call it, its statuses.
 */
export function docsPage(doc: Doc): Promise<HtmlEscapedString> | HtmlEscapedString {
  const byTag = new Map<string, { method: string; path: string; op: Op }[]>();
  for (const [path, ops] of Object.entries(doc.paths ?? {})) {
    for (const [method, op] of Object.entries(ops ?? {})) {
      const tag = op['x-undeclared'] ? 'not yet declared' : (op.tags?.[0] ?? 'other');
      byTag.set(tag, [...(byTag.get(tag) ?? []), { method: method.toUpperCase(), path, op }]);
    }
  }
  const who = (op: Op) => (op.security?.length ? op.security.map((s) => Object.keys(s).join(' + ')).join(' or ') : 'public');
  return html`<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <title>${doc.info.title} ${doc.info.version}</title>
    <style>
      body { font: 14px/1.4 system-ui, sans-serif; margin: 2rem; }
      code { font-size: 13px; }
      table { border-collapse: collapse; width: 100%; margin-bottom: 1.5rem; }
      td, th { border-bottom: 1px solid #ddd; padding: 4px 8px; text-align: left; vertical-align: top; }
    </style>
  </head>
  <body>
    <h1>${doc.info.title} ${doc.info.version}</h1>
    <p>Machine-readable: <a href="/v1/openapi.json">/v1/openapi.json</a>. Errors answer <code>{"error": {"code", "message", "field"?}}</code>.</p>
    ${[...byTag.entries()].sort(([a], [b]) => a.localeCompare(b)).map(
      ([tag, ops]) => html`<h2>${tag}</h2>
        <table>
          <tr><th>operation</th><th>credentials</th><th>statuses</th><th>notes</th></tr>
          ${ops.map(({ method, path, op }) => html`<tr><td><code>${method} ${path}</code></td><td>${who(op)}</td><td>${Object.keys(op.responses ?? {}).join(' ')}</td><td>${op.description ?? ''}</td></tr>`)}
        </table>`,
    )}
  </body>
</html>`;
}
