import { z } from 'zod';
import { Envelope } from './envelope.js';
import { ItemId, Slug, UserId } from './ids.js';
import { ScheduleEventBody } from './scheduling.js';

/** Where an event happened in the product: which scenario served it and which experiment arm. */
const Context = z.object({
  userId: UserId,
  itemId: ItemId,
  scenario: Slug.optional(),
  requestId: z.string().max(64).optional().describe('recommend request that produced the impression'),
  sessionId: z.string().max(64).optional(),
  position: z.number().int().min(0).max(10_000).optional().describe('rank in the list shown'),
  experiment: z.object({ id: Slug, variant: Slug }).optional(),
  device: z.enum(['web', 'ios', 'android', 'tv', 'other']).optional(),
});

const base = Envelope.extend(Context.shape).extend({
  /**
   * Set by the platform on events that entered through the backfill path (never by a client on
   * the live path): they are in events_raw, the real-time windows skip them (counted), and their
   * windows are recomputed offline (stream CLI `recompute-windows`).
   */
  backfill: z.literal(true).optional(),
});

const PlayFields = {
  positionSeconds: z.number().min(0).max(86_400),
  durationSeconds: z.number().positive().max(86_400),
};

export const ImpressionEvent = base.extend({ type: z.literal('impression') });
export const ClickEvent = base.extend({ type: z.literal('click') });
export const PlayStartEvent = base.extend({
  type: z.literal('play_start'),
  ...PlayFields,
  /** Set by the server when it authorised the play: why it was allowed (free, trial, enrolled, member...). */
  access: z.string().regex(/^[a-z_]{1,32}$/).optional(),
});
/** Share of a video (percent of its duration) whose first crossing by a viewer the server reports. */
export const PLAY_MILESTONES = [25, 50, 75] as const;
export const PlayProgressEvent = base.extend({
  type: z.literal('play_progress'),
  ...PlayFields,
  watchedSeconds: z.number().min(0).max(86_400).describe('seconds actually watched since the last progress event'),
  /**
   * Set by the server (catalogue videos) on the event reporting the viewer's first pass over this
   * percent of the video; once per viewer, video and milestone, with a fact id.
   */
  milestone: z.union([z.literal(25), z.literal(50), z.literal(75)]).optional(),
});
export const PlayCompleteEvent = base.extend({
  type: z.literal('play_complete'),
  ...PlayFields,
  watchedSeconds: z.number().min(0).max(86_400),
});
export const LikeEvent = base.extend({ type: z.literal('like') });
/** Negative feedback: the user does not want this item ("not interested"). Never recommended to them again. */
export const DislikeEvent = base.extend({ type: z.literal('dislike') });
/** The user hid the item from a list: never recommended to them again, like a dislike. */
export const HideEvent = base.extend({ type: z.literal('hide') });
export const ShareEvent = base.extend({ type: z.literal('share'), channel: z.string().max(32).optional() });
export const CommentEvent = base.extend({ type: z.literal('comment'), length: z.number().int().min(0).max(100_000) });
export const PurchaseEvent = base.extend({
  type: z.literal('purchase'),
  orderId: z.string().min(1).max(64),
  amountCents: z.number().int().min(0),
  currency: z.string().length(3),
});
export const EnrolEvent = base.extend({
  type: z.literal('enrol'),
  courseId: ItemId,
  kind: z.enum(['free', 'paid', 'trial']),
});
/**
 * A learner completed a catalogue course (every ready video of it completed). Emitted by the edge
 * once per learner and course, when learning progress first completes the course; itemId is the
 * course (so item heat and hot courses count it), eventId and eventTime come from the stored
 * completion, so a retry or a replayed outbox row is the same event.
 */
export const CourseCompleteEvent = base.extend({
  type: z.literal('course_complete'),
  courseId: ItemId,
  /** Ready videos the course had when it was completed. */
  videos: z.number().int().min(0).max(100_000),
  /** The learner's total watch time in the course, seconds (not a play's watch time: no watchedSeconds). */
  courseWatchSeconds: z.number().min(0).max(10_000_000),
});

/**
 * A content schedule changed what is visible (scheduling): published, unpublished, a rollout step,
 * a paused rollout. itemId is the content; userId is the scheduler's system user (the acting
 * person is in `actor`), so user profiles are not skewed. Processors give it no weight.
 */
export const SCHEDULER_USER_ID = 'system.scheduler';
export const ScheduleEvent = base.extend({ type: z.literal('schedule') }).extend(ScheduleEventBody.shape);

export const BehaviourEvent = z.discriminatedUnion('type', [
  ImpressionEvent,
  ClickEvent,
  PlayStartEvent,
  PlayProgressEvent,
  PlayCompleteEvent,
  LikeEvent,
  DislikeEvent,
  HideEvent,
  ShareEvent,
  CommentEvent,
  PurchaseEvent,
  EnrolEvent,
  CourseCompleteEvent,
  ScheduleEvent,
]);
export type BehaviourEvent = z.infer<typeof BehaviourEvent>;
export type BehaviourEventType = BehaviourEvent['type'];
export const BEHAVIOUR_EVENT_TYPES = BehaviourEvent.options.map((o) => o.shape.type.value) as BehaviourEventType[];
/** Actions that say the user does not want the item: it never returns to them, its category and neighbours are demoted. */
export const NEGATIVE_EVENT_TYPES: ReadonlySet<BehaviourEventType> = new Set<BehaviourEventType>(['dislike', 'hide']);

/** What clients POST to /v1/events: up to 500 events. Each event is validated on its own. */
export const MAX_EVENTS_PER_BATCH = 500;
export const EventBatchRequest = z.object({
  events: z.array(z.unknown()).min(1).max(MAX_EVENTS_PER_BATCH),
});
export type EventBatchRequest = z.infer<typeof EventBatchRequest>;
/** The same batch as the API documents it (OpenAPI, typed client): each item a BehaviourEvent, still validated one by one at the door. */
export const EventBatchBody = z.object({ events: z.array(BehaviourEvent).min(1).max(MAX_EVENTS_PER_BATCH) });
