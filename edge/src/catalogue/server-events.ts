import { BehaviourEvent, PLAY_MILESTONES, SCHEMA_VERSION } from '@vidplat/contracts';
import type { Context } from 'hono';
import { edgeConfig, type AppEnv } from '../env.js';
import { factEventId } from '../events/fact-id.js';
import { deliverEvents } from './progress/event-outbox.js';

/**
 * Events the catalogue itself emits (no client needed): `enrol` when an enrolment is recorded,
 * `play_start` when play is authorised, progress milestones (25/50/75 %) and `play_complete` when
 * progress crosses them (`course_complete`: progress/course-completion.ts). Each
 * carries a fact id and a fact time (events/fact-id.ts), so a retried call emits the identical
 * event and the sinks count it once. Delivery goes through the progress outbox (D1), after the
 * response: bounded attempts now, the rest on later calls.
 *
 * Clients do not double count: these facts are the catalogue's, so client-posted events of these
 * types about catalogue content are accepted but not forwarded (events/server-owned.ts).
 */

/** Play authorisations of the same video by the same user within this window are one play. */
export const PLAY_SESSION_MS = 5 * 60_000;

export async function enrolEvent(tenantId: string, e: { enrolment_id: string; user_id: string; course_id: string; kind: 'free' | 'paid' | 'trial'; created_at: string }): Promise<BehaviourEvent> {
  const t = Date.parse(e.created_at);
  return BehaviourEvent.parse({
    eventId: await factEventId(t, tenantId, 'enrol', e.enrolment_id),
    tenantId,
    eventTime: new Date(t).toISOString(),
    schemaVersion: SCHEMA_VERSION,
    userId: e.user_id,
    itemId: e.course_id,
    type: 'enrol',
    courseId: e.course_id,
    kind: e.kind,
  });
}

/** `play_start` for an authorised play, with the access kind that allowed it (the play decision's reason). */
export async function playStartEvent(
  tenantId: string,
  userId: string,
  video: { video_id: string; duration_seconds: number },
  access: string,
  nowMs: number,
  positionSeconds: number,
): Promise<BehaviourEvent> {
  const session = Math.floor(nowMs / PLAY_SESSION_MS) * PLAY_SESSION_MS;
  return BehaviourEvent.parse({
    eventId: await factEventId(session, tenantId, 'play_start', userId, video.video_id, String(session)),
    tenantId,
    eventTime: new Date(session).toISOString(),
    schemaVersion: SCHEMA_VERSION,
    userId,
    itemId: video.video_id,
    type: 'play_start',
    access,
    positionSeconds: Math.max(0, positionSeconds),
    durationSeconds: Math.max(video.duration_seconds, 0.001),
  });
}

/**
 * Progress milestones a report crossed: the first time the viewer's furthest position passes 25,
 * 50 or 75 % of the video (the stored maximum only grows, so a retried or later report crosses
 * nothing again). Not on the report that completes the video: play_complete stands for all of them.
 */
export async function milestoneEvents(
  tenantId: string,
  userId: string,
  video: { video_id: string },
  durationSeconds: number,
  before: number,
  after: number,
  nowMs: number,
): Promise<BehaviourEvent[]> {
  const out: BehaviourEvent[] = [];
  for (const m of PLAY_MILESTONES) {
    const at = (m / 100) * durationSeconds;
    if (!(before < at && after >= at)) continue;
    out.push(
      BehaviourEvent.parse({
        eventId: await factEventId(nowMs, tenantId, 'play_milestone', userId, video.video_id, String(m)),
        tenantId,
        eventTime: new Date(nowMs).toISOString(),
        schemaVersion: SCHEMA_VERSION,
        userId,
        itemId: video.video_id,
        type: 'play_progress',
        positionSeconds: at,
        durationSeconds: Math.max(durationSeconds, 0.001),
        watchedSeconds: 0,
        milestone: m,
      }),
    );
  }
  return out;
}

/** Completion happens once per user and video: its time is the stored completed_at. */
export const completionFactId = (tenantId: string, userId: string, videoId: string, completedAt: string) =>
  factEventId(Date.parse(completedAt), tenantId, 'play_complete', userId, videoId);

/** Sends after the response (outbox-backed); never fails the request. */
export function emit(c: Context<AppEnv>, tenantId: string, events: BehaviourEvent[]): Promise<void> {
  const delivery = deliverEvents(edgeConfig(c.env), c.env.CATALOGUE, tenantId, events).catch((e) =>
    console.error('server events kept back:', e instanceof Error ? e.message : String(e)),
  );
  try {
    c.executionCtx.waitUntil(delivery);
    return Promise.resolve();
  } catch {
    return delivery; // no execution context (app.request in a unit test)
  }
}
