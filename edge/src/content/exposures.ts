import { abExposureOf, abPublishExperimentId, SCHEMA_VERSION, uuidv7, type BehaviourEvent, type ContentPublishState } from '@vidplat/contracts';
import type { Context } from 'hono';
import { edgeConfig, type AppEnv } from '../env.js';
import { forwardToIngest } from '../events/ingest-client.js';
import { stateOf, type TenantPublishStates } from './visibility.js';

/**
 * A/B publish exposures: when a reader serves content governed by a running A/B publish state, an
 * `impression` carrying the experiment and variant goes down the event path (ingest → Kafka →
 * events_raw), so the analytics experiment report counts the arms like any experiment's.
 */

export interface ServedArm {
  id: string;
  variant: string;
}

/** The arm a viewer is served for content under `state`, while the state is a running A/B. */
export function servedArm(state: ContentPublishState | undefined, userId: string | null): ServedArm | undefined {
  if (!state || !userId || !state.scheduleId) return undefined;
  const mine = abExposureOf(state, userId);
  return mine ? { id: abPublishExperimentId(state.scheduleId), variant: mine.variant } : undefined;
}

export function exposureEvents(tenantId: string, userId: string, served: { contentId: string; arm: ServedArm; scenario?: string; position?: number; requestId?: string }[]): BehaviourEvent[] {
  const eventTime = new Date().toISOString();
  return served.map((s) => ({
    eventId: uuidv7(),
    tenantId,
    eventTime,
    schemaVersion: SCHEMA_VERSION,
    type: 'impression' as const,
    userId,
    itemId: s.contentId,
    ...(s.scenario ? { scenario: s.scenario } : {}),
    ...(s.requestId ? { requestId: s.requestId } : {}),
    ...(s.position !== undefined ? { position: s.position } : {}),
    experiment: s.arm,
  }));
}

/** Sends after the response (waitUntil); an ingest outage loses an exposure, never the answer. */
export function sendExposures(c: Context<AppEnv>, events: BehaviourEvent[]): Promise<void> | undefined {
  if (!events.length) return undefined;
  const send = forwardToIngest(edgeConfig(c.env), events)
    .then(() => undefined)
    .catch((e) => console.warn('A/B publish exposure not delivered', e instanceof Error ? e.message : String(e)));
  try {
    c.executionCtx.waitUntil(send);
    return undefined;
  } catch {
    return send; // no execution context (some test harnesses): the caller awaits it
  }
}

/**
 * The A/B publish arms of an answer's items (catalogue kinds): the item is some variant's content
 * of a running A/B state and the viewer is in that variant's bucket (else it would be hidden).
 */
export function answerArms(states: TenantPublishStates, items: readonly { itemId: string }[], userId: string): Map<string, ServedArm> {
  const out = new Map<string, ServedArm>();
  if (!states.states.some((s) => Array.isArray(s.variants))) return out;
  for (const it of items) {
    for (const kind of ['video', 'series']) {
      const arm = servedArm(stateOf(states, kind, it.itemId), userId);
      if (arm) {
        out.set(it.itemId, arm);
        break;
      }
    }
  }
  return out;
}
