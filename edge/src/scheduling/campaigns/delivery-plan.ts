import { lineIdsOf } from '../shared/line-links.js';
import { renderMessage, variablesOf } from './message-template.js';
import type { CampaignMessage } from '@vidplat/contracts';
import type { z } from 'zod';

/**
 * One run's delivery plan: platform users → linked LINE ids (the rest skipped), each recipient's
 * rendered text, and batches of at most `batchSize` recipients that get the same text (the
 * messaging API's multicast sends one text to all its recipients).
 */
export interface DeliveryPlan {
  batches: { text: string; to: string[] }[];
  skipped: string[];
}

export async function planDelivery(
  db: D1Database,
  tenantId: string,
  userIds: string[],
  message: z.infer<typeof CampaignMessage>,
  variables: Record<string, Record<string, string>> | undefined,
  batchSize: number,
): Promise<DeliveryPlan> {
  const users = [...new Set(userIds)].sort();
  const links = await lineIdsOf(db, tenantId, users);
  const personal = variablesOf(message).length > 0;
  const groups = new Map<string, string[]>();
  const seen = new Set<string>();
  const skipped: string[] = [];
  for (const u of users) {
    const line = links.get(u);
    if (!line) skipped.push(u);
    if (!line || seen.has(line)) continue;
    seen.add(line);
    // Without variables every recipient gets the same text: one group, batches as before.
    const text = renderMessage(message, u, personal ? variables?.[u] : undefined);
    const g = groups.get(text) ?? [];
    g.push(line);
    groups.set(text, g);
  }
  const batches: DeliveryPlan['batches'] = [];
  for (const [text, to] of groups) for (let i = 0; i < to.length; i += batchSize) batches.push({ text, to: to.slice(i, i + batchSize) });
  return { batches, skipped };
}
