import type { CalendarResponse, ScheduleBatchResponse, ScheduleListResponse, ScheduleStats, ScheduleView, SchedulingStats } from '@vidplat/contracts';
import type { z } from 'zod';
import { api, query } from '../api.js';
import { browserTimeZone, fmt } from '../format.js';
import { clearIssues, isoToLocalInput, issuesFromApiError, localInputToIso, numberOrUndefined, showIssues } from '../form.js';
import type { PageModule } from '../page.js';
import { barChart } from '../charts.js';
import { ChartBox, Kpis, Muted, Problem, Table, Tag, byId, fill, status } from '../ui.js';
import { CalendarGrid } from './calendar.js';

const S = '/v1/admin/scheduling/';
const A = '/v1/admin/analytics/';
const value = (id: string) => byId<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>(id).value;

async function stats() {
  // Pending and due come from the Scheduler; published today / this week and gate failures from
  // its schedule events in ClickHouse.
  const [r, a] = await Promise.all([api<SchedulingStats>(`${S}stats`), api<ScheduleStats>(`${A}schedules?${query({ timeZone: browserTimeZone() })}`)]);
  if (!r.ok) return fill('schedule-stats', <Problem result={r} what="Scheduling" />);
  const b = r.body.byStatus;
  const cards: [string, string][] = [
    ['pending', fmt(b.pending ?? 0)],
    ['published', fmt(b.published ?? 0)],
    ['failed', fmt(b.failed ?? 0)],
    ['cancelled', fmt(b.cancelled ?? 0)],
    ['due in 24 h', fmt(r.body.dueNext24h)],
  ];
  if (a.ok) cards.push(['published today', fmt(a.body.publishedToday)], ['published this week', fmt(a.body.publishedThisWeek)], ['gate failures (7 d)', fmt(a.body.failedThisWeek)]);
  fill(
    'schedule-stats',
    <>
      <Kpis cards={cards} />
      {a.ok ? null : <Problem result={a} what="Publishing statistics" />}
    </>,
  );
  mix(r.body);
}

/** Success rate per action kind (fired attempts), schedules by content kind and by strategy. */
function mix(s: SchedulingStats) {
  const rates = Object.entries(s.actionsByKind).map(([kind, c]) => ({ kind, rate: c.ok + c.error ? (100 * c.ok) / (c.ok + c.error) : 0, n: c.ok + c.error }));
  const kinds = Object.entries(s.byContentKind).map(([kind, n]) => ({ kind, n }));
  const strategies = Object.entries(s.byStrategy).map(([kind, n]) => ({ kind, n }));
  fill(
    'schedule-mix',
    <>
      <ChartBox id="success-chart" size="short" label="Success rate of fired actions (%)" />
      <ChartBox id="kind-chart" size="short" label="Schedules by content kind" />
      <ChartBox id="strategy-chart" size="short" label="Schedules by strategy" />
    </>,
  );
  barChart('success-chart', rates, (r) => `${r.kind} (${fmt(r.n)})`, (r) => Math.round(r.rate * 10) / 10, 'success %');
  barChart('kind-chart', kinds, (k) => k.kind, (k) => k.n, 'schedules');
  barChart('strategy-chart', strategies, (k) => k.kind, (k) => k.n, 'schedules');
}

async function calendar() {
  const tz = browserTimeZone();
  const r = await api<CalendarResponse>(`${S}calendar?${query({ view: value('cal-view'), date: value('cal-date'), timeZone: tz })}`);
  if (!r.ok) return fill('calendar', <Problem result={r} what="Calendar" />);
  fill('calendar', <CalendarGrid c={r.body} tz={tz} />);
}

async function cancelSelected() {
  const ids = [...document.querySelectorAll<HTMLInputElement>('#schedules-table input[type=checkbox]:checked')].map((b) => b.value);
  if (!ids.length) return status('batch-result', 'Select schedules first.');
  const res = await api<ScheduleBatchResponse>(`${S}batch`, { method: 'POST', body: { cancel: ids } });
  if (!res.ok) return status('batch-result', { result: res, what: 'Batch cancel' });
  const ok = (res.body.cancel ?? []).filter((x) => x.ok).length;
  // The list is re-rendered with the new statuses; the outcome is shown in it.
  void list(`Cancelled ${ok} of ${ids.length}.`);
  void stats();
  void calendar();
}

