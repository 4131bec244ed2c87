import { byId } from './ui.js';

/**
 * The date range of the analytics pages (#range-form). The last applied range is kept for the
 * session, so moving between dashboards and experiments keeps it.
 */
const KEY = 'vidplat.admin.range';

export interface Range {
  from: string;
  to: string;
}

export function currentRange(): Range {
  return { from: byId<HTMLInputElement>('from').value, to: byId<HTMLInputElement>('to').value };
}

export function rangeQuery(extra: Record<string, string | number> = {}): string {
  const r = currentRange();
  return Object.entries({ from: r.from, to: r.to, ...extra })
    .map(([k, v]) => `${k}=${encodeURIComponent(String(v))}`)
    .join('&');
}

/** Restores the session's range into the form and calls `onApply` on submit. */
export function mountRangeForm(onApply: () => void): void {
  const saved = sessionStorage.getItem(KEY);
  if (saved) {
    try {
      const r = JSON.parse(saved) as Range;
      byId<HTMLInputElement>('from').value = r.from;
      byId<HTMLInputElement>('to').value = r.to;
    } catch {
      sessionStorage.removeItem(KEY);
    }
  }
  byId('range-form').addEventListener('submit', (e) => {
    e.preventDefault();
    sessionStorage.setItem(KEY, JSON.stringify(currentRange()));
    onApply();
  });
}
