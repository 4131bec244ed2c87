import type { Child } from 'hono/jsx';

/** A card whose body the client fills (and marks data-ready) from one API call. */
export function Section({ title, id }: { title: string; id: string }) {
  return (
    <section class="card">
      <h3>{title}</h3>
      <div class="body" id={id}>
        <p class="muted">loading…</p>
      </div>
    </section>
  );
}

export function Grid({ one, children }: { one?: boolean; children?: Child }) {
  return <div class={one ? 'grid one' : 'grid'}>{children}</div>;
}

/** Date range of the analytics pages; the client keeps the last applied range for the session. */
export function RangeForm({ from, to }: { from: string; to: string }) {
  return (
    <form class="range" id="range-form">
      <label>
        From <input type="date" id="from" value={from} />
      </label>
      <label>
        {' '}
        To <input type="date" id="to" value={to} />
      </label>
      <button type="submit" id="apply-range">
        Apply
      </button>
    </form>
  );
}

export function Select<T extends string>({ id, options, any, value }: { id: string; options: readonly T[]; any?: string; value?: T }) {
  return (
    <select id={id} name={id}>
      {any === undefined ? null : <option value="">{any}</option>}
      {options.map((o) => (
        <option value={o} selected={o === value}>
          {o}
        </option>
      ))}
    </select>
  );
}

/**
 * A labelled form field with a slot for its error: the client puts the API's error for
 * `name` (the zod path of the request body, e.g. `recurrence.interval`) under the input.
 */
export function Field({ name, label, children }: { name: string; label: string; children?: Child }) {
  return (
    <div class="field" data-field={name}>
      <label>
        {label}
        {children}
      </label>
      <span class="field-error" role="alert" data-error-for={name}></span>
    </div>
  );
}

/** A status line the client writes the outcome of an action to. */
export function Result({ id }: { id: string }) {
  return <p id={id} class="muted"></p>;
}
