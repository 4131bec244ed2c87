import { apiErrorFromZod, CreateScheduleRequest, UpdateScheduleRequest } from '@vidplat/contracts';
import type { z } from 'zod';
import { fail, ok, type Outcome } from '../shared/result.js';
import { isValidTimeZone } from './zoned-time.js';

export type NewSchedule = z.infer<typeof CreateScheduleRequest>;

/** Rules zod cannot express: times in the future and in order, real time zones, coherent strategies. */
export function checkScheduleRules(s: {
  scheduledAt: string;
  endAt: string | null;
  recurrence: NewSchedule['recurrence'];
  strategy?: NewSchedule['strategy'];
}, now: number, prefix = ''): Outcome<true> {
  const f = (name: string) => `${prefix}${name}`;
  const at = Date.parse(s.scheduledAt);
  if (!(at > now)) return fail(400, 'invalid_field', 'scheduledAt must be in the future', f('scheduledAt'));
  if (s.endAt !== null && !(Date.parse(s.endAt) > at)) return fail(400, 'invalid_field', 'endAt must be after scheduledAt', f('endAt'));
  const r = s.recurrence;
  if (r) {
    if (!isValidTimeZone(r.timeZone)) return fail(400, 'invalid_field', `unknown IANA time zone ${r.timeZone}`, f('recurrence.timeZone'));
    if (r.frequency === 'once' && r.count !== undefined && r.count > 1) {
      return fail(400, 'invalid_field', 'a one-off schedule has a single occurrence', f('recurrence.count'));
    }
    if (r.until && !(Date.parse(r.until) >= at)) return fail(400, 'invalid_field', 'until must not be before scheduledAt', f('recurrence.until'));
  }
  const st = s.strategy;
  if (st?.kind === 'progressive') {
    for (let i = 1; i < st.steps.length; i++) {
      if (st.steps[i]!.afterMinutes <= st.steps[i - 1]!.afterMinutes || st.steps[i]!.percent < st.steps[i - 1]!.percent) {
        return fail(400, 'invalid_field', 'steps must grow in time and percent', f(`strategy.steps.${i}`));
      }
    }
    if (st.steps.at(-1)!.percent !== 100) return fail(400, 'invalid_field', 'the last step must reach 100 %', f(`strategy.steps.${st.steps.length - 1}.percent`));
  }
  if (st?.kind === 'ab_test') {
    const total = st.variants.reduce((a, v) => a + v.percent, 0);
    if (Math.abs(total - 100) > 1e-9) return fail(400, 'invalid_field', `variant percentages add up to ${total}, not 100`, f('strategy.variants'));
  }
  if (st?.kind === 'regional') {
    const i = st.regions.findIndex((x) => !isValidTimeZone(x.timeZone));
    if (i >= 0) return fail(400, 'invalid_field', `unknown IANA time zone ${st.regions[i]!.timeZone}`, f(`strategy.regions.${i}.timeZone`));
  }
  return ok(true);
}

export function parseCreate(body: unknown, now: number, prefix?: string): Outcome<NewSchedule> {
  const p = CreateScheduleRequest.safeParse(body);
  if (!p.success) return { ok: false, status: 400, error: apiErrorFromZod(p.error, 'invalid_field', prefix) };
  const rules = checkScheduleRules(p.data, now, prefix ? `${prefix}.` : '');
  return rules.ok ? ok(p.data) : rules;
}

export function parseUpdate(body: unknown, prefix?: string): Outcome<z.infer<typeof UpdateScheduleRequest>> {
  const p = UpdateScheduleRequest.safeParse(body);
  if (!p.success) return { ok: false, status: 400, error: apiErrorFromZod(p.error, 'invalid_field', prefix) };
  return ok(p.data);
}
