import { LegacyScheduleRow, apiErrorFromZod, uuidv7, type ApiError } from '@vidplat/contracts';
import { iso, ok, type Actor, type Outcome } from '../shared/result.js';
import { createSchedule } from './commands.js';
import { contentExists, writePublishStates } from './content.js';
import { insertSchedule, recordHistory, type ScheduleRow, type SchedulerStore } from './store.js';

export type LegacyImportResult = { created: number; results: { index: number; ok: boolean; id?: string; error?: ApiError }[] };

/** Marks schedules that stand for a publish the legacy system already did (and makes a re-import idempotent). */
const LEGACY_PUBLISHED = 'Published by the legacy system (scheduled_publish_at); imported with its history.';

/** A legacy time without a zone ("2026-01-02 10:00") is read as UTC. */
function legacyTime(text: string): number {
  return Date.parse(text.includes('T') || /[zZ]|[+-]\d\d:?\d\d$/.test(text) ? text : `${text.replace(' ', 'T')}Z`);
}

/**
 * Legacy `video_id, scheduled_publish_at` rows, each on its own: a future time becomes a one-off
 * publish schedule; a past time is a video the old system already published, so it becomes a
 * `published` schedule whose history holds that publish at its legacy time (and its publish state
 * is recorded as published), never a new publish.
 */
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
    if (at <= Date.now()) {
      results.push(await importPublished(st, actor, i, p.data.video_id, at));
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

async function importPublished(st: SchedulerStore, actor: Actor, index: number, videoId: string, at: number): Promise<LegacyImportResult['results'][number]> {
  if (!['senior', 'super'].includes(actor.role)) {
    return { index, ok: false, error: { code: 'forbidden', message: 'importing already-published rows needs senior or super' } };
  }
  const again = st.sql
    .exec<{ id: string }>('SELECT id FROM schedules WHERE content_id = ? AND scheduled_at = ? AND description = ?', videoId, at, LEGACY_PUBLISHED)
    .toArray()[0];
  if (again) return { index, ok: true, id: again.id };
  if (!(await contentExists(st.env.CATALOGUE, actor.tenantId, 'video', videoId))) {
    return { index, ok: false, error: { code: 'invalid_field', message: `unknown video ${videoId}`, field: `rows.${index}.contentId` } };
  }
  const now = Date.now();
  const id = uuidv7(now);
  // The publish state first: if it cannot be written nothing is recorded and the row can be re-imported.
  const [error] = await writePublishStates(
    st.env,
    [{ tenantId: actor.tenantId, contentKind: 'video', contentId: videoId, published: true, percent: 100, variants: null, scheduleId: id, occurrence: 0, occurrenceAt: at }],
    iso(now),
  );
  if (error) return { index, ok: false, error: { code: 'upstream_unavailable', message: `publish state not written: ${error}`, field: `rows.${index}` } };
  const s: ScheduleRow = {
    id,
    tenant_id: actor.tenantId,
    content_kind: 'video',
    content_id: videoId,
    action: 'publish',
    scheduled_at: at,
    end_at: null,
    status: 'published',
    priority: 50,
    title: `Imported publish of ${videoId}`,
    description: LEGACY_PUBLISHED,
    created_by: actor.id,
    recurrence: null,
    strategy: JSON.stringify({ kind: 'immediate' }),
    remind_minutes: null,
    max_retries: 0,
    conditions: '[]',
    notify: 0,
    occurrences_done: 1,
    last_error: null,
    created_at: now,
    updated_at: now,
  };
  st.storage.transactionSync(() => {
    insertSchedule(st.sql, s);
    st.sql.exec(
      "INSERT INTO actions (schedule_id, occurrence, kind, step, due_at, planned_at, priority, state, attempts, done_at) VALUES (?, 0, 'publish', 0, ?, ?, 50, 'done', 1, ?)",
      id,
      at,
      at,
      at,
    );
    // The legacy publish at its own time, then the import itself.
    st.sql.exec(
      "INSERT INTO history (schedule_id, occurrence, action, actor, at, result, duration_ms, detail) VALUES (?, 0, 'publish', 'legacy', ?, 'ok', 0, ?)",
      id,
      at,
      'published by the legacy system',
    );
    recordHistory(st.sql, id, null, 'create', actor.id, 'ok', Date.now() - now, 'imported from legacy scheduled_publish_at (already published)');
  });
  return { index, ok: true, id };
}
