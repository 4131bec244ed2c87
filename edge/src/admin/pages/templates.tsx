import { Recurrence, ScheduleAction, ScheduleContentKind } from '@vidplat/contracts';
import { Field, Grid, Result, Section, Select } from './components.js';

/** Schedule templates: the list (system presets and the tenant's own) and a form to create or edit one (super key). */
export function TemplatesPage() {
  return (
    <>
      <Result id="template-result" />
      <Grid one>
        <Section title="Templates" id="template-list" />
      </Grid>
      <form class="form" id="template-form" novalidate>
        <input type="hidden" id="tp-id" />
        <Field name="name" label="Name">
          <input name="name" id="tp-name" required maxlength={100} />
        </Field>
        <Field name="defaults.contentKind" label="Content kind">
          <Select id="tp-contentKind" options={ScheduleContentKind.options} any="(request decides)" />
        </Field>
        <Field name="defaults.action" label="Action">
          <Select id="tp-action" options={ScheduleAction.options} any="(request decides)" />
        </Field>
        <Field name="defaults.priority" label="Priority (0–100)">
          <input name="priority" id="tp-priority" type="number" />
        </Field>
        <Field name="defaults.remindMinutesBefore" label="Remind minutes before">
          <input name="remindMinutesBefore" id="tp-remindMinutesBefore" type="number" />
        </Field>
        <Field name="defaults.durationMinutes" label="Duration (minutes, unpublish after)">
          <input name="durationMinutes" id="tp-durationMinutes" type="number" />
        </Field>
        <Field name="defaults.recurrence" label="Recurrence">
          <Select id="tp-frequency" options={Recurrence.shape.frequency.options} any="none" />
        </Field>
        <Field name="defaults.recurrence.timeZone" label="Recurrence time zone">
          <input name="timeZone" id="tp-timeZone" placeholder="Europe/Berlin" />
        </Field>
        <Field name="defaults.notifySubscribers" label="Notify subscribers">
          <input name="notifySubscribers" id="tp-notifySubscribers" type="checkbox" />
        </Field>
        <div class="actions">
          <button type="submit" id="tp-save">
            Save template
          </button>{' '}
          <button type="reset" id="tp-new">
            New
          </button>
          <span id="tp-status" class="muted" role="status"></span>
        </div>
      </form>
    </>
  );
}
