import { render } from 'hono/jsx/dom';
import type { Child } from 'hono/jsx';
import { notDeployed, type ApiResult } from './api.js';

/** Element by id, typed; the server-rendered page guarantees it (a missing one is a page bug). */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`admin page: no #${id}`);
  return el as T;
}

/** Renders into a section body (replacing "loading…") and marks it ready for readers and tests. */
export function fill(target: string | HTMLElement, node: Child): HTMLElement {
  const el = typeof target === 'string' ? byId(target) : target;
  render(<>{node}</>, el);
  el.setAttribute('data-ready', '1');
  return el;
}

/** Puts sections back to "loading…" (not ready) before they are re-queried. */
export function loading(...ids: string[]): void {
  for (const id of ids) {
    const el = byId(id);
    el.removeAttribute('data-ready');
    render(<p class="muted">loading…</p>, el);
  }
}

/** An API failure where its data would be: "not available" when the route is not deployed. */
export function Problem({ result, what }: { result: ApiResult<unknown>; what: string }) {
  if (result.ok) return null;
  if (notDeployed(result)) {
    return (
      <div class="na" data-state="not-available">
        {`${what} is not available in this deployment (${result.error.message}).`}
      </div>
    );
  }
  const e = result.error;
  return (
    <div class="error" role="alert">
      {`${what}: ${e.code} – ${e.message}${e.field ? ` (field ${e.field})` : ''}`}
    </div>
  );
}

export const Muted = ({ children, id }: { children?: Child; id?: string }) => (
  <p class="muted" id={id}>
    {children}
  </p>
);

export const Tag = ({ kind, children, ...data }: { kind: string; children?: Child } & Record<`data-${string}`, string>) => (
  <span class={`tag ${kind}`} {...data}>
    {children}
  </span>
);

/** Headline numbers: label → formatted value; `data-kpi` is the label. */
export function Kpis({ cards }: { cards: readonly (readonly [string, string])[] }) {
  return (
    <div class="kpis">
      {cards.map(([label, value]) => (
        <div class="kpi" data-kpi={label}>
          <span class="v">{value}</span>
          <span class="l">{label}</span>
        </div>
      ))}
    </div>
  );
}

export type Column<T> = readonly [header: string, cell: (row: T) => Child];

export function Table<T>({ id, columns, rows }: { id?: string; columns: readonly Column<T>[]; rows: readonly T[] }) {
  return (
    <table id={id}>
      <thead>
        <tr>
          {columns.map(([h]) => (
            <th>{h}</th>
          ))}
        </tr>
      </thead>
      <tbody>
        {rows.map((r) => (
          <tr>
            {columns.map(([, cell]) => (
              <td>{cell(r)}</td>
            ))}
          </tr>
        ))}
      </tbody>
    </table>
  );
}

/** A canvas a chart (charts.ts) draws into after the surrounding JSX is rendered. */
export const ChartBox = ({ id, size, label }: { id: string; size?: 'short' | 'tall'; label: string }) => (
  <div class={size ? `chart-box ${size}` : 'chart-box'}>
    <canvas id={id} role="img" aria-label={label}></canvas>
  </div>
);

export const ActionButton = ({ action, id, onClick }: { action: string; id: string; onClick: () => void }) => (
  <button type="button" data-action={action} data-id={id} onClick={onClick}>
    {action}
  </button>
);

/** Writes a status line: a message, or the API's problem. */
export function status(target: string, content: string | { result: ApiResult<unknown>; what: string }): void {
  const el = byId(target);
  if (typeof content === 'string') el.textContent = content;
  else render(<Problem result={content.result} what={content.what} />, el);
}