async function list(message = '') {
  const r = await api<z.infer<typeof ScheduleListResponse>>(`${S}schedules?${query({ limit: 50, status: value('filter-status'), contentKind: value('filter-kind'), q: value('filter-q').trim() })}`);
  if (!r.ok) return fill('schedule-list', <Problem result={r} what="Schedules" />);
  const items = r.body.items;
  fill(
    'schedule-list',
    items.length ? (
      <>
        <Table<ScheduleView>
          id="schedules-table"
          rows={items}
          columns={[
            ['', (it) => <input type="checkbox" value={it.id} aria-label={`select ${it.title}`} />],
            ['When', (it) => it.scheduledAt],
            ['Title', (it) => it.title],
            ['Kind', (it) => it.contentKind],
            ['Action', (it) => it.action],
            ['Status', (it) => <Tag kind={it.status}>{it.status}</Tag>],
            [
              '',
              (it) =>
                it.status === 'pending' ? (
                  <button type="button" data-edit-schedule={it.title} onClick={() => editSchedule(it)}>
                    Edit
                  </button>
                ) : (
                  ''
                ),
            ],
          ]}
        />
        <button id="batch-cancel" type="button" onClick={() => void cancelSelected()}>
          Cancel selected
        </button>
        <p id="batch-result" class="muted">
          {message}
        </p>
      </>
    ) : (
      <Muted>No schedules match.</Muted>
    ),
  );
}

const setValue = (id: string, v: string) => (byId<HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement>(id).value = v);

/** Edit mode: the form holds a pending schedule; what cannot change after creation is disabled. */
function editSchedule(s: ScheduleView) {
  const form = byId<HTMLFormElement>('schedule-create');
  clearIssues(form);
  setValue('sc-id', s.id);
  setValue('sc-title', s.title);
  setValue('sc-contentKind', s.contentKind);
  setValue('sc-contentId', s.contentId);
  setValue('sc-action', s.action);
  setValue('sc-scheduledAt', isoToLocalInput(s.scheduledAt));
  setValue('sc-endAt', isoToLocalInput(s.endAt));
  setValue('sc-priority', String(s.priority));
  setValue('sc-remindMinutesBefore', s.remindMinutesBefore === null ? '' : String(s.remindMinutesBefore));
  setValue('sc-description', s.description);
  for (const id of ['sc-contentKind', 'sc-contentId', 'sc-action']) byId<HTMLInputElement>(id).disabled = true;
  byId('sc-create').textContent = 'Save changes';
  status('sc-result', `Editing “${s.title}”.`);
}

function leaveEdit() {
  setValue('sc-id', '');
  for (const id of ['sc-contentKind', 'sc-contentId', 'sc-action']) byId<HTMLInputElement>(id).disabled = false;
  byId('sc-create').textContent = 'Create schedule';
}

/** POST the create form (or PATCH the schedule being edited); the API's error is shown at its field, a success reloads the views. */
async function create(e: Event) {
  e.preventDefault();
  const form = byId<HTMLFormElement>('schedule-create');
  clearIssues(form);
  const endAt = localInputToIso(value('sc-endAt'));
  const body = {
    title: value('sc-title'),
    contentKind: value('sc-contentKind'),
    contentId: value('sc-contentId'),
    action: value('sc-action'),
    scheduledAt: localInputToIso(value('sc-scheduledAt')),
    endAt: endAt || null,
    priority: numberOrUndefined(value('sc-priority')),
    remindMinutesBefore: numberOrUndefined(value('sc-remindMinutesBefore')) ?? null,
    description: value('sc-description'),
  };
  const id = value('sc-id');
  status('sc-result', id ? 'saving…' : 'creating…');
  const { contentKind: _k, contentId: _c, action: _a, ...patch } = body;
  const r = id
    ? await api<ScheduleView>(`${S}schedules/${encodeURIComponent(id)}`, { method: 'PATCH', body: patch })
    : await api<ScheduleView>(`${S}schedules`, { method: 'POST', body });
  if (!r.ok) {
    const unplaced = showIssues(form, issuesFromApiError(r.error));
    return status('sc-result', unplaced.length ? { result: r, what: id ? 'Save schedule' : 'Create schedule' } : `Not ${id ? 'saved' : 'created'}: see ${r.error.field ?? 'the field'} above.`);
  }
  form.reset();
  leaveEdit();
  status('sc-result', `${id ? 'Saved' : 'Created'} “${r.body.title}” for ${r.body.scheduledAt}.`);
  void stats();
  void calendar();
  void list();
}

export const schedule: PageModule = {
  mount() {
    byId('schedule-filters').addEventListener('submit', (e) => {
      e.preventDefault();
      void calendar();
      void list();
    });
    byId('schedule-create').addEventListener('submit', (e) => void create(e));
    byId('schedule-create').addEventListener('reset', () => {
      leaveEdit();
      clearIssues(byId<HTMLFormElement>('schedule-create'));
    });
  },
  load() {
    void stats();
    void calendar();
    void list();
  },
};
