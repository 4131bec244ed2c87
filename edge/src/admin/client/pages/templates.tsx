import type { ScheduleTemplate } from '@vidplat/contracts';
import { api } from '../api.js';
import { clearIssues, issuesFromApiError, numberOrUndefined, showIssues } from '../form.js';
import type { PageModule } from '../page.js';
import { Muted, Problem, Table, byId, fill, status } from '../ui.js';

const T = '/v1/admin/scheduling/templates';
const input = (id: string) => byId<HTMLInputElement | HTMLSelectElement>(id);
let templates: ScheduleTemplate[] = [];

/** Fills the form with a user template for editing (the id makes Save a PATCH). */
function edit(t: ScheduleTemplate) {
  const d = t.defaults;
  input('tp-id').value = t.id;
  input('tp-name').value = t.name;
  input('tp-contentKind').value = d.contentKind ?? '';
  input('tp-action').value = d.action ?? '';
  input('tp-priority').value = d.priority === undefined ? '' : String(d.priority);
  input('tp-remindMinutesBefore').value = d.remindMinutesBefore == null ? '' : String(d.remindMinutesBefore);
  input('tp-durationMinutes').value = d.durationMinutes == null ? '' : String(d.durationMinutes);
  input('tp-frequency').value = d.recurrence?.frequency ?? '';
  input('tp-timeZone').value = d.recurrence?.timeZone ?? '';
  (input('tp-notifySubscribers') as HTMLInputElement).checked = d.notifySubscribers === true;
  status('tp-status', `Editing “${t.name}”.`);
}

async function load() {
  const r = await api<ScheduleTemplate[]>(T);
  if (!r.ok) return fill('template-list', <Problem result={r} what="Templates" />);
  templates = r.body;
  if (!templates.length) return fill('template-list', <Muted>No templates.</Muted>);
  fill(
    'template-list',
    <Table<ScheduleTemplate>
      id="templates-table"
      rows={templates}
      columns={[
        ['Name', (t) => t.name],
        ['Scope', (t) => t.scope],
        ['Defaults', (t) => Object.entries(t.defaults).map(([k, v]) => `${k}: ${typeof v === 'object' && v ? JSON.stringify(v) : String(v)}`).join(' · ')],
        ['Used', (t) => String(t.usageCount)],
        [
          '',
          (t) =>
            t.scope === 'user' ? (
              <button type="button" data-edit-template={t.name} onClick={() => edit(t)}>
                Edit
              </button>
            ) : (
              ''
            ),
        ],
      ]}
    />,
  );
}

/** POST (new) or PATCH (editing): the API's error is shown at its field. */
async function save(e: Event) {
  e.preventDefault();
  const form = byId<HTMLFormElement>('template-form');
  clearIssues(form);
  const frequency = input('tp-frequency').value;
  const defaults = {
    ...(input('tp-contentKind').value ? { contentKind: input('tp-contentKind').value } : {}),
    ...(input('tp-action').value ? { action: input('tp-action').value } : {}),
    priority: numberOrUndefined(input('tp-priority').value),
    remindMinutesBefore: numberOrUndefined(input('tp-remindMinutesBefore').value),
    durationMinutes: numberOrUndefined(input('tp-durationMinutes').value),
    ...(frequency ? { recurrence: { frequency, timeZone: input('tp-timeZone').value || 'UTC' } } : {}),
    notifySubscribers: (input('tp-notifySubscribers') as HTMLInputElement).checked,
  };
  const id = input('tp-id').value;
  const body = { name: input('tp-name').value, defaults };
  const r = await api<ScheduleTemplate>(id ? `${T}/${encodeURIComponent(id)}` : T, { method: id ? 'PATCH' : 'POST', body });
  if (!r.ok) {
    const unplaced = showIssues(form, issuesFromApiError(r.error));
    return status('tp-status', unplaced.length ? { result: r, what: 'Save template' } : `Not saved: see ${r.error.field ?? 'the field'} above.`);
  }
  form.reset();
  input('tp-id').value = '';
  status('tp-status', `Saved “${r.body.name}”.`);
  void load();
}

export const templatesPage: PageModule = {
  mount() {
    byId('template-form').addEventListener('submit', (e) => void save(e));
    byId('template-form').addEventListener('reset', () => {
      input('tp-id').value = '';
      clearIssues(byId<HTMLFormElement>('template-form'));
    });
  },
  load: () => void load(),
};
