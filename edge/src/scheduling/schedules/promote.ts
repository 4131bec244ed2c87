import { apiErrorFromZod, PromoteWinnerRequest, type ScheduleView } from '@vidplat/contracts';
import { fail, ok, type Actor, type Outcome } from '../shared/result.js';
import { writePublishState } from './content.js';
import { recordHistory, scheduleRow, scheduleView, visibleSchedule, type SchedulerStore } from './store.js';

type AbVariant = { variant: string; contentId: string; percent: number };

/** The A/B strategy's variants, whatever the strategy kind is called (`ab`, or `ab_test`). */
function abVariants(strategyJson: string): AbVariant[] | null {
  const st = JSON.parse(strategyJson) as { kind: string; variants?: AbVariant[] };
  return (st.kind === 'ab' || st.kind === 'ab_test') && Array.isArray(st.variants) ? st.variants : null;
}

/**
 * Promote winner (senior/super): the winning variant's content is published to everyone and the
 * other variants' content hidden. The schedule's strategy is rewritten to winner 100 % / others 0 %,
 * so a later occurrence or unpublish keeps the promotion, and the publish state written now is the
 * same as the next fire would write (idempotent). With a single variant taking users the state is no
 * longer an experiment: readers stop emitting exposures. Before the schedule fired, only the plan changes.
 */
export async function promoteWinner(st: SchedulerStore, actor: Actor, id: string, body: unknown): Promise<Outcome<ScheduleView>> {
  if (actor.role !== 'senior' && actor.role !== 'super') return fail(403, 'forbidden', 'promoting a winner needs senior or super');
  const found = visibleSchedule(st.sql, actor, id);
  if (!found.ok) return found;
  const s = found.value;
  const variants = abVariants(s.strategy);
  if (!variants) return fail(409, 'conflict', `schedule ${id} is not an A/B publish`);
  const p = PromoteWinnerRequest.safeParse(body ?? {});
  if (!p.success) return { ok: false, status: 400, error: apiErrorFromZod(p.error, 'invalid_field') };
  if (!variants.some((v) => v.variant === p.data.variant)) {
    return fail(400, 'invalid_field', `no variant ${p.data.variant}; variants are ${variants.map((v) => v.variant).join(', ')}`, 'variant');
  }
  if (s.status === 'cancelled' || s.status === 'expired' || s.action !== 'publish') return fail(409, 'conflict', `schedule ${id} is ${s.status}; nothing to promote`);
  const promoted = variants.map((v) => ({ ...v, percent: v.variant === p.data.variant ? 100 : 0 }));
  const strategy = { ...(JSON.parse(s.strategy) as object), variants: promoted };
  const t0 = Date.now();
  const live = s.occurrences_done > 0 && (s.status === 'published' || s.status === 'paused');
  if (live) {
    try {
      await writePublishState(
        st.env,
        { tenantId: s.tenant_id, contentKind: s.content_kind, contentId: s.content_id, published: true, percent: 100, variants: promoted, scheduleId: s.id, occurrence: s.occurrences_done - 1, occurrenceAt: t0 },
        new Date().toISOString(),
      );
    } catch (e) {
      const msg = e instanceof Error ? e.message : String(e);
      recordHistory(st.sql, id, s.occurrences_done - 1, 'promote', actor.id, 'error', Date.now() - t0, msg);
      return fail(503, 'upstream_unavailable', `promotion did not complete, retry: ${msg}`);
    }
  }
  const now = Date.now();
  st.storage.transactionSync(() => {
    st.sql.exec('UPDATE schedules SET strategy = ?, updated_at = ? WHERE id = ?', JSON.stringify(strategy), now, id);
    recordHistory(st.sql, id, live ? s.occurrences_done - 1 : null, 'promote', actor.id, 'ok', now - t0, `winner ${p.data.variant}${live ? '' : ' (before launch: plan only)'}`);
  });
  return ok(scheduleView(st.sql, scheduleRow(st.sql, id)!));
}
