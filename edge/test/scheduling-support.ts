import { env, runDurableObjectAlarm, runInDurableObject, SELF } from 'cloudflare:test';
import type { ScheduleView } from '@vidplat/contracts';
import { createKey, json, provisionTenant } from './helpers.js';

export const BASE = 'https://edge.test/v1/admin/scheduling';
export const HOUR = 3_600_000;

export interface TenantKeys {
  tenantId: string;
  superKey: string;
  senior: string;
  alice: string;
  bob: string;
}

let n = 0;
/** The tenant of each key made here (createSchedule seeds slot content into it). */
const tenantOfKey = new Map<string, string>();
/** A fresh tenant (storage is shared across tests of a run) with super, senior and two admin keys. */
export async function tenantWithKeys(prefix: string): Promise<TenantKeys> {
  const tenantId = `${prefix}-${Date.now().toString(36)}-${n++}`;
  const sup = await provisionTenant(tenantId);
  const [senior, alice, bob] = await Promise.all([
    createKey(sup.apiKey, 'senior', 'sam'),
    createKey(sup.apiKey, 'admin', 'alice'),
    createKey(sup.apiKey, 'admin', 'bob'),
  ]);
  for (const k of [sup.apiKey, senior.apiKey, alice.apiKey, bob.apiKey]) tenantOfKey.set(k, tenantId);
  return { tenantId, superKey: sup.apiKey, senior: senior.apiKey, alice: alice.apiKey, bob: bob.apiKey };
}

/** A catalogue course row (the catalogue's own table), so schedules can point at real content. */
export async function seedCourse(tenantId: string, courseId: string, status = 'draft'): Promise<void> {
  const now = new Date().toISOString();
  await env.CATALOGUE.prepare(
    `INSERT INTO courses (tenant_id, course_id, category_id, title, level, instructor_id, access, status, created_at, updated_at)
     VALUES (?1, ?2, 'cat', ?2, 'beginner', 'ins', 'free', ?3, ?4, ?4)`,
  )
    .bind(tenantId, courseId, status, now)
    .run();
}

export const scheduler = (tenantId: string) => env.SCHEDULER.get(env.SCHEDULER.idFromName(tenantId));

/**
 * Moves every due action `ms` earlier, as if that much time had passed: the alarm handler runs
 * what is due by the object's own clock, and tests cannot wait hours.
 */
export async function travel(tenantId: string, ms: number): Promise<void> {
  await runInDurableObject(scheduler(tenantId), (_i, state) => {
    state.storage.sql.exec("UPDATE actions SET due_at = due_at - ? WHERE state = 'due'", ms);
  });
}

/**
 * Shifts time forward by `ms` and fires the alarm as workerd would once it is due. The armed
 * alarm keeps its old (future) time, so only runDurableObjectAlarm fires it: arming a past time
 * would let workerd fire it by itself, racing the test.
 */
export async function fireAfter(tenantId: string, ms: number): Promise<boolean> {
  await travel(tenantId, ms);
  return runDurableObjectAlarm(scheduler(tenantId));
}

/** Slot content rows: table, id column, and the other required columns with their test values. */
const SLOT_ROWS: Record<string, { table: string; id: string; values: Record<string, string | number> }> = {
  banner: { table: 'banners', id: 'banner_id', values: { placement: 'home', image_url: 'https://img.test/b.png', link_url: 'https://app.test/', title: 'Banner' } },
  announcement: { table: 'announcements', id: 'announcement_id', values: { title: 'Announcement', body: 'text' } },
  recommendation_slot: { table: 'recommendation_slots', id: 'slot_id', values: { scenario: 'home', position: 1, item_id: 'i1' } },
};

/** A draft banner / announcement / slot row (slot content a schedule points at must exist). */
export async function seedSlot(tenantId: string, kind: string, id: string): Promise<void> {
  const t = SLOT_ROWS[kind];
  if (!t) return;
  const now = new Date().toISOString();
  const cols = Object.keys(t.values);
  await env.CATALOGUE.prepare(
    `INSERT OR IGNORE INTO ${t.table} (tenant_id, ${t.id}, created_at, updated_at, ${cols.join(', ')}) VALUES (?1, ?2, ?3, ?3, ${cols.map((_, i) => `?${i + 4}`).join(', ')})`,
  )
    .bind(tenantId, id, now, ...Object.values(t.values))
    .run();
}

/**
 * Posts a schedule. The slot content it names (its own and its A/B variants') is seeded first as a
 * draft row, since contentExists fails closed: these tests are about scheduling, not existence
 * (slot-content.test.ts checks that an unknown banner is refused).
 */
export async function createSchedule(key: string, body: Record<string, unknown>, tenantId = tenantOfKey.get(key)): Promise<Response> {
  if (tenantId && typeof body.contentKind === 'string') {
    const ids = [body.contentId, ...(((body.strategy as { variants?: { contentId: unknown }[] } | undefined)?.variants ?? []).map((v) => v.contentId))];
    for (const id of ids) if (typeof id === 'string') await seedSlot(tenantId, body.contentKind, id);
  }
  return SELF.fetch(`${BASE}/schedules`, json('POST', key, body));
}

export async function createOk(key: string, body: Record<string, unknown>): Promise<ScheduleView> {
  const res = await createSchedule(key, body);
  if (res.status !== 201) throw new Error(`create: ${res.status} ${await res.text()}`);
  return (await res.json()) as ScheduleView;
}

export const inHours = (h: number) => new Date(Date.now() + h * HOUR).toISOString();

export async function publishState(tenantId: string, contentId: string) {
  return env.CATALOGUE.prepare('SELECT published, percent, occurrence, schedule_id FROM content_publish_state WHERE tenant_id = ?1 AND content_id = ?2')
    .bind(tenantId, contentId)
    .first<{ published: number; percent: number; occurrence: number; schedule_id: string }>();
}
