import { parseEnv, SchedulingEnv } from '@vidplat/contracts';
import type { Bindings } from '../../env.js';

export type SchedulingConfig = SchedulingEnv & { secrets: Record<string, string> };

const cache = new WeakMap<object, SchedulingConfig>();

/** Scheduling's vars and secrets, validated once per env object (a bad one names the variable). */
export function schedulingConfig(b: Bindings): SchedulingConfig {
  let c = cache.get(b);
  if (!c) {
    const parsed = parseEnv(SchedulingEnv, b as unknown as Record<string, string | undefined>);
    c = { ...parsed, secrets: JSON.parse(parsed.BROADCAST_WEBHOOK_SECRETS) as Record<string, string> };
    cache.set(b, c);
  }
  return c;
}
