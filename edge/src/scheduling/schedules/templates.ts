import { CreateTemplateRequest, UpdateTemplateRequest, apiErrorFromZod, uuidv7, type ScheduleTemplate } from '@vidplat/contracts';
import { fail, iso, ok, type Actor, type Outcome } from '../shared/result.js';
import { isValidTimeZone } from './zoned-time.js';

/** Schedule templates: system presets plus the tenant's own, applied under a request's fields. */

const SYSTEM_TEMPLATES: { name: string; defaults: ScheduleTemplate['defaults'] }[] = [
  { name: 'Daily announcement 24h', defaults: { contentKind: 'announcement', recurrence: { frequency: 'daily', timeZone: 'UTC' }, durationMinutes: 24 * 60 } },
  { name: 'Weekly series episode', defaults: { contentKind: 'series', recurrence: { frequency: 'weekly', timeZone: 'UTC' }, remindMinutesBefore: 60, notifySubscribers: true } },
  { name: 'Weekend banner', defaults: { contentKind: 'banner', durationMinutes: 48 * 60, priority: 70 } },
];

function ensureSystemTemplates(sql: SqlStorage) {
  const n = sql.exec<{ n: number }>("SELECT COUNT(*) AS n FROM templates WHERE scope = 'system'").one().n;
  if (n > 0) return;
  for (const t of SYSTEM_TEMPLATES) {
    sql.exec("INSERT INTO templates (id, name, scope, defaults, created_by, created_at) VALUES (?, ?, 'system', ?, 'system', ?)", uuidv7(), t.name, JSON.stringify(t.defaults), Date.now());
  }
}

export function listTemplates(sql: SqlStorage): Outcome<ScheduleTemplate[]> {
  ensureSystemTemplates(sql);
  const rows = sql
    .exec<{ id: string; name: string; scope: string; defaults: string; usage_count: number; created_by: string; created_at: number }>('SELECT * FROM templates ORDER BY scope, name')
    .toArray();
  return ok(
    rows.map((r) => ({
      id: r.id,
      name: r.name,
      scope: r.scope as 'system' | 'user',
      defaults: JSON.parse(r.defaults),
      usageCount: r.usage_count,
      createdBy: r.created_by,
      createdAt: iso(r.created_at),
    })),
  );
}

export function createTemplate(sql: SqlStorage, actor: Actor, body: unknown): Outcome<ScheduleTemplate> {
  if (actor.role !== 'super') return fail(403, 'forbidden', 'templates need the super role');
  const p = CreateTemplateRequest.safeParse(body);
  if (!p.success) return { ok: false, status: 400, error: apiErrorFromZod(p.error) };
  const tz = p.data.defaults.recurrence?.timeZone;
  if (tz && !isValidTimeZone(tz)) return fail(400, 'invalid_field', `unknown IANA time zone ${tz}`, 'defaults.recurrence.timeZone');
  const t: ScheduleTemplate = { id: uuidv7(), name: p.data.name, scope: p.data.scope, defaults: p.data.defaults, usageCount: 0, createdBy: actor.id, createdAt: iso(Date.now()) };
  sql.exec('INSERT INTO templates (id, name, scope, defaults, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)', t.id, t.name, t.scope, JSON.stringify(t.defaults), t.createdBy, Date.parse(t.createdAt));
  return ok(t);
}

/** Edits a user template (super); schedules already created from it keep what they were given. */
export function updateTemplate(sql: SqlStorage, actor: Actor, id: string, body: unknown): Outcome<ScheduleTemplate> {
  if (actor.role !== 'super') return fail(403, 'forbidden', 'templates need the super role');
  const row = sql.exec<{ scope: string }>('SELECT scope FROM templates WHERE id = ?', id).toArray()[0];
  if (!row) return fail(404, 'not_found', `no template ${id}`);
  if (row.scope === 'system') return fail(409, 'conflict', 'system templates cannot be edited; create your own from it');
  const p = UpdateTemplateRequest.safeParse(body);
  if (!p.success) return { ok: false, status: 400, error: apiErrorFromZod(p.error) };
  const tz = p.data.defaults?.recurrence?.timeZone;
  if (tz && !isValidTimeZone(tz)) return fail(400, 'invalid_field', `unknown IANA time zone ${tz}`, 'defaults.recurrence.timeZone');
  if (p.data.name !== undefined) sql.exec('UPDATE templates SET name = ? WHERE id = ?', p.data.name, id);
  if (p.data.defaults !== undefined) sql.exec('UPDATE templates SET defaults = ? WHERE id = ?', JSON.stringify(p.data.defaults), id);
  const t = listTemplates(sql);
  return t.ok ? ok(t.value.find((x) => x.id === id)!) : t;
}

export function deleteTemplate(sql: SqlStorage, actor: Actor, id: string): Outcome<true> {
  if (actor.role !== 'super') return fail(403, 'forbidden', 'templates need the super role');
  const r = sql.exec('DELETE FROM templates WHERE id = ?', id);
  return r.rowsWritten ? ok(true) : fail(404, 'not_found', `no template ${id}`);
}

export function templateDefaults(sql: SqlStorage, id: string): ScheduleTemplate['defaults'] | null {
  const t = sql.exec<{ defaults: string }>('SELECT defaults FROM templates WHERE id = ?', id).toArray()[0];
  return t ? JSON.parse(t.defaults) : null;
}

export function countTemplateUse(sql: SqlStorage, id: string): void {
  sql.exec('UPDATE templates SET usage_count = usage_count + 1 WHERE id = ?', id);
}

/** Template defaults under the request's own fields; durationMinutes becomes an end time. */
export function mergeTemplate(defaults: ScheduleTemplate['defaults'], body: Record<string, unknown>): Record<string, unknown> {
  const { durationMinutes, ...rest } = defaults;
  const merged: Record<string, unknown> = { ...rest, ...body };
  delete merged.templateId;
  if (durationMinutes && merged.endAt === undefined && typeof merged.scheduledAt === 'string') {
    const at = Date.parse(merged.scheduledAt);
    if (!Number.isNaN(at)) merged.endAt = iso(at + durationMinutes * 60_000);
  }
  return merged;
}
