import { LegacyScheduleRow, apiErrorFromZod, type ApiError } from '@vidplat/contracts';
import { iso, ok, type Actor, type Outcome } from '../shared/result.js';
import { createSchedule } from './commands.js';
import type { SchedulerStore } from './store.js';

export type LegacyImportResult = { created: number; results: { index: number; ok: boolean; id?: string; error?: ApiError }[] };

/** A legacy time without a zone ("2026-01-02 10:00") is read as UTC. */
function legacyTime(text: string): number {
  return Date.parse(text.includes('T') || /[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : `${text.replace(' ', 'T')}Z`);
}

/** Legacy `video_id, scheduled_publish_at` rows become one-off publish schedules, each on its own. */
export async function importLegacy(st: SchedulerStore, actor: Actor, rows: unknown[]): Promise<Outcome<LegacyImportResult>> {
  const results: LegacyImportResult['results'] = [];
  for (const [i, raw] of rows.entries()) {
    const p = LegacyScheduleRow.safeParse(raw);
    if (!p.success) {
      results.push({ index: i, ok: false, error: apiErrorFromZod(p.error, 'invalid_field', `rows.${i}`) });
      continue;
    }
    const at = legacyTime(p.data.scheduled_publish_at);
    if (Number.isNaN(at)) {
      results.push({ index: i, ok: false, error: { code: 'invalid_field', message: 'unreadable time', field: `rows.${i}.scheduled_publish_at` } });
      continue;
    }
    const r = await createSchedule(
      st,
      actor,
      { contentKind: 'video', contentId: p.data.video_id, action: 'publish', scheduledAt: iso(at), title: `Imported publish of ${p.data.video_id}` },
      `rows.${i}`,
    );
    results.push(r.ok ? { index: i, ok: true, id: r.value.id } : { index: i, ok: false, error: r.error });
  }
  return ok({ created: results.filter((r) => r.ok).length, results });
}
