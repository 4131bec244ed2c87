import { BehaviourEvent, type EdgeEnv } from '@vidplat/contracts';
import { forwardToIngest } from '../../events/ingest-client.js';
import { recordRecentActions } from '../../events/recent-actions.js';
import { recommendStore } from '../../feature-store/pipeline.js';

/** Outbox rows are dropped after this many failed deliveries (the progress itself is in D1). */
const MAX_ATTEMPTS = 50;
const DRAIN_BATCH = 49;
/** Delivered events this recent are also written to the user's real-time actions. */
const RECENT_MS = 60_000;

/**
 * Sends a progress event with whatever earlier events of the tenant still wait in the outbox.
 * Runs after the response (waitUntil): forwardToIngest is bounded (attempts and time budget);
 * on failure the events stay in the D1 outbox for the next report. Downstream dedupes by eventId.
 */
export async function deliverEvents(cfg: EdgeEnv, db: D1Database, tenantId: string, fresh: BehaviourEvent[]): Promise<void> {
  const { results } = await db
    .prepare('SELECT event_id, body FROM event_outbox WHERE tenant_id = ?1 ORDER BY created_at LIMIT ?2')
    .bind(tenantId, DRAIN_BATCH)
    .all<{ event_id: string; body: string }>();
  const waiting = results.flatMap((r) => {
    const e = BehaviourEvent.safeParse(JSON.parse(r.body));
    return e.success ? [e.data] : [];
  });
  try {
    const sent = [...fresh, ...waiting];
    await forwardToIngest(cfg, sent);
    if (results.length) {
      await db.batch(results.map((r) => db.prepare('DELETE FROM event_outbox WHERE event_id = ?1').bind(r.event_id)));
    }
    // The user's own action shows on their next recommend (enrolled / completed course, started
    // video), as for client events; only what just happened (an old outbox row is left to the
    // profile snapshot, which has it by now). Never throws.
    const now = Date.now();
    const recent = sent.filter((ev) => now - Date.parse(ev.eventTime) <= RECENT_MS);
    if (recent.length) await recordRecentActions(recommendStore(cfg), recent, now);
  } catch (e) {
    console.warn('progress events kept in the outbox:', e instanceof Error ? e.message : String(e));
    const now = new Date().toISOString();
    await db.batch([
      ...fresh.map((ev) =>
        db.prepare('INSERT OR IGNORE INTO event_outbox (event_id, tenant_id, body, attempts, created_at) VALUES (?1, ?2, ?3, 1, ?4)').bind(ev.eventId, tenantId, JSON.stringify(ev), now),
      ),
      ...results.map((r) => db.prepare('UPDATE event_outbox SET attempts = attempts + 1 WHERE event_id = ?1').bind(r.event_id)),
      db.prepare('DELETE FROM event_outbox WHERE tenant_id = ?1 AND attempts >= ?2').bind(tenantId, MAX_ATTEMPTS),
    ]);
  }
}
