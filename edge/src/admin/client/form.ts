import type { ApiError } from '@vidplat/contracts';

/** One problem with one field: a zod issue's path joined with dots, or the API's `field`. */
export interface FieldIssue {
  path: string;
  message: string;
}

/** The API answers the first zod issue as `{code, message, field}`; a form shows it at that field. */
export function issuesFromApiError(e: ApiError): FieldIssue[] {
  return [{ path: e.field ?? '', message: e.message }];
}

/**
 * Shows each issue under the form's field for its path (`data-error-for`); a nested path
 * (`recurrence.interval`) falls back to the closest field that exists (`recurrence`). Returns
 * the issues no field could take, for the form's general status line.
 */
export function showIssues(form: HTMLFormElement, issues: readonly FieldIssue[]): FieldIssue[] {
  clearIssues(form);
  const unplaced: FieldIssue[] = [];
  for (const issue of issues) {
    const parts = issue.path.split('.');
    let slot: HTMLElement | null = null;
    while (parts.length && !slot) {
      slot = form.querySelector<HTMLElement>(`[data-error-for="${CSS.escape(parts.join('.'))}"]`);
      parts.pop();
    }
    if (!slot) {
      unplaced.push(issue);
      continue;
    }
    slot.textContent = slot.textContent ? `${slot.textContent}; ${issue.message}` : issue.message;
    const field = slot.closest('.field');
    field?.classList.add('invalid');
    field?.querySelector('input,select,textarea')?.setAttribute('aria-invalid', 'true');
  }
  return unplaced;
}

export function clearIssues(form: HTMLFormElement): void {
  for (const el of form.querySelectorAll<HTMLElement>('[data-error-for]')) el.textContent = '';
  for (const el of form.querySelectorAll('.field.invalid')) el.classList.remove('invalid');
  for (const el of form.querySelectorAll('[aria-invalid]')) el.removeAttribute('aria-invalid');
}

/** A datetime-local value (browser-local wall time) as an ISO instant; '' stays ''. */
export function localInputToIso(value: string): string {
  if (!value) return '';
  const t = new Date(value);
  return Number.isNaN(t.getTime()) ? value : t.toISOString();
}

/** An ISO instant as a datetime-local value in the browser's zone (what localInputToIso reads back). */
export function isoToLocalInput(iso: string | null): string {
  if (!iso) return '';
  const d = new Date(iso);
  const p = (n: number) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}`;
}

/** A number input: '' is absent (undefined), anything else a number (NaN is sent for the API to reject). */
export function numberOrUndefined(value: string): number | undefined {
  return value === '' ? undefined : Number(value);
}
