import { DurableObject } from 'cloudflare:workers';
import { alarmLateness, campaignBatches, campaignFailures } from '../../admin/counters.js';
import {
  apiErrorFromZod,
  CreateCampaignRequest,
  ScheduleCampaignRequest,
  uuidv7,
  type CampaignBatchView,
  type CampaignView,
} from '@vidplat/contracts';
import type { Bindings } from '../../env.js';
import type { CampaignRpc } from '../rpc.js';
import { schedulingConfig } from '../shared/config.js';
import { backoffMs, fail, iso, isoOrNull, ok, type Actor, type Outcome } from '../shared/result.js';
import { MessagingApi, type SendResult } from './messaging-api.js';
import { planDelivery } from './delivery-plan.js';
import { missingDefault } from './message-template.js';
import { occurrenceAt, type RecurrenceRule } from '../schedules/recurrence.js';
import { isValidTimeZone } from '../schedules/zoned-time.js';

type CampaignRow = {
  id: string;
  tenant_id: string;
  name: string;
  message: string;
  audience: string;
  send_at: number | null;
  status: CampaignView['status'];
  batch_size: number;
  rate_per_second: number;
  max_retries: number;
  sent_count: number;
  error: string | null;
  resolved: number;
  next_send_at: number;
  recurrence: string | null;
  run_no: number;
  first_send_at: number | null;
  run_started_at: number | null;
  created_by: string;
  created_at: number;
  updated_at: number;
};

type BatchRow = {
  batch_no: number;
  size: number;
  state: CampaignBatchView['state'];
  idempotency_key: string;
  attempts: number;
  last_error: string | null;
  sent_at: number | null;
  next_attempt_at: number;
};

const SCHEMA = `
CREATE TABLE IF NOT EXISTS campaign (
  id TEXT PRIMARY KEY, tenant_id TEXT NOT NULL, name TEXT NOT NULL, message TEXT NOT NULL, audience TEXT NOT NULL,
  send_at INTEGER, status TEXT NOT NULL, batch_size INTEGER NOT NULL, rate_per_second REAL NOT NULL,
  max_retries INTEGER NOT NULL, sent_count INTEGER NOT NULL DEFAULT 0, error TEXT, resolved INTEGER NOT NULL DEFAULT 0,
  next_send_at INTEGER NOT NULL DEFAULT 0, created_by TEXT NOT NULL, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);
-- Recipients are fixed (and assigned to batches) once, when sending starts.
CREATE TABLE IF NOT EXISTS recipients (user_id TEXT PRIMARY KEY, batch_no INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS recipients_batch ON recipients(batch_no);
-- One row per batch: the checkpoint. 'sending' = a request may have left; its retry reuses the key.
CREATE TABLE IF NOT EXISTS batches (
  batch_no INTEGER PRIMARY KEY, size INTEGER NOT NULL, state TEXT NOT NULL, idempotency_key TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT, sent_at INTEGER, next_attempt_at INTEGER NOT NULL DEFAULT 0);
-- This run's rendered text per batch (template variables make texts differ between batches).
CREATE TABLE IF NOT EXISTS batch_texts (batch_no INTEGER PRIMARY KEY, text TEXT NOT NULL);
-- Audience users of this run without a linked LINE user id: counted, never sent.
CREATE TABLE IF NOT EXISTS skipped (user_id TEXT PRIMARY KEY);
-- Finished runs of a recurring campaign, with their delivery statistics.
CREATE TABLE IF NOT EXISTS runs (
  run_no INTEGER PRIMARY KEY, started_at INTEGER, completed_at INTEGER NOT NULL, recipients INTEGER NOT NULL,
  sent INTEGER NOT NULL, failed INTEGER NOT NULL, skipped INTEGER NOT NULL, pending INTEGER NOT NULL);
-- Consecutive alarm runs that threw (reset by a run that completes): the backoff of the next try.
CREATE TABLE IF NOT EXISTS alarm_failures (id INTEGER PRIMARY KEY CHECK (id = 1), failures INTEGER NOT NULL, last_error TEXT NOT NULL, at INTEGER NOT NULL);
`;

