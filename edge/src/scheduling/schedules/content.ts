import { governedContentIds, SlotContentKind, type AbPublishVariants, type ScheduleCondition } from '@vidplat/contracts';
import type { z } from 'zod';
import { slotContentExists, slotStatusStatement } from '../../content/slot-store.js';
import type { Bindings } from '../../env.js';
import { setItemPublishState } from '../../items/catalogue.js';
import { forgetPublishStates } from '../../content/visibility.js';
import { forgetPinnedSlots } from '../../content/pinned-slots.js';
import { schedulingConfig } from '../shared/config.js';
import { gateFailure } from './gates.js';

const missingTable = (e: unknown) => e instanceof Error && /no such table/i.test(e.message);

/**
 * Whether the content a schedule points at exists: videos and series in the catalogue (a course,
 * a recommender item, or a video), banners, announcements and slots in their tables. It fails
 * closed: an unknown kind, or a deployment without the table, is "does not exist", so a schedule
 * never points at nothing.
 */
export async function contentExists(db: D1Database, tenantId: string, kind: string, contentId: string): Promise<boolean> {
  if (SlotContentKind.safeParse(kind).success) return slotContentExists(db, kind as SlotContentKind, tenantId, contentId);
  if (kind !== 'video' && kind !== 'series') return false;
  const found = async (sql: string) => {
    try {
      return !!(await db.prepare(sql).bind(tenantId, contentId).first());
    } catch (e) {
      if (missingTable(e)) return false;
      throw e;
    }
  };
  if (await found('SELECT 1 AS x FROM courses WHERE tenant_id = ?1 AND course_id = ?2 AND deleted_at IS NULL')) return true;
  if (await found('SELECT 1 AS x FROM items WHERE tenant_id = ?1 AND item_id = ?2')) return true;
  if (kind === 'series') return false;
  return found('SELECT 1 AS x FROM videos WHERE tenant_id = ?1 AND video_id = ?2 AND deleted_at IS NULL');
}

/** Null when the condition holds, else why not (the attempt then fails and is retried). */
export async function conditionFailure(env: Bindings, tenantId: string, contentId: string, c: ScheduleCondition): Promise<string | null> {
  const db = env.CATALOGUE;
  if (c.kind === 'metric') {
    const gates = c.metric === 'play_rate' ? { minPlayRate: c.min } : { minCompletionRate: c.min };
    const why = await gateFailure(schedulingConfig(env), tenantId, c.contentId, Date.now() - c.windowHours * 3_600_000, gates);
    return why && `condition ${c.metric} of ${c.contentId}: ${why}`;
  }
  if (c.kind === 'transcode_ready') {
    const videoId = c.videoId ?? contentId;
    const row = await db
      .prepare('SELECT status FROM videos WHERE tenant_id = ?1 AND video_id = ?2 AND deleted_at IS NULL')
      .bind(tenantId, videoId)
      .first<{ status: string }>();
    if (!row) return `condition transcode_ready: video ${videoId} not found`;
    return row.status === 'ready' ? null : `condition transcode_ready: video ${videoId} is ${row.status}`;
  }
  const state = await db
    .prepare('SELECT published FROM content_publish_state WHERE tenant_id = ?1 AND content_id = ?2 AND published = 1 LIMIT 1')
    .bind(tenantId, c.contentId)
    .first();
  if (state) return null;
  try {
    const course = await db
      .prepare("SELECT 1 AS x FROM courses WHERE tenant_id = ?1 AND course_id = ?2 AND status = 'published'")
      .bind(tenantId, c.contentId)
      .first();
    if (course) return null;
  } catch (e) {
    if (!missingTable(e)) throw e;
  }
  return `condition previous_published: ${c.contentId} is not published`;
}

export interface PublishState {
  tenantId: string;
  contentKind: string;
  contentId: string;
  published: boolean;
  percent: number;
  variants: unknown;
  scheduleId: string;
  occurrence: number;
  /** The occurrence's planned instant: the recommender's publishedAt, the same on every re-fire. */
  occurrenceAt: number;
}

const UPSERT_STATE = `INSERT INTO content_publish_state (tenant_id, content_kind, content_id, published, percent, variants, schedule_id, occurrence, updated_at)
  VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)
  ON CONFLICT (tenant_id, content_kind, content_id) DO UPDATE SET published = excluded.published, percent = excluded.percent,
    variants = excluded.variants, schedule_id = excluded.schedule_id, occurrence = excluded.occurrence, updated_at = excluded.updated_at`;
const UPDATE_COURSE = `UPDATE courses SET status = ?3, updated_at = ?4, published_at = CASE WHEN ?3 = 'published' THEN COALESCE(published_at, ?4) ELSE published_at END
  WHERE tenant_id = ?1 AND course_id = ?2 AND deleted_at IS NULL`;

