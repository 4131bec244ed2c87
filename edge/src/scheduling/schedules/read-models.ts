import {
  CalendarQuery,
  ScheduleListQuery,
  apiErrorFromZod,
  type CalendarResponse,
  type ScheduleHistoryRow,
  type ScheduleView,
  type SchedulingStats,
} from '@vidplat/contracts';
import { fail, iso, isoOrNull, ok, type Actor, type Outcome } from '../shared/result.js';
import { outboxPending } from './outbox.js';
import { occurrencesBetween } from './recurrence.js';
import { regionalTime } from './planning.js';
import { scheduleView, visibleSchedule, type ScheduleRow, type Strategy } from './store.js';
import { addLocalDays, addLocalMonths, isValidTimeZone, localDateKey, wallTimeAt, zonedToEpoch } from './zoned-time.js';

/** Read models over the Scheduler's tables: the schedule list, history, statistics and calendar. */

const DAY_MS = 86_400_000;

export function listSchedules(sql: SqlStorage, actor: Actor, query: unknown): Outcome<{ items: ScheduleView[]; nextCursor: string | null }> {
  const p = ScheduleListQuery.safeParse(query);
  if (!p.success) return { ok: false, status: 400, error: apiErrorFromZod(p.error, 'invalid_query') };
  const q = p.data;
  const where: string[] = [];
  const args: (string | number)[] = [];
  const add = (clause: string, ...v: (string | number)[]) => {
    where.push(clause);
    args.push(...v);
  };
  if (actor.role === 'admin') add('created_by = ?', actor.id);
  if (q.status) add('status = ?', q.status);
  if (q.contentKind) add('content_kind = ?', q.contentKind);
  if (q.contentId) add('content_id = ?', q.contentId);
  if (q.createdBy) add('created_by = ?', q.createdBy);
  // Title search: every word must appear in the title, case-insensitively (LIKE, % and _ escaped).
  for (const word of (q.q ?? '').trim().split(/\s+/).filter(Boolean)) add("title LIKE ? ESCAPE '\\'", `%${word.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
  if (q.from) add('scheduled_at >= ?', Date.parse(q.from));
  if (q.to) add('scheduled_at < ?', Date.parse(q.to));
  if (q.cursor) {
    const m = /^(\d+)~(.+)$/.exec(q.cursor);
    if (!m) return fail(400, 'invalid_query', 'malformed cursor', 'cursor');
    add('(scheduled_at > ? OR (scheduled_at = ? AND id > ?))', Number(m[1]), Number(m[1]), m[2]!);
  }
  const rows = sql
    .exec<ScheduleRow>(`SELECT * FROM schedules ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY scheduled_at, id LIMIT ?`, ...args, q.limit + 1)
    .toArray();
  const page = rows.slice(0, q.limit);
  const last = page.at(-1);
  return ok({ items: page.map((s) => scheduleView(sql, s)), nextCursor: rows.length > q.limit && last ? `${last.scheduled_at}~${last.id}` : null });
}

export function scheduleHistory(sql: SqlStorage, actor: Actor, id: string | null, limit = 200): Outcome<ScheduleHistoryRow[]> {
  if (id) {
    const found = visibleSchedule(sql, actor, id);
    if (!found.ok) return found;
  }
  const own = actor.role === 'admin';
  const rows = sql
    .exec<{ id: number; schedule_id: string; occurrence: number | null; action: string; actor: string; at: number; result: string; duration_ms: number; detail: string | null }>(
      `SELECT h.* FROM history h ${own && !id ? 'JOIN schedules s ON s.id = h.schedule_id AND s.created_by = ?' : ''}
       ${id ? 'WHERE h.schedule_id = ?' : ''} ORDER BY h.id DESC LIMIT ?`,
      ...(id ? [id] : own ? [actor.id] : []),
      Math.min(Math.max(1, limit), 1000),
    )
    .toArray();
  return ok(
    rows.map((r) => ({
      id: r.id,
      scheduleId: r.schedule_id,
      occurrence: r.occurrence,
      action: r.action as ScheduleHistoryRow['action'],
      actor: r.actor,
      at: iso(r.at),
      result: r.result as ScheduleHistoryRow['result'],
      durationMs: r.duration_ms,
      detail: r.detail,
    })),
  );
}

export function schedulingStats(sql: SqlStorage, actor: Actor, nextAlarmAt: number | null): Outcome<SchedulingStats> {
  const own = actor.role === 'admin';
  const scope = own ? 'WHERE created_by = ?' : '';
  const args = own ? [actor.id] : [];
  const byStatus = Object.fromEntries(
    sql.exec<{ status: string; n: number }>(`SELECT status, COUNT(*) AS n FROM schedules ${scope} GROUP BY status`, ...args).toArray().map((r) => [r.status, r.n]),
  );
  const now = Date.now();
  const dueNext24h = sql
    .exec<{ n: number }>(
      `SELECT COUNT(*) AS n FROM actions a JOIN schedules s ON s.id = a.schedule_id WHERE a.state = 'due' AND a.due_at < ? ${own ? 'AND s.created_by = ?' : ''}`,
      now + 86_400_000,
      ...args,
    )
    .one().n;
  const h = sql
    .exec<{ ok: number; err: number; avg: number | null }>(
      `SELECT SUM(h.result = 'ok') AS ok, SUM(h.result = 'error') AS err, AVG(h.duration_ms) AS avg FROM history h
       JOIN schedules s ON s.id = h.schedule_id WHERE h.action IN ('publish', 'unpublish', 'remind', 'step') ${own ? 'AND s.created_by = ?' : ''}`,
      ...args,
    )
    .one();
  const actionsByKind = Object.fromEntries(
    sql
      .exec<{ action: string; ok: number; err: number }>(
        `SELECT h.action, SUM(h.result = 'ok') AS ok, SUM(h.result = 'error') AS err FROM history h
         JOIN schedules s ON s.id = h.schedule_id WHERE h.action IN ('publish', 'unpublish', 'remind', 'step') ${own ? 'AND s.created_by = ?' : ''} GROUP BY h.action`,
        ...args,
      )
      .toArray()
      .map((r) => [r.action, { ok: r.ok ?? 0, error: r.err ?? 0 }]),
  );
  const byContentKind = Object.fromEntries(
    sql.exec<{ k: string; n: number }>(`SELECT content_kind AS k, COUNT(*) AS n FROM schedules ${scope} GROUP BY content_kind`, ...args).toArray().map((r) => [r.k, r.n]),
  );
  // Stored before the rename, an A/B strategy says `ab`: counted as ab_test.
  const byStrategy: Record<string, number> = {};
  for (const r of sql.exec<{ k: string; n: number }>(`SELECT json_extract(strategy, '$.kind') AS k, COUNT(*) AS n FROM schedules ${scope} GROUP BY k`, ...args).toArray()) {
    const k = r.k === 'ab' ? 'ab_test' : r.k;
    byStrategy[k] = (byStrategy[k] ?? 0) + r.n;
  }
  return ok({
    byStatus,
    dueNext24h,
    actions: { ok: h.ok ?? 0, error: h.err ?? 0, avgDurationMs: Math.round((h.avg ?? 0) * 10) / 10 },
    actionsByKind,
    byContentKind,
    byStrategy,
    nextAlarmAt: isoOrNull(nextAlarmAt),
    outboxPending: outboxPending(sql),
    lateness: lateness(sql),
  });
}

/** Percentiles of (completed − planned) over fired publish/unpublish actions. */
function lateness(sql: SqlStorage): SchedulingStats['lateness'] {
  const where = "FROM actions WHERE state = 'done' AND kind IN ('publish', 'unpublish')";
  const fired = sql.exec<{ n: number }>(`SELECT COUNT(*) AS n ${where}`).one().n;
  const at = (q: number) =>
    fired === 0 ? 0 : sql.exec<{ l: number }>(`SELECT done_at - planned_at AS l ${where} ORDER BY l LIMIT 1 OFFSET ?`, Math.min(fired - 1, Math.floor(q * fired))).one().l;
  return { fired, p50Ms: at(0.5), p99Ms: at(0.99), maxMs: at(1) };
}

/** Occurrences in a local month / week / day, bucketed by local date (or hour for a day). */
export function calendar(sql: SqlStorage, actor: Actor, query: unknown): Outcome<CalendarResponse> {
  const p = CalendarQuery.safeParse(query);
  if (!p.success) return { ok: false, status: 400, error: apiErrorFromZod(p.error, 'invalid_query') };
  const { view, date, timeZone } = p.data;
  if (!isValidTimeZone(timeZone)) return fail(400, 'invalid_query', `unknown IANA time zone ${timeZone}`, 'timeZone');
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const day = { year: y, month: m, day: d, hour: 0, minute: 0, second: 0, ms: 0 };
  let start = day;
  let end = addLocalDays(day, 1);
  if (view === 'month') {
    start = { ...day, day: 1 };
    end = addLocalMonths(start, 1, 1);
  } else if (view === 'week') {
    const dow = (new Date(Date.UTC(y, m - 1, d)).getUTCDay() + 6) % 7; // Monday first
    start = addLocalDays(day, -dow);
    end = addLocalDays(start, 7);
  }
  const from = zonedToEpoch(start, timeZone);
  const to = zonedToEpoch(end, timeZone);
  const rows = sql
    .exec<ScheduleRow>(`SELECT * FROM schedules WHERE scheduled_at < ? ${actor.role === 'admin' ? 'AND created_by = ?' : ''}`, to, ...(actor.role === 'admin' ? [actor.id] : []))
    .toArray();
  const buckets = new Map<string, CalendarResponse['buckets'][number]>();
  for (const s of rows) {
    const strategy = JSON.parse(s.strategy) as Strategy;
    const regions = strategy.kind === 'regional' && s.action === 'publish' ? strategy.regions : null;
    // A region's run is at its own local time, up to a day after the occurrence: look a day back.
    const lookBack = regions ? DAY_MS : 0;
    for (const o of occurrencesBetween(s.scheduled_at, s.recurrence ? JSON.parse(s.recurrence) : null, from - lookBack, to)) {
      const runs = regions ? regions.map((r) => ({ at: regionalTime(o.at, r.localTime, r.timeZone), region: r.region as string | undefined })) : [{ at: o.at, region: undefined }];
      for (const run of runs) {
        if (run.at < from || run.at >= to) continue;
        const w = wallTimeAt(run.at, timeZone);
        const key = view === 'day' ? `${localDateKey(w)}T${String(w.hour).padStart(2, '0')}` : localDateKey(w);
        const b = buckets.get(key) ?? { key, count: 0, entries: [] };
        b.count++;
        b.entries.push({
          scheduleId: s.id,
          occurrence: o.n,
          at: iso(run.at),
          ...(run.region ? { region: run.region } : {}),
          title: s.title,
          contentKind: s.content_kind as ScheduleView['contentKind'],
          contentId: s.content_id,
          action: s.action,
          status: s.status as ScheduleView['status'],
          priority: s.priority,
        });
        buckets.set(key, b);
      }
    }
  }
  const sorted = [...buckets.values()].sort((a, b) => a.key.localeCompare(b.key));
  for (const b of sorted) b.entries.sort((a, b2) => a.at.localeCompare(b2.at) || b2.priority - a.priority);
  return ok({ view, timeZone, from: iso(from), to: iso(to), buckets: sorted });
}