/** Backoff of an alarm run that threw: 1 s, 2 s, 4 s… capped at 10 minutes. */
const ALARM_RETRY_BASE_MS = 1_000;
const ALARM_RETRY_CAP_MS = 600_000;

/**
 * One per campaign (named `<tenant>:<campaignId>`). At the send time the audience is resolved to
 * recipient ids and cut into batches of at most 500; each batch is sent to the messaging API with
 * its own idempotency key (X-Line-Retry-Key / Idempotency-Key), checkpointed as 'sending' before
 * the request leaves and 'sent' after the answer. After a crash or an alarm retry a 'sending'
 * batch is re-sent with the same key, which the API accepts at most once (LINE answers 409 to a
 * key it already accepted): no recipient gets the message twice. One batch per alarm, spaced by
 * the rate limit.
 */
export class Campaign extends DurableObject<Bindings> implements CampaignRpc {
  private sql: SqlStorage;
  private busy = false;

  constructor(ctx: DurableObjectState, env: Bindings) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    ctx.blockConcurrencyWhile(async () => {
      this.sql.exec(SCHEMA);
      // Objects created before recurring campaigns: add the columns they lack.
      const cols = new Set(this.sql.exec<{ name: string }>('PRAGMA table_info(campaign)').toArray().map((c) => c.name));
      for (const [col, type] of [
        ['recurrence', 'TEXT'],
        ['run_no', 'INTEGER NOT NULL DEFAULT 0'],
        ['first_send_at', 'INTEGER'],
        ['run_started_at', 'INTEGER'],
      ] as const) {
        if (!cols.has(col)) this.sql.exec(`ALTER TABLE campaign ADD COLUMN ${col} ${type}`);
      }
    });
  }

  private row(): CampaignRow | null {
    return this.sql.exec<CampaignRow>('SELECT * FROM campaign LIMIT 1').toArray()[0] ?? null;
  }

  private view(c: CampaignRow): CampaignView {
    const b = this.sql
      .exec<{ total: number; sent: number | null; pending: number | null; failed: number | null }>(
        "SELECT COUNT(*) AS total, SUM(state = 'sent') AS sent, SUM(state IN ('pending', 'sending')) AS pending, SUM(state = 'failed') AS failed FROM batches",
      )
      .one();
    const audience = JSON.parse(c.audience) as { userIds?: string[]; segment?: string };
    const message = (JSON.parse(c.message) ?? {}) as CampaignView['message'];
    return {
      id: c.id,
      tenantId: c.tenant_id,
      name: c.name,
      message: { ...message, defaults: message.defaults ?? {} },
      audience: { ...(audience.segment ? { segment: audience.segment } : {}), userCount: audience.userIds?.length ?? 0 },
      recurrence: c.recurrence ? JSON.parse(c.recurrence) : null,
      run: c.run_no ?? 0,
      stats: this.runStats(),
      runs: this.sql
        .exec<{ run_no: number; started_at: number | null; completed_at: number; recipients: number; sent: number; failed: number; skipped: number; pending: number }>('SELECT * FROM runs ORDER BY run_no')
        .toArray()
        .map((r) => ({ run: r.run_no, startedAt: isoOrNull(r.started_at), completedAt: iso(r.completed_at), recipients: r.recipients, sent: r.sent, failed: r.failed, skipped: r.skipped, pending: r.pending })),
      sendAt: isoOrNull(c.send_at),
      status: c.status,
      batchSize: c.batch_size,
      ratePerSecond: c.rate_per_second,
      recipients: this.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM recipients').one().n,
      batches: { total: b.total, sent: b.sent ?? 0, pending: b.pending ?? 0, failed: b.failed ?? 0 },
      sentCount: c.sent_count,
      error: c.error,
      createdBy: c.created_by,
      createdAt: iso(c.created_at),
      updatedAt: iso(c.updated_at),
    };
  }

  /** This run's delivery counts, in recipients. */
  private runStats(): CampaignView['stats'] {
    const b = this.sql
      .exec<{ total: number | null; sent: number | null; failed: number | null; pending: number | null }>(
        "SELECT SUM(size) AS total, SUM(CASE WHEN state = 'sent' THEN size END) AS sent, SUM(CASE WHEN state = 'failed' THEN size END) AS failed, SUM(CASE WHEN state IN ('pending', 'sending') THEN size END) AS pending FROM batches",
      )
      .one();
    const skipped = this.sql.exec<{ n: number }>('SELECT COUNT(*) AS n FROM skipped').one().n;
    return { recipients: b.total ?? 0, sent: b.sent ?? 0, failed: b.failed ?? 0, skipped, pending: b.pending ?? 0 };
  }

  private async setStatus(status: CampaignView['status'], error: string | null = null): Promise<void> {
    this.sql.exec('UPDATE campaign SET status = ?, error = COALESCE(?, error), updated_at = ?', status, error, Date.now());
    await this.syncIndex();
  }

  /** The tenant's campaign list lives in D1 (one object per campaign cannot be listed). */
  private async syncIndex(): Promise<void> {
    const c = this.row();
    if (!c) return;
    try {
      await this.env.CATALOGUE.prepare(
        `INSERT INTO campaigns_index (tenant_id, campaign_id, name, status, send_at, sent_count, updated_at) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
         ON CONFLICT (tenant_id, campaign_id) DO UPDATE SET name = excluded.name, status = excluded.status, send_at = excluded.send_at,
           sent_count = excluded.sent_count, updated_at = excluded.updated_at`,
      )
        .bind(c.tenant_id, c.id, c.name, c.status, isoOrNull(c.send_at), c.sent_count, iso(c.updated_at))
        .run();
    } catch (e) {
      // The list is a convenience; the object itself is the truth. Next transition retries.
      console.warn('campaign index update failed', c.id, e instanceof Error ? e.message : String(e));
    }
  }

  async create(actor: Actor, id: string, body: unknown): Promise<Outcome<CampaignView>> {
    if (this.row()) return fail(409, 'conflict', `campaign ${id} exists`);
    const p = CreateCampaignRequest.safeParse(body);
    if (!p.success) return { ok: false, status: 400, error: apiErrorFromZod(p.error) };
    const d = p.data;
    const now = Date.now();
    const missing = missingDefault(d.message);
    if (missing) return fail(400, 'invalid_field', `the message uses {{${missing}}} without a default value`, `message.defaults.${missing}`);
    if (d.sendNow && d.sendAt) return fail(400, 'invalid_field', 'give sendAt or sendNow, not both', 'sendNow');
    const sendAt = d.sendNow ? now : d.sendAt ? Date.parse(d.sendAt) : null;
    if (sendAt !== null && !d.sendNow && !(sendAt > now)) return fail(400, 'invalid_field', 'sendAt must be in the future', 'sendAt');
    if (d.recurrence && !isValidTimeZone(d.recurrence.timeZone)) return fail(400, 'invalid_field', `unknown IANA time zone ${d.recurrence.timeZone}`, 'recurrence.timeZone');
    if (d.recurrence && d.recurrence.frequency !== 'once' && sendAt === null) return fail(400, 'invalid_field', 'a recurring campaign needs sendAt (its first run) or sendNow', 'sendAt');
    this.sql.exec(
      `INSERT INTO campaign (id, tenant_id, name, message, audience, send_at, status, batch_size, rate_per_second, max_retries, created_by, created_at, updated_at, recurrence, first_send_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      id,
      actor.tenantId,
      d.name,
      JSON.stringify(d.message),
      JSON.stringify(d.audience),
      sendAt,
      sendAt === null ? 'draft' : 'scheduled',
      d.batchSize,
      d.ratePerSecond,
      d.maxRetries,
      actor.id,
      now,
      now,
      d.recurrence ? JSON.stringify(d.recurrence) : null,
      sendAt,
    );
    if (sendAt !== null) await this.ctx.storage.setAlarm(sendAt);
    await this.syncIndex();
    return ok(this.view(this.row()!));
  }

  async get(): Promise<Outcome<CampaignView>> {
    const c = this.row();
    if (!c) return fail(404, 'not_found', 'no such campaign');
    // Safety net: a campaign that should be progressing always has an alarm (e.g. after the
    // runtime died in the middle of an alarm run); its batches carry their own checkpoints.
    if ((c.status === 'sending' || c.status === 'scheduled') && (await this.ctx.storage.getAlarm()) === null) {
      await this.ctx.storage.setAlarm(c.status === 'scheduled' && c.send_at ? c.send_at : Date.now());
    }
    return ok(this.view(c));
  }

  async batches(): Promise<Outcome<CampaignBatchView[]>> {
    if (!this.row()) return fail(404, 'not_found', 'no such campaign');
    return ok(
      this.sql
        .exec<BatchRow>('SELECT * FROM batches ORDER BY batch_no')
        .toArray()
        .map((b) => ({ batchNo: b.batch_no, size: b.size, state: b.state, idempotencyKey: b.idempotency_key, attempts: b.attempts, lastError: b.last_error, sentAt: isoOrNull(b.sent_at) })),
    );
  }

  async schedule(body: unknown): Promise<Outcome<CampaignView>> {
    const c = this.row();
    if (!c) return fail(404, 'not_found', 'no such campaign');
    if (c.status !== 'draft' && c.status !== 'scheduled') return fail(409, 'conflict', `campaign is ${c.status}`);
    const p = ScheduleCampaignRequest.safeParse(body);
    if (!p.success) return { ok: false, status: 400, error: apiErrorFromZod(p.error) };
    const at = Date.parse(p.data.sendAt);
    if (!(at > Date.now())) return fail(400, 'invalid_field', 'sendAt must be in the future', 'sendAt');
    // Before the first run, rescheduling also moves a recurring campaign's anchor.
    this.sql.exec("UPDATE campaign SET send_at = ?, first_send_at = CASE WHEN run_no = 0 THEN ? ELSE first_send_at END, status = 'scheduled', updated_at = ?", at, at, Date.now());
    await this.ctx.storage.setAlarm(at);
    await this.syncIndex();
    return ok(this.view(this.row()!));
  }

  /** Send now: a draft or scheduled campaign starts at once (a recurring one keeps its later runs). */
  async sendNow(): Promise<Outcome<CampaignView>> {
    const c = this.row();
    if (!c) return fail(404, 'not_found', 'no such campaign');
    if (c.status !== 'draft' && c.status !== 'scheduled') return fail(409, 'conflict', `campaign is ${c.status}`);
    const now = Date.now();
    this.sql.exec("UPDATE campaign SET send_at = ?, first_send_at = COALESCE(first_send_at, ?), status = 'scheduled', updated_at = ?", now, now, now);
    await this.ctx.storage.setAlarm(now);
    await this.syncIndex();
    return ok(this.view(this.row()!));
  }

  /** Pause: no batch starts until resume (a batch in flight still completes and is recorded). */
  async pause(): Promise<Outcome<CampaignView>> {
    const c = this.row();
    if (!c) return fail(404, 'not_found', 'no such campaign');
    if (c.status !== 'sending' && c.status !== 'scheduled') return fail(409, 'conflict', `a ${c.status} campaign cannot pause`);
    await this.ctx.storage.deleteAlarm();
    await this.setStatus('paused');
    return ok(this.view(this.row()!));
  }

  /** Resume (a paused or failed campaign): continues with the batches not yet sent. */
  async resume(): Promise<Outcome<CampaignView>> {
    const c = this.row();
    if (!c) return fail(404, 'not_found', 'no such campaign');
    if (c.status !== 'paused' && c.status !== 'failed') return fail(409, 'conflict', `a ${c.status} campaign cannot resume`);
    const next = c.resolved ? 'sending' : 'scheduled';
    this.sql.exec("UPDATE batches SET state = 'pending', attempts = 0, next_attempt_at = 0 WHERE state = 'failed'");
    this.sql.exec('UPDATE campaign SET error = NULL');
    await this.setStatus(next);
    await this.ctx.storage.setAlarm(Math.max(Date.now(), next === 'scheduled' ? (c.send_at ?? 0) : c.next_send_at));
    return ok(this.view(this.row()!));
  }

  async cancel(): Promise<Outcome<CampaignView>> {
    const c = this.row();
    if (!c) return fail(404, 'not_found', 'no such campaign');
    if (c.status === 'completed' || c.status === 'cancelled') return fail(409, 'conflict', `campaign is ${c.status}`);
    await this.ctx.storage.deleteAlarm();
    await this.setStatus('cancelled');
    return ok(this.view(this.row()!));
  }

  override async alarm(): Promise<void> {
    // One send at a time per object: a second trigger (e.g. a test driving the alarm while the
    // runtime fires it) leaves it to the run in progress, which re-arms when it finishes.
    if (this.busy) return;
    this.busy = true;
    try {
      await this.tick();
      this.sql.exec('DELETE FROM alarm_failures');
    } catch (e) {
      // Never uncaught: the runtime's own alarm retries are few and silent. Record what broke
      // where the campaign's status shows it, and try again with backoff.
      await this.alarmFailed(e);
    } finally {
      this.busy = false;
    }
  }

  private async alarmFailed(e: unknown): Promise<void> {
    const message = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    console.error('campaign alarm failed', message);
    const now = Date.now();
    this.sql.exec(
      `INSERT INTO alarm_failures (id, failures, last_error, at) VALUES (1, 1, ?, ?)
       ON CONFLICT (id) DO UPDATE SET failures = failures + 1, last_error = excluded.last_error, at = excluded.at`,
      message,
      now,
    );
    const failures = this.sql.exec<{ failures: number }>('SELECT failures FROM alarm_failures').one().failures;
    const c = this.row();
    if (!c) return;
    this.sql.exec('UPDATE campaign SET error = ?, updated_at = ? WHERE status IN (?, ?)', `alarm failed (${failures}x, retrying): ${message}`, now, 'sending', 'scheduled');
    await this.syncIndex();
    if (c.status === 'sending' || c.status === 'scheduled') await this.ctx.storage.setAlarm(now + backoffMs(ALARM_RETRY_BASE_MS, failures, ALARM_RETRY_CAP_MS));
  }

  private async tick(): Promise<void> {
    const c = this.row();
    if (!c) return;
    const now = Date.now();
    if (c.status === 'scheduled') {
      if (c.send_at === null || c.send_at > now) {
        if (c.send_at !== null) await this.ctx.storage.setAlarm(c.send_at);
        return;
      }
      alarmLateness.observe(['campaign'], now - c.send_at);
      if (!(await this.start(c))) return;
    }
    const cur = this.row()!;
    if (cur.status !== 'sending') return;
    if (cur.next_send_at > now) {
      await this.ctx.storage.setAlarm(cur.next_send_at);
      return;
    }
    alarmLateness.observe(['campaign'], Math.max(0, now - cur.next_send_at));
    await this.sendNext(cur);
  }

  /** Resolve the audience, check the quota, cut batches; false when the campaign cannot start. */
  private async start(c: CampaignRow): Promise<boolean> {
    if (!c.resolved) {
      let ids: string[];
      try {
        ids = await this.resolveAudience(c);
      } catch (e) {
        campaignFailures.inc(['audience']);
        await this.setStatus('failed', `audience: ${e instanceof Error ? e.message : String(e)}`);
        return false;
      }
      // Link lookups and rendering: a failure here (e.g. D1 unavailable) throws to the alarm's retry with backoff.
      const audience = JSON.parse(c.audience) as { variables?: Record<string, Record<string, string>> };
      const plan = await planDelivery(this.env.CATALOGUE, c.tenant_id, ids, JSON.parse(c.message), audience.variables, c.batch_size);
      this.ctx.storage.transactionSync(() => {
        // Recipients are LINE user ids (what the API addresses); unlinked users are only counted.
        plan.batches.forEach((b, n) => {
          for (const to of b.to) this.sql.exec('INSERT OR IGNORE INTO recipients (user_id, batch_no) VALUES (?, ?)', to, n);
          // The key is fixed with the batch: every retry of this batch carries the same one.
          this.sql.exec("INSERT OR IGNORE INTO batches (batch_no, size, state, idempotency_key) VALUES (?, ?, 'pending', ?)", n, b.to.length, uuidv7());
          this.sql.exec('INSERT OR REPLACE INTO batch_texts (batch_no, text) VALUES (?, ?)', n, b.text);
        });
        for (const u of plan.skipped) this.sql.exec('INSERT OR IGNORE INTO skipped (user_id) VALUES (?)', u);
        this.sql.exec('UPDATE campaign SET resolved = 1, run_started_at = ?, updated_at = ?', Date.now(), Date.now());
      });
    }
    const api = this.api();
    if (!api) {
      campaignFailures.inc(['config']);
      await this.setStatus('failed', 'MESSAGING_API_URL is not configured');
      return false;
    }
    const needed = this.sql.exec<{ n: number | null }>("SELECT SUM(size) AS n FROM batches WHERE state != 'sent'").one().n ?? 0;
    const quota = await api.remainingQuota();
    if (quota !== null && quota < needed) {
      campaignFailures.inc(['quota']);
      await this.setStatus('failed', `quota: ${needed} messages needed, ${quota} left this month`);
      return false;
    }
    await this.setStatus('sending');
    return true;
  }

  private async resolveAudience(c: CampaignRow): Promise<string[]> {
    const a = JSON.parse(c.audience) as { userIds?: string[]; segment?: string };
    const ids = [...(a.userIds ?? [])];
    const m = a.segment ? /^enrolled:(.+)$/.exec(a.segment) : null;
    if (m) {
      const r = await this.env.CATALOGUE.prepare('SELECT DISTINCT user_id FROM enrolments WHERE tenant_id = ?1 AND course_id = ?2')
        .bind(c.tenant_id, m[1])
        .all<{ user_id: string }>();
      ids.push(...r.results.map((x) => x.user_id));
    }
    return ids;
  }

  private api(): MessagingApi | null {
    const cfg = schedulingConfig(this.env);
    return cfg.MESSAGING_API_URL ? new MessagingApi(cfg.MESSAGING_API_URL, cfg.MESSAGING_API_TOKEN ?? '', cfg.MESSAGING_TIMEOUT_MS) : null;
  }

  /** A batch left in 'sending' (crash, retry) goes first, with its original key. */
  private nextBatch(): BatchRow | null {
    return (
      this.sql.exec<BatchRow>("SELECT * FROM batches WHERE state IN ('sending', 'pending') ORDER BY state = 'sending' DESC, batch_no LIMIT 1").toArray()[0] ?? null
    );
  }

  private async sendNext(c: CampaignRow): Promise<void> {
    const b = this.nextBatch();
    if (!b) {
      await this.completeRun();
      return;
    }
    // Configuration can change between start and resume (e.g. a resumed campaign that had failed
    // for want of MESSAGING_API_URL): fail with the reason, never call into a missing client.
    if (!this.api()) {
      await this.setStatus('failed', 'MESSAGING_API_URL is not configured');
      return;
    }
    if (b.next_attempt_at > Date.now()) {
      await this.ctx.storage.setAlarm(b.next_attempt_at);
      return;
    }
    const result = await this.postBatch(c, b);
    await this.finishBatch(c, b, result);
  }

  /**
   * Checkpoint then send. The 'sending' write is durable before the request leaves (the output
   * gate holds outgoing messages until storage writes complete).
   */
  async postBatch(c: CampaignRow, b: BatchRow): Promise<SendResult> {
    this.sql.exec("UPDATE batches SET state = 'sending', attempts = attempts + 1 WHERE batch_no = ?", b.batch_no);
    const to = this.sql.exec<{ user_id: string }>('SELECT user_id FROM recipients WHERE batch_no = ? ORDER BY user_id', b.batch_no).toArray().map((r) => r.user_id);
    const message = JSON.parse(c.message) as { title: string; body: string; link?: string };
    const text =
      this.sql.exec<{ text: string }>('SELECT text FROM batch_texts WHERE batch_no = ?', b.batch_no).toArray()[0]?.text ??
      [message.title, message.body, message.link].filter(Boolean).join('\n');
    const api = this.api();
    if (!api) return { kind: 'rejected', error: 'MESSAGING_API_URL is not configured' };
    return api.multicast(to, text, b.idempotency_key);
  }

  /**
   * Every batch of this run is sent: a recurring campaign files the run's statistics and waits for
   * its next occurrence (the audience is resolved again then, with fresh batch keys); otherwise done.
   */
  private async completeRun(): Promise<void> {
    const c = this.row()!;
    const rule = c.recurrence ? (JSON.parse(c.recurrence) as RecurrenceRule) : null;
    const nextAt = rule && c.first_send_at !== null ? occurrenceAt(c.first_send_at, rule, (c.run_no ?? 0) + 1) : null;
    const until = rule?.until ? Date.parse(rule.until) : Infinity;
    if (nextAt === null || nextAt > until) {
      await this.setStatus('completed');
      return;
    }
    const now = Date.now();
    const s = this.runStats();
    this.ctx.storage.transactionSync(() => {
      this.sql.exec(
        'INSERT OR REPLACE INTO runs (run_no, started_at, completed_at, recipients, sent, failed, skipped, pending) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
        c.run_no ?? 0,
        c.run_started_at,
        now,
        s.recipients,
        s.sent,
        s.failed,
        s.skipped,
        s.pending,
      );
      for (const t of ['recipients', 'batches', 'batch_texts', 'skipped']) this.sql.exec(`DELETE FROM ${t}`);
      this.sql.exec("UPDATE campaign SET run_no = run_no + 1, resolved = 0, send_at = ?, run_started_at = NULL, next_send_at = 0, status = 'scheduled', updated_at = ?", nextAt, now);
    });
    await this.ctx.storage.setAlarm(Math.max(nextAt, now));
    await this.syncIndex();
  }

  private async finishBatch(c: CampaignRow, b: BatchRow, r: SendResult): Promise<void> {
    const now = Date.now();
    const attempts = b.attempts + 1;
    if (r.kind === 'accepted' || r.kind === 'duplicate') {
      this.ctx.storage.transactionSync(() => {
        const w = this.sql.exec("UPDATE batches SET state = 'sent', sent_at = ?, last_error = ? WHERE batch_no = ? AND state = 'sending'", now, r.kind === 'duplicate' ? 'accepted earlier (retry key already used)' : null, b.batch_no);
        // Count a batch once, even if two runs raced to finish it.
        if (w.rowsWritten) campaignBatches.inc(['sent']);
        if (w.rowsWritten) this.sql.exec('UPDATE campaign SET sent_count = sent_count + ?, next_send_at = ?, updated_at = ?', b.size, now + Math.ceil((b.size / c.rate_per_second) * 1000), now);
      });
    } else if (r.kind === 'rejected' || attempts > c.max_retries) {
      // A 4xx is final for this batch; a transient error becomes final after maxRetries.
      this.sql.exec("UPDATE batches SET state = 'failed', last_error = ? WHERE batch_no = ? AND state = 'sending'", r.error, b.batch_no);
      campaignBatches.inc(['failed']);
      campaignFailures.inc(['batch']);
      await this.setStatus('failed', `batch ${b.batch_no}: ${r.error}`);
      return;
    } else {
      // Stays 'sending': the retry reuses the key in case this attempt did reach the API.
      campaignBatches.inc(['retry']);
      this.sql.exec('UPDATE batches SET last_error = ?, next_attempt_at = ? WHERE batch_no = ?', r.error, now + backoffMs(schedulingConfig(this.env).CAMPAIGN_RETRY_BASE_MS, attempts, 60_000), b.batch_no);
    }
    await this.syncIndex();
    const cur = this.row()!;
    if (cur.status !== 'sending') return;
    const next = this.nextBatch();
    if (!next) {
      await this.completeRun();
      return;
    }
    await this.ctx.storage.setAlarm(Math.max(cur.next_send_at, next.next_attempt_at, now));
  }
}
