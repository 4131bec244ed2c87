import { DurableObject } from 'cloudflare:workers';
import {
  apiErrorFromZod,
  NotificationEvent,
  NotificationListQuery,
  NotifierSettings,
  type NotificationView,
} from '@vidplat/contracts';
import { z } from 'zod';
import type { Bindings } from '../../env.js';
import { armAlarmAt } from '../alarm.js';
import type { NotifierRpc } from '../rpc.js';
import { schedulingConfig } from '../shared/config.js';
import { fail, ok, type Actor, type Outcome } from '../shared/result.js';
import { deliverDue } from './delivery.js';
import { takeIn } from './intake.js';
import { listNotifications } from './log.js';
import { migrate, nextWakeAt, readMeta, readSettings, writeMeta, writeSettings, type NotifierStore } from './store.js';

/**
 * One per tenant: delivers what the tenant's Scheduler hands over (reminders, subscriber
 * notifications, gate failures) to the tenant's webhooks and, through the messaging API, to the
 * content's subscribers. A Durable Object rather than a Node consumer of the schedule topic:
 * the tenant's webhook settings, subscriptions and LINE links live at the edge (its SQLite and
 * D1), the hand-off from the Scheduler is a transactional outbox one RPC away (no dependence on
 * the Kafka path for something as time-bound as a reminder), and its alarm gives durable retry
 * timers per delivery with nothing else to deploy. The class is a shell over intake, delivery and log.
 */
export class Notifier extends DurableObject<Bindings> implements NotifierRpc {
  private readonly store: NotifierStore;

  constructor(ctx: DurableObjectState, env: Bindings) {
    super(ctx, env);
    this.store = { sql: ctx.storage.sql, storage: ctx.storage, env, tenantId: () => readMeta(ctx.storage.sql, 'tenant_id') };
    ctx.blockConcurrencyWhile(async () => migrate(ctx.storage.sql));
  }

  private bind(tenantId: string): void {
    if (readMeta(this.store.sql, 'tenant_id') !== tenantId) writeMeta(this.store.sql, 'tenant_id', tenantId);
  }

  private async rearm(): Promise<void> {
    await armAlarmAt(this.ctx.storage, nextWakeAt(this.store.sql));
  }

  override async alarm(): Promise<void> {
    // Bounded per run; anything left due keeps the alarm at "now".
    await deliverDue(this.store, Date.now());
    await this.rearm();
  }

  /** The Scheduler's hand-off (at-least-once; repeats are recognised by event id). */
  async accept(tenantId: string, events: unknown[]): Promise<Outcome<{ accepted: number; duplicates: number }>> {
    const p = z.array(NotificationEvent).safeParse(events);
    if (!p.success) return { ok: false, status: 400, error: apiErrorFromZod(p.error, 'invalid_body') };
    this.bind(tenantId);
    const r = await takeIn(this.store, tenantId, p.data);
    await this.rearm();
    return ok(r);
  }

  async settings(actor: Actor): Promise<Outcome<NotifierSettings>> {
    this.bind(actor.tenantId);
    return ok(readSettings(this.store.sql));
  }

  async putSettings(actor: Actor, body: unknown): Promise<Outcome<NotifierSettings>> {
    if (actor.role !== 'senior' && actor.role !== 'super') return fail(403, 'forbidden', 'notification settings need senior or super');
    const p = NotifierSettings.safeParse(body);
    if (!p.success) return { ok: false, status: 400, error: apiErrorFromZod(p.error) };
    const ids = new Set<string>();
    const secrets = schedulingConfig(this.env).secrets;
    for (const [i, w] of p.data.webhooks.entries()) {
      if (ids.has(w.id)) return fail(400, 'invalid_field', `webhook id ${w.id} is used twice`, `webhooks.${i}.id`);
      ids.add(w.id);
      if (!secrets[w.secretRef]) return fail(400, 'invalid_field', `no webhook secret named ${w.secretRef} is configured`, `webhooks.${i}.secretRef`);
    }
    this.bind(actor.tenantId);
    writeSettings(this.store.sql, p.data);
    return ok(p.data);
  }

  async notifications(actor: Actor, query: unknown): Promise<Outcome<{ items: NotificationView[] }>> {
    const p = NotificationListQuery.safeParse(query);
    if (!p.success) return { ok: false, status: 400, error: apiErrorFromZod(p.error, 'invalid_query') };
    this.bind(actor.tenantId);
    return ok({ items: listNotifications(this.store.sql, p.data) });
  }

  async notification(actor: Actor, id: string): Promise<Outcome<NotificationView>> {
    this.bind(actor.tenantId);
    const n = listNotifications(this.store.sql, { limit: 1, id });
    return n[0] ? ok(n[0]) : fail(404, 'not_found', `no notification ${id}`);
  }

  /** Runs due deliveries now (operator "retry now" after fixing a receiver); failed ones are re-queued. */
  async retryFailed(actor: Actor): Promise<Outcome<{ requeued: number }>> {
    if (actor.role !== 'senior' && actor.role !== 'super') return fail(403, 'forbidden', 'retrying needs senior or super');
    const n = this.store.sql.exec("UPDATE deliveries SET state = 'pending', attempts = 0, next_attempt_at = ? WHERE state = 'failed'", Date.now()).rowsWritten;
    await this.rearm();
    return ok({ requeued: n });
  }
}
