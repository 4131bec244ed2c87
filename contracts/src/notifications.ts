import { z } from 'zod';
import { IsoTime } from './envelope.js';
import { ItemId, Slug, UserId, UuidV7 } from './ids.js';

// ---------------------------------------------------------------------------------------------
// Notifications (Notifier Durable Object, one per tenant): what the Scheduler's reminders,
// subscriber notifications and gate failures become, and where they are delivered.

/** reminder: `remindMinutesBefore` ahead of a run; published: a publish whose schedule notifies subscribers; gate_failed: a progressive step held at a gate. */
export const NotificationKind = z.enum(['reminder', 'published', 'gate_failed']);
export type NotificationKind = z.infer<typeof NotificationKind>;

/** Retries as data (BullMQ-style): attempts in all, exponential backoff from `delayMs`, capped. */
export const RetryPolicy = z.object({
  attempts: z.number().int().min(1).max(20).default(8),
  backoff: z
    .object({ type: z.enum(['exponential', 'fixed']).default('exponential'), delayMs: z.number().int().min(100).max(3_600_000).default(5_000), maxDelayMs: z.number().int().min(100).max(86_400_000).default(900_000) })
    .default({ type: 'exponential', delayMs: 5_000, maxDelayMs: 900_000 }),
});
export type RetryPolicy = z.infer<typeof RetryPolicy>;

export const NotificationWebhook = z.object({
  id: Slug,
  url: z.string().url().refine((u) => /^https?:/.test(u), 'must be http(s)'),
  /** Name of the HMAC secret (BROADCAST_WEBHOOK_SECRETS, shared with the broadcaster); the secret stays in the environment. */
  secretRef: z.string().min(1).max(64),
  kinds: z.array(NotificationKind).min(1).default(['reminder', 'published', 'gate_failed']),
  active: z.boolean().default(true),
});
export type NotificationWebhook = z.infer<typeof NotificationWebhook>;

export const NotifierSettings = z.object({
  webhooks: z.array(NotificationWebhook).max(20).default([]),
  /** Messaging API push to the content's subscribers (through their linked LINE user ids). */
  push: z.object({ enabled: z.boolean().default(true), kinds: z.array(NotificationKind).default(['reminder', 'published']) }).default({ enabled: true, kinds: ['reminder', 'published'] }),
  retry: RetryPolicy.default({ attempts: 8, backoff: { type: 'exponential', delayMs: 5_000, maxDelayMs: 900_000 } }),
  /** Per-request timeout of a delivery; an attempt not answered in time is retried with the same key. */
  timeoutMs: z.number().int().min(500).max(60_000).default(10_000),
});
export type NotifierSettings = z.infer<typeof NotifierSettings>;

/** What the Scheduler hands to the Notifier (through its notify outbox), one per schedule event worth telling. */
export const NotificationEvent = z.object({
  /** The schedule event's id: the notification's identity (a re-sent hand-off is ignored). */
  eventId: UuidV7,
  kind: NotificationKind,
  scheduleId: UuidV7,
  occurrence: z.number().int().min(0),
  title: z.string(),
  contentKind: z.string(),
  contentId: ItemId,
  /** The run's planned time (reminder: when it will publish). */
  at: IsoTime,
  reason: z.string().optional(),
  createdAt: IsoTime,
});
export type NotificationEvent = z.infer<typeof NotificationEvent>;

/** The JSON body POSTed to a webhook; `X-Signature: sha256=<hex of HMAC(secret, timestamp.body)>`, `X-Timestamp`, `Idempotency-Key`. */
export const NotificationWebhookBody = z.object({
  idempotencyKey: z.string(),
  notificationId: z.string(),
  tenantId: z.string(),
  kind: NotificationKind,
  scheduleId: UuidV7,
  occurrence: z.number().int(),
  title: z.string(),
  contentKind: z.string(),
  contentId: ItemId,
  at: IsoTime,
  reason: z.string().optional(),
  /** Subscribers of the content at the time of the event (count only). */
  subscribers: z.number().int().min(0),
});
export type NotificationWebhookBody = z.infer<typeof NotificationWebhookBody>;

export const DeliveryState = z.enum(['pending', 'delivered', 'failed']);
export const DeliveryAttempt = z.object({ at: IsoTime, status: z.number().int().nullable(), outcome: z.enum(['delivered', 'duplicate', 'retry', 'failed', 'interrupted']), error: z.string().nullable(), durationMs: z.number().int() });
export const DeliveryView = z.object({
  idempotencyKey: z.string(),
  channel: z.enum(['webhook', 'push']),
  target: z.string().describe('webhook id, or push batch number'),
  recipients: z.number().int().min(0),
  state: DeliveryState,
  attempts: z.number().int(),
  nextAttemptAt: IsoTime.nullable(),
  deliveredAt: IsoTime.nullable(),
  lastError: z.string().nullable(),
  log: z.array(DeliveryAttempt),
});
export const NotificationView = z.object({
  id: z.string(),
  kind: NotificationKind,
  scheduleId: UuidV7,
  occurrence: z.number().int(),
  title: z.string(),
  contentKind: z.string(),
  contentId: ItemId,
  at: IsoTime,
  reason: z.string().nullable(),
  /** Subscribers found; those without a linked LINE user id are skipped for push. */
  subscribers: z.number().int(),
  skipped: z.number().int(),
  createdAt: IsoTime,
  deliveries: z.array(DeliveryView),
});
export type NotificationView = z.infer<typeof NotificationView>;
export const NotificationListQuery = z.object({
  kind: NotificationKind.optional(),
  scheduleId: UuidV7.optional(),
  state: DeliveryState.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
});
export const NotificationListResponse = z.object({ items: z.array(NotificationView) });
/** POST /v1/admin/notifications/retry-failed: how many failed deliveries went back to pending. */
export const RetryFailedResponse = z.object({ requeued: z.number().int().nonnegative() });

// ---------------------------------------------------------------------------------------------
// Subscriptions (user ↔ series / course / channel / video) and LINE links, in D1.

export const SubscriptionTargetKind = z.enum(['series', 'course', 'channel', 'video']);
export const Subscription = z.object({ userId: UserId, targetKind: SubscriptionTargetKind, targetId: Slug, createdAt: IsoTime });
export type Subscription = z.infer<typeof Subscription>;
export const CreateSubscriptionRequest = Subscription.pick({ userId: true, targetKind: true, targetId: true });
export const SubscriptionListQuery = z.object({
  userId: UserId.optional(),
  targetKind: SubscriptionTargetKind.optional(),
  targetId: Slug.optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});
export const SubscriptionListResponse = z.object({ items: z.array(Subscription) });
/** POST /v1/me/subscriptions: the acting user subscribes (the user comes from the credentials). */
export const CreateMySubscriptionRequest = CreateSubscriptionRequest.omit({ userId: true });

/** LINE user ids are `U` + 32 hex digits. */
export const LineUserId = z.string().regex(/^U[0-9a-f]{32}$/, 'a LINE user id is U followed by 32 hex digits');
export const LineLink = z.object({ userId: UserId, lineUserId: LineUserId, linkedAt: IsoTime });
export type LineLink = z.infer<typeof LineLink>;
export const PutLineLinkRequest = z.object({ lineUserId: LineUserId });
export const LineLinkListResponse = z.object({ items: z.array(LineLink) });
/** Bulk link (e.g. from LINE Login records): up to 1,000 users at once, each linked or re-linked. */
export const PutLineLinksRequest = z.object({ links: z.array(z.object({ userId: UserId, lineUserId: LineUserId })).min(1).max(1000) });
export const PutLineLinksResponse = z.object({ linked: z.number().int() });
