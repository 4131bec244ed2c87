import { ScheduleAction, ScheduleContentKind, ScheduleStatus, type CalendarResponse } from '@vidplat/contracts';
import { Field, Grid, Section, Select } from './components.js';

const VIEWS: readonly CalendarResponse['view'][] = ['month', 'week', 'day'];

/** Schedule statistics, the calendar (month / week / day), the list with batch cancel, and a create form. */
export function SchedulePage({ today }: { today: string }) {
  return (
    <>
      <form class="range" id="schedule-filters">
        <Select id="cal-view" options={VIEWS} /> <input type="date" id="cal-date" value={today} />{' '}
        <Select id="filter-status" options={ScheduleStatus.options} any="any status" />{' '}
        <Select id="filter-kind" options={ScheduleContentKind.options} any="any kind" />{' '}
        <input type="search" id="filter-q" placeholder="title contains…" aria-label="title search" maxlength={200} />{' '}
        <button type="submit" id="cal-apply">
          Show
        </button>
      </form>
      <Grid one>
        <Section title="Status" id="schedule-stats" />
        <Section title="Success rate, type share, strategy use" id="schedule-mix" />
        <Section title="Calendar" id="calendar" />
        <Section title="Schedules" id="schedule-list" />
        <section class="card">
          <h3>New schedule</h3>
          <CreateScheduleForm />
        </section>
      </Grid>
    </>
  );
}

/**
 * The fields of CreateScheduleRequest an operator sets by hand; `name` is the body path, so the
 * API's error (`field`) lands under its input. Times are local in the browser and sent as ISO.
 */
export function CreateScheduleForm() {
  return (
    <form class="form" id="schedule-create" novalidate>
      {/* Set while editing a pending schedule (Save sends a PATCH of the editable fields). */}
      <input type="hidden" id="sc-id" />
      <Field name="title" label="Title">
        <input name="title" id="sc-title" required maxlength={200} />
      </Field>
      <Field name="contentKind" label="Content kind">
        <Select id="sc-contentKind" options={ScheduleContentKind.options} />
      </Field>
      <Field name="contentId" label="Content id">
        <input name="contentId" id="sc-contentId" required />
      </Field>
      <Field name="action" label="Action">
        <Select id="sc-action" options={ScheduleAction.options} />
      </Field>
      <Field name="scheduledAt" label="At (local time)">
        <input name="scheduledAt" id="sc-scheduledAt" type="datetime-local" required />
      </Field>
      <Field name="endAt" label="Unpublish at (optional)">
        <input name="endAt" id="sc-endAt" type="datetime-local" />
      </Field>
      <Field name="priority" label="Priority (0–100)">
        <input name="priority" id="sc-priority" type="number" value="50" />
      </Field>
      <Field name="remindMinutesBefore" label="Remind minutes before (optional)">
        <input name="remindMinutesBefore" id="sc-remindMinutesBefore" type="number" />
      </Field>
      <Field name="description" label="Description">
        <textarea name="description" id="sc-description" rows={2}></textarea>
      </Field>
      <div class="actions">
        <button type="submit" id="sc-create">
          Create schedule
        </button>{' '}
        <button type="reset" id="sc-new">
          New
        </button>
        <span id="sc-result" class="muted" role="status"></span>
      </div>
    </form>
  );
}
