import { UPDATE_BATCH_MAX } from '@vidplat/contracts';
import type { Producer } from '../kafka/client.js';

/**
 * Sends window updates to an `*-updates` topic as batch messages (contracts: *UpdateBatch): per
 * tenant, up to UPDATE_BATCH_MAX updates each, keyed by tenant. Each update is serialised once and
 * spliced into its batch. Chunks go out concurrently; librdkafka keeps per-partition order.
 */
export async function sendUpdateBatches<T>(producer: Producer, topic: string, items: readonly T[], tenantOf: (x: T) => string, toUpdate: (x: T) => object | string): Promise<void> {
  if (items.length === 0) return;
  const messages = buildUpdateBatches(items, tenantOf, toUpdate);
  const sends: Promise<unknown>[] = [];
  for (let i = 0; i < messages.length; i += 200) sends.push(producer.send({ topic, messages: messages.slice(i, i + 200) }));
  await Promise.all(sends);
}

/** The batch messages sendUpdateBatches sends. */
export function buildUpdateBatches<T>(items: readonly T[], tenantOf: (x: T) => string, toUpdate: (x: T) => object | string): { key: string; value: string }[] {
  const byTenant = new Map<string, string[]>();
  for (const x of items) {
    const t = tenantOf(x);
    let list = byTenant.get(t);
    if (!list) byTenant.set(t, (list = []));
    const u = toUpdate(x);
    // A string is the update already serialised (hand-written JSON on the hot item-heat path).
    list.push(typeof u === 'string' ? u : JSON.stringify(u));
  }
  const messages: { key: string; value: string }[] = [];
  for (const [tenantId, updates] of byTenant) {
    const head = `{"tenantId":${JSON.stringify(tenantId)},"updates":[`;
    for (let i = 0; i < updates.length; i += UPDATE_BATCH_MAX) messages.push({ key: tenantId, value: `${head}${updates.slice(i, i + UPDATE_BATCH_MAX).join(',')}]}` });
  }
  return messages;
}