/**
 * The content ids a state publishes: its own, and under A/B every variant's content, each of
 * which the visibility rule then shows to its own bucket only.
 */
export function publishedIdsOf(s: Pick<PublishState, 'contentId' | 'variants'>): string[] {
  return governedContentIds({ contentId: s.contentId, variants: Array.isArray(s.variants) ? (s.variants as z.infer<typeof AbPublishVariants>) : null });
}

function statements(db: D1Database, s: PublishState, now: string, withCourses: boolean): D1PreparedStatement[] {
  const out = [
    db.prepare(UPSERT_STATE).bind(s.tenantId, s.contentKind, s.contentId, s.published ? 1 : 0, s.percent, s.variants == null ? null : JSON.stringify(s.variants), s.scheduleId, s.occurrence, now),
  ];
  if (withCourses && (s.contentKind === 'video' || s.contentKind === 'series')) {
    for (const id of publishedIdsOf(s)) out.push(db.prepare(UPDATE_COURSE).bind(s.tenantId, id, s.published ? 'published' : 'unpublished', now));
  }
  // Slot content: its row's status is what the read APIs and recommend's slots look at first.
  const slot = SlotContentKind.safeParse(s.contentKind);
  if (withCourses && slot.success) out.push(slotStatusStatement(db, slot.data, s.tenantId, publishedIdsOf(s), s.published, now));
  return out;
}

/**
 * Writes the content's publish state where the read path sees it: `content_publish_state`, the
 * catalogue course status, and the recommender's item state (D1 + feature store, through the items
 * module). All are upserts of the same values for the same (schedule, occurrence), so a re-fired
 * action writes the same result again. A hiding change the feature store did not take fails that
 * state, so the action is retried and an unpublished item never stays recommendable.
 *
 * Many states go to D1 in one batch (one round trip, in order); if the batch fails each state is
 * written on its own so one bad write fails only its own action. Returns an error (or null) per state.
 */
export async function writePublishStates(env: Bindings, states: PublishState[], now: string): Promise<(string | null)[]> {
  if (!states.length) return [];
  const db = env.CATALOGUE;
  const errors: (string | null)[] = states.map(() => null);
  // This isolate's readers see the new state at once (others within the cache's max age).
  for (const s of states) {
    forgetPublishStates(s.tenantId);
    if (s.contentKind === 'recommendation_slot') forgetPinnedSlots(s.tenantId);
  }
  const msg = (e: unknown) => (e instanceof Error ? e.message : String(e));
  try {
    await db.batch(states.flatMap((s) => statements(db, s, now, true)));
  } catch (batchError) {
    for (const [i, s] of states.entries()) {
      try {
        try {
          await db.batch(statements(db, s, now, true));
        } catch (e) {
          // A deployment without catalogue courses: the scheduling table alone.
          if (!missingTable(e)) throw e;
          await db.batch(statements(db, s, now, false));
        }
      } catch (e) {
        errors[i] = msg(e);
      }
    }
    if (errors.every((e) => e === null)) console.warn('publish-state batch failed, written one by one', msg(batchError));
  }
  // Recommender items: only content that is an item needs the items module (D1 + feature store).
  let items = new Set<string>();
  try {
    const r = await db
      .prepare('SELECT item_id FROM items WHERE tenant_id = ?1 AND item_id IN (SELECT value FROM json_each(?2))')
      .bind(states[0]!.tenantId, JSON.stringify([...new Set(states.flatMap((s) => publishedIdsOf(s)))]))
      .all<{ item_id: string }>();
    items = new Set(r.results.map((x) => x.item_id));
  } catch (e) {
    if (!missingTable(e)) states.forEach((_, i) => (errors[i] ??= `items: ${msg(e)}`));
  }
  for (const [i, s] of states.entries()) {
    if (errors[i] !== null || s.contentKind === 'banner' || s.contentKind === 'announcement' || s.contentKind === 'recommendation_slot') continue;
    // Every A/B variant's item is published; the visibility rule shows each to its bucket only.
    for (const id of publishedIdsOf(s)) {
      if (!items.has(id)) continue;
      try {
        await setItemPublishState(env, s.tenantId, id, {
          state: s.published ? 'published' : 'unpublished',
          // Actions run once due, so this is the planned instant (stable across re-fires).
          ...(s.published ? { publishedAt: new Date(Math.min(s.occurrenceAt, Date.now())).toISOString() } : {}),
        });
      } catch (e) {
        errors[i] = msg(e);
      }
    }
  }
  return errors;
}

/** One state; throws its error. */
export async function writePublishState(env: Bindings, s: PublishState, now: string): Promise<void> {
  const [error] = await writePublishStates(env, [s], now);
  if (error) throw new Error(error);
}
