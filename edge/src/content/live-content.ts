import { isVisible, type SlotContentKind, type Viewer } from '@vidplat/contracts';
import type { Context } from 'hono';
import type { AppEnv } from '../env.js';
import { waitUntilOf } from '../tenancy/swr-cache.js';
import { servedArm, type ServedArm } from './exposures.js';
import { publishStatesOf, regionOf, stateOf, type TenantPublishStates } from './visibility.js';

/**
 * Which published slot content a viewer sees: the row's status said `published`; a non-trivial
 * publish state (progressive, regional, A/B) then decides per viewer with the visibility rule.
 * Without a user (an anonymous app visitor) a partial rollout or an A/B split cannot place them in a
 * bucket, so such content stays hidden from them; regional timing still applies.
 */
/** A viewer of the app APIs: anonymous visitors have no user id. */
export type AppViewer = Omit<Viewer, 'userId'> & { userId: string | null };

export interface Served<T> {
  content: T;
  arm?: ServedArm;
}

export function visibleSlotContent<T extends { id: string }>(states: TenantPublishStates, kind: SlotContentKind, rows: T[], viewer: AppViewer): Served<T>[] {
  const out: Served<T>[] = [];
  for (const content of rows) {
    const state = stateOf(states, kind, content.id);
    if (!state) {
      out.push({ content });
      continue;
    }
    if (viewer.userId === null) {
      // A promoted A/B winner (one variant at 100 %) is everyone's, anonymous visitors included.
      if (state.percent < 100 || (Array.isArray(state.variants) && !state.variants.some((v) => v.percent >= 100))) continue;
      if (isVisible(state, content.id, { ...viewer, userId: '' })) out.push({ content });
      continue;
    }
    if (!isVisible(state, content.id, { ...viewer, userId: viewer.userId })) continue;
    const arm = servedArm(state, viewer.userId);
    out.push(arm ? { content, arm } : { content });
  }
  return out;
}

/** The request's viewer and the tenant's publish states (isolate cache, refresh-ahead). */
export async function viewerStates(c: Context<AppEnv>, tenantId: string, userId: string | null): Promise<{ states: TenantPublishStates; viewer: AppViewer }> {
  const now = Date.now();
  const states = await publishStatesOf(c.env.CATALOGUE, tenantId, waitUntilOf(c), now);
  return { states, viewer: { userId, region: regionOf(c.req.raw, c.env.REGION_FROM_HEADER === '1'), nowMs: now } };
}
