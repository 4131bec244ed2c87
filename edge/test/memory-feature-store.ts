import type { FeatureStore, StoreCommand } from '../src/feature-store/pipeline.js';

/** A feature store in memory answering the commands the recommend path sends; `down` makes it unreachable. */
export class MemoryStore implements FeatureStore {
  down = false;
  calls = 0;
  constructor(private readonly data: Map<string, unknown>) {}
  async pipeline(commands: StoreCommand[]): Promise<unknown[]> {
    this.calls++;
    if (this.down) throw new Error('fetch failed: connection refused');
    return commands.map(([cmd, key, ...args]) => {
      const v = this.data.get(String(key));
      if (cmd === 'get') return v ?? null;
      if (cmd === 'zrange') {
        const zs = ((v ?? []) as [string, number][]).slice().sort((a, b) => b[1] - a[1]).slice(0, Number(args[1]) + 1);
        return zs.flatMap(([m, s]) => [m, String(s)]);
      }
      if (cmd === 'hmget') return args.map((id) => ((v ?? {}) as Record<string, string>)[String(id)] ?? null);
      // The user's real-time actions and impressions (recent-actions.ts).
      if (cmd === 'lrange') return (v ?? []) as string[];
      throw new Error(`unexpected ${String(cmd)}`);
    });
  }
}
