import { z } from 'zod';
import { access, ApiRoutes, defineRoute, json } from '../http/api-routes.js';
import { edgeConfig } from '../env.js';
import { featureStore } from '../feature-store/redis.js';

/** GET /healthz: the edge and the dependencies it reaches, each with ok and latency. */
const Probe = z.object({ ok: z.boolean(), ms: z.number(), error: z.string().optional() });
const Health = z.object({ ok: z.boolean(), deps: z.object({ featureStore: Probe, ingest: Probe }) });

export const healthRoutes = new ApiRoutes().endpoint(defineRoute({ method: 'get', path: '/healthz', tags: ['ops'], access: access.public(), responses: { 200: json(Health, 'every dependency answered'), 503: json(Health, 'a dependency failed (see deps)') } }), async (c) => {
  const cfg = edgeConfig(c.env);
  const probe = async (fn: () => Promise<unknown>) => {
    const t0 = Date.now();
    try {
      await fn();
      return { ok: true, ms: Date.now() - t0 };
    } catch (e) {
      return { ok: false, ms: Date.now() - t0, error: e instanceof Error ? e.message : String(e) };
    }
  };
  const [featureStoreStatus, ingest] = await Promise.all([
    probe(() => featureStore(cfg).ping()),
    probe(async () => {
      const r = await fetch(`${cfg.INGEST_URL}/healthz`, { signal: AbortSignal.timeout(1000) });
      if (!r.ok) throw new Error(`status ${r.status}`);
    }),
  ]);
  const deps = { featureStore: featureStoreStatus, ingest };
  const ok = Object.values(deps).every((d) => d.ok);
  return c.json({ ok, deps }, ok ? 200 : 503);
});
