import type { CalendarResponse } from '@vidplat/contracts';
import { addDays, localDate, localTime } from '../format.js';

type Entry = CalendarResponse['buckets'][number]['entries'][number];
const NAMES = ['Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat', 'Sun'];

function Cell({ k, label, entries, other, tz }: { k: string; label: string; entries: readonly Entry[]; other?: boolean; tz: string }) {
  return (
    <div class={other ? 'cell other' : 'cell'} data-key={k}>
      <b>{label}</b>
      <ul>
        {entries.map((e) => (
          <li class={`tag ${e.status}`} title={`${e.contentKind} ${e.contentId}`}>
            {`${localTime(e.at, tz)} ${e.action} ${e.title}${e.region ? ` (${e.region})` : ''}`}
          </li>
        ))}
      </ul>
    </div>
  );
}

/** Month: weeks × 7 days (Monday first); week: 7 days; day: 24 hours. Cells list that slot's entries. */
export function CalendarGrid({ c, tz }: { c: CalendarResponse; tz: string }) {
  const byKey = new Map(c.buckets.map((b) => [b.key, b.entries]));
  const first = localDate(c.from, tz);
  const cell = (k: string, label: string, other = false) => <Cell k={k} label={label} entries={byKey.get(k) ?? []} other={other} tz={tz} />;
  if (c.view === 'day') {
    return (
      <div class="calendar day" data-view="day">
        {Array.from({ length: 24 }, (_, hr) => {
          const hh = String(hr).padStart(2, '0');
          return cell(`${first}T${hh}`, `${hh}:00`);
        })}
      </div>
    );
  }
  let start = first;
  let days = 7;
  if (c.view === 'month') {
    const lead = (new Date(`${first}T00:00:00Z`).getUTCDay() + 6) % 7;
    start = addDays(first, -lead);
    const last = addDays(localDate(c.to, tz), c.to === c.from ? 0 : -1);
    const span = Math.round((Date.parse(`${last}T00:00:00Z`) - Date.parse(`${start}T00:00:00Z`)) / 86_400_000) + 1;
    days = Math.ceil(span / 7) * 7;
  }
  return (
    <div class={`calendar ${c.view}`} data-view={c.view}>
      {NAMES.map((n) => (
        <div class="head">{n}</div>
      ))}
      {Array.from({ length: days }, (_, i) => {
        const d = addDays(start, i);
        return cell(d, d.slice(8, 10) === '01' || i === 0 ? d.slice(5) : d.slice(8), c.view === 'month' && d.slice(0, 7) !== first.slice(0, 7));
      })}
    </div>
  );
}
