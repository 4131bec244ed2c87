import type {
  BroadcasterTaskView,
  CalendarResponse,
  CallbackLogRow,
  CampaignBatchView,
  CampaignView,
  ScheduleBatchResponse,
  ScheduleHistoryRow,
  ScheduleSettings,
  ScheduleTemplate,
  ScheduleView,
  SchedulingStats,
  ApiError,
  NotificationView,
  NotifierSettings,
} from '@vidplat/contracts';
import type { z } from 'zod';
import type { Actor, Outcome } from './shared/result.js';

/**
 * The RPC surface of the scheduling Durable Objects, as the Worker's bindings see it. The binding
 * types in env.ts name these interfaces rather than the classes, so they never import the
 * implementations (which import env.ts back); each class `implements` its interface, so the two
 * cannot drift apart.
 */

export interface SchedulerRpc extends Rpc.DurableObjectBranded {
  nextAlarm(): Promise<number | null>;
  settings(): z.infer<typeof ScheduleSettings>;
  putSettings(actor: Actor, body: unknown): Promise<Outcome<z.infer<typeof ScheduleSettings>>>;
  create(actor: Actor, body: unknown): Promise<Outcome<ScheduleView>>;
  get(actor: Actor, id: string): Promise<Outcome<ScheduleView>>;
  list(actor: Actor, query: unknown): Promise<Outcome<{ items: ScheduleView[]; nextCursor: string | null }>>;
  update(actor: Actor, id: string, body: unknown): Promise<Outcome<ScheduleView>>;
  cancel(actor: Actor, id: string): Promise<Outcome<ScheduleView>>;
  batch(actor: Actor, body: unknown): Promise<Outcome<ScheduleBatchResponse>>;
  pause(actor: Actor, id: string): Promise<Outcome<ScheduleView>>;
  resume(actor: Actor, id: string, body: unknown): Promise<Outcome<ScheduleView>>;
  rollback(actor: Actor, id: string): Promise<Outcome<ScheduleView>>;
  promote(actor: Actor, id: string, body: unknown): Promise<Outcome<ScheduleView>>;
  executeNow(actor: Actor, id: string): Promise<Outcome<ScheduleView>>;
  executeDue(actor: Actor): Promise<Outcome<{ ran: number }>>;
  templates(): Promise<Outcome<ScheduleTemplate[]>>;
  createTemplate(actor: Actor, body: unknown): Promise<Outcome<ScheduleTemplate>>;
  updateTemplate(actor: Actor, id: string, body: unknown): Promise<Outcome<ScheduleTemplate>>;
  deleteTemplate(actor: Actor, id: string): Promise<Outcome<true>>;
  applyTemplate(actor: Actor, id: string, body: unknown): Promise<Outcome<ScheduleView>>;
  historyOf(actor: Actor, id: string | null, limit?: number): Promise<Outcome<ScheduleHistoryRow[]>>;
  stats(actor: Actor): Promise<Outcome<SchedulingStats>>;
  calendar(actor: Actor, query: unknown): Promise<Outcome<CalendarResponse>>;
  importLegacy(actor: Actor, rows: unknown[]): Promise<Outcome<{ created: number; results: { index: number; ok: boolean; id?: string; error?: ApiError }[] }>>;
}

export interface BroadcasterRpc extends Rpc.DurableObjectBranded {
  nextAlarm(): Promise<number | null>;
  putTask(actor: Actor, body: unknown): Promise<Outcome<BroadcasterTaskView>>;
  deleteTask(actor: Actor, taskId: string): Promise<Outcome<true>>;
  setActive(actor: Actor, active: boolean, taskId?: string): Promise<Outcome<{ tasks: BroadcasterTaskView[] }>>;
  status(): Promise<Outcome<{ running: boolean; nextAlarmAt: string | null; tasks: BroadcasterTaskView[] }>>;
  log(taskId: string | null, limit?: number): Promise<Outcome<CallbackLogRow[]>>;
  trigger(actor: Actor, taskId?: string): Promise<Outcome<CallbackLogRow[]>>;
}

export interface CampaignRpc extends Rpc.DurableObjectBranded {
  create(actor: Actor, id: string, body: unknown): Promise<Outcome<CampaignView>>;
  get(): Promise<Outcome<CampaignView>>;
  batches(): Promise<Outcome<CampaignBatchView[]>>;
  schedule(body: unknown): Promise<Outcome<CampaignView>>;
  sendNow(): Promise<Outcome<CampaignView>>;
  pause(): Promise<Outcome<CampaignView>>;
  resume(): Promise<Outcome<CampaignView>>;
  cancel(): Promise<Outcome<CampaignView>>;
}

export interface NotifierRpc extends Rpc.DurableObjectBranded {
  accept(tenantId: string, events: unknown[]): Promise<Outcome<{ accepted: number; duplicates: number }>>;
  settings(actor: Actor): Promise<Outcome<NotifierSettings>>;
  putSettings(actor: Actor, body: unknown): Promise<Outcome<NotifierSettings>>;
  notifications(actor: Actor, query: unknown): Promise<Outcome<{ items: NotificationView[] }>>;
  notification(actor: Actor, id: string): Promise<Outcome<NotificationView>>;
  retryFailed(actor: Actor): Promise<Outcome<{ requeued: number }>>;
}
