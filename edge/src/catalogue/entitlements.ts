import { z } from 'zod';
import { CreateEnrolmentRequest, EnrolmentView, MembershipView, PutMembershipRequest, TRIAL_ENROLMENT_DAYS, uuidv7 } from '@vidplat/contracts';
import type { AppEnv } from '../env.js';
import { errorBody } from '../http/errors.js';
import { access, ApiRoutes, defineRoute, empty, json, jsonBody } from '../http/api-routes.js';
import { canSeeCourse } from './access-control.js';
import { bad, body, forbidden, HttpFail, isManager, MANAGER_ROLES, notFound, nowIso, requireUser } from './http.js';
import { getCourseRow } from './rows.js';
import { emit, enrolEvent } from './server-events.js';

/** ISO times are stored normalised (UTC, ms) so string comparison in SQL is time comparison. */
const norm = (iso: string) => new Date(iso).toISOString();

export interface EnrolmentRow {
  enrolment_id: string;
  tenant_id: string;
  user_id: string;
  course_id: string;
  kind: 'free' | 'paid' | 'trial';
  order_id: string | null;
  price_paid_cents: number;
  valid_from: string;
  valid_until: string | null;
  created_at: string;
}
export interface MembershipRow {
  tenant_id: string;
  user_id: string;
  plan: string;
  valid_from: string;
  valid_until: string;
}

export const isActive = (r: { valid_from: string; valid_until: string | null }, now: string) => r.valid_from <= now && (r.valid_until === null || r.valid_until > now);

const toEnrolment = (r: EnrolmentRow, now: string): EnrolmentView => ({
  enrolmentId: r.enrolment_id,
  tenantId: r.tenant_id,
  userId: r.user_id,
  courseId: r.course_id,
  kind: r.kind,
  orderId: r.order_id,
  pricePaidCents: r.price_paid_cents,
  validFrom: r.valid_from,
  validUntil: r.valid_until,
  active: isActive(r, now),
});

export const enrolmentsOf = (db: D1Database, tenantId: string, userId: string, courseId: string) =>
  db.prepare('SELECT * FROM enrolments WHERE tenant_id = ?1 AND user_id = ?2 AND course_id = ?3').bind(tenantId, userId, courseId).all<EnrolmentRow>();

export const membershipOf = (db: D1Database, tenantId: string, userId: string) =>
  db.prepare('SELECT * FROM memberships WHERE tenant_id = ?1 AND user_id = ?2').bind(tenantId, userId).first<MembershipRow>();

const tags = ['entitlements'];

export const entitlementRoutes = new ApiRoutes()
  .endpoint(defineRoute({ method: 'post', path: '/v1/courses/{courseId}/enrolments', tags, access: access.keyOrUserToken(), description: 'End users enrol themselves (free, trial); paid enrolments and explicit validity need a manager key. The same order id again answers 200 with the recorded enrolment.', request: { params: z.object({ courseId: z.string() }), body: jsonBody(CreateEnrolmentRequest) }, responses: { 200: json(EnrolmentView, 'already recorded (same order)'), 201: json(EnrolmentView, 'enrolled') }, errors: [400, 403, 404, 409] }), async (c) => {
    const b = await body(c, CreateEnrolmentRequest);
    if (b instanceof HttpFail) return b.res;
    const p = c.var.principal;
    const db = c.env.CATALOGUE;
    const manager = isManager(p.role);
    const course = await getCourseRow(db, p.tenantId, c.req.param('courseId'));
    if (!course || !canSeeCourse(p, course)) return notFound(c, 'course', 'courseId');
    let userId: string;
    if (manager && b.userId) userId = b.userId;
    else {
      const u = requireUser(c);
      if (u instanceof HttpFail) return u.res;
      if (b.userId && b.userId !== u) return forbidden(c, 'end users enrol themselves only');
      userId = u;
    }
    // Only a catalogue manager (the order system) records payments or sets validity by hand.
    if (!manager && (b.kind === 'paid' || b.orderId !== undefined || b.validFrom !== undefined || b.validUntil !== undefined || b.pricePaidCents > 0)) {
      return forbidden(c, 'paid enrolments and explicit validity need a manager key');
    }
    if (!manager && course.status !== 'published') return forbidden(c, 'the course is not published');
    const now = nowIso();
    let validFrom = b.validFrom ? norm(b.validFrom) : now;
    let validUntil = b.validUntil ? norm(b.validUntil) : null;
    if (b.kind === 'free' && course.access !== 'free' && course.price_cents > 0) return bad(c, 'kind', 'this course is not free');
    if (b.kind === 'paid' && !b.orderId) return bad(c, 'orderId', 'a paid enrolment needs the order id');
    if (b.kind === 'trial') {
      if (course.access !== 'paid') return bad(c, 'kind', 'trials exist for paid courses only');
      const { results } = await enrolmentsOf(db, p.tenantId, userId, course.course_id);
      // One trial per user and course, ever: a new trial cannot extend an old one.
      if (results.some((e) => e.kind === 'trial')) return c.json(errorBody('conflict', 'this user already had a trial of this course', 'kind'), 409);
      if (!manager || b.validUntil === undefined) validUntil = new Date(Date.parse(validFrom) + TRIAL_ENROLMENT_DAYS * 86_400_000).toISOString();
    }
    if (validUntil !== null && validUntil <= validFrom) return bad(c, 'validUntil', 'validUntil must be after validFrom');
    if (b.orderId) {
      const dup = await db.prepare('SELECT * FROM enrolments WHERE tenant_id = ?1 AND order_id = ?2').bind(p.tenantId, b.orderId).first<EnrolmentRow>();
      if (dup) {
        // Retried purchase: the same order for the same user and course is the same enrolment.
        if (dup.user_id === userId && dup.course_id === course.course_id) {
          // The same enrolment fact again: the same enrol event (same id and time), deduped downstream.
          await emit(c, p.tenantId, [await enrolEvent(p.tenantId, dup)]);
          return c.json(toEnrolment(dup, now), 200);
        }
        return c.json(errorBody('conflict', `order ${b.orderId} is already recorded`, 'orderId'), 409);
      }
    }
    validFrom = norm(validFrom);
    const id = uuidv7();
    await db
      .prepare(
        `INSERT INTO enrolments (enrolment_id, tenant_id, user_id, course_id, kind, order_id, price_paid_cents, valid_from, valid_until, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)`,
      )
      .bind(id, p.tenantId, userId, course.course_id, b.kind, b.orderId ?? null, b.pricePaidCents, validFrom, validUntil, now)
      .run();
    const row = (await db.prepare('SELECT * FROM enrolments WHERE enrolment_id = ?1').bind(id).first<EnrolmentRow>())!;
    await emit(c, p.tenantId, [await enrolEvent(p.tenantId, row)]);
    return c.json(toEnrolment(row, now), 201);
  })
  .endpoint(defineRoute({ method: 'get', path: '/v1/me/enrolments', tags, access: access.keyOrUserToken(), responses: { 200: json(z.object({ items: z.array(EnrolmentView) })) }, errors: [400] }), async (c) => {
    const u = requireUser(c);
    if (u instanceof HttpFail) return u.res;
    const { results } = await c.env.CATALOGUE.prepare('SELECT * FROM enrolments WHERE tenant_id = ?1 AND user_id = ?2 ORDER BY created_at DESC')
      .bind(c.var.principal.tenantId, u)
      .all<EnrolmentRow>();
    const now = nowIso();
    return c.json({ items: results.map((r) => toEnrolment(r, now)) });
  })
  .endpoint(defineRoute({ method: 'put', path: '/v1/memberships/{userId}', tags, access: access.key(...MANAGER_ROLES), request: { params: z.object({ userId: z.string() }), body: jsonBody(PutMembershipRequest) }, responses: { 200: json(MembershipView) }, errors: [400] }), async (c) => {
    const b = await body(c, PutMembershipRequest);
    if (b instanceof HttpFail) return b.res;
    const from = norm(b.validFrom);
    const until = norm(b.validUntil);
    if (until <= from) return bad(c, 'validUntil', 'validUntil must be after validFrom');
    const userId = c.req.param('userId');
    if (!/^[A-Za-z0-9_.:-]{1,128}$/.test(userId)) return bad(c, 'userId', 'invalid user id');
    const { tenantId } = c.var.principal;
    await c.env.CATALOGUE.prepare(
      `INSERT INTO memberships (tenant_id, user_id, plan, valid_from, valid_until, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6)
       ON CONFLICT (tenant_id, user_id) DO UPDATE SET plan = excluded.plan, valid_from = excluded.valid_from, valid_until = excluded.valid_until, updated_at = excluded.updated_at`,
    )
      .bind(tenantId, userId, b.plan, from, until, nowIso())
      .run();
    return c.json({ tenantId, userId, plan: b.plan, validFrom: from, validUntil: until, active: isActive({ valid_from: from, valid_until: until }, nowIso()) });
  })
  .endpoint(defineRoute({ method: 'get', path: '/v1/memberships/{userId}', tags, access: access.keyOrUserToken(), request: { params: z.object({ userId: z.string() }) }, responses: { 200: json(MembershipView) }, errors: [404] }), async (c) => {
    const p = c.var.principal;
    const userId = c.req.param('userId');
    if (!isManager(p.role) && p.userId !== userId) return forbidden(c, 'users see their own membership only');
    const m = await membershipOf(c.env.CATALOGUE, p.tenantId, userId);
    if (!m) return notFound(c, 'membership', 'userId');
    return c.json({ tenantId: m.tenant_id, userId: m.user_id, plan: m.plan, validFrom: m.valid_from, validUntil: m.valid_until, active: isActive(m, nowIso()) });
  });
