import { env, SELF } from 'cloudflare:test';
import { describe, expect, it } from 'vitest';

/** Edge request metrics: counted per route pattern and status class, exposed to the operator. */
describe('edge request metrics', () => {
  it('counts requests by route pattern (not raw path) and status, with a latency histogram', async () => {
    for (let i = 0; i < 3; i++) await SELF.fetch('https://edge.test/admin');
    await SELF.fetch('https://edge.test/v1/admin/analytics/overview?from=2026-11-01&to=2026-11-02'); // 401, no key
    await SELF.fetch('https://edge.test/no/such/path/42');
    const res = await SELF.fetch('https://edge.test/v1/platform/metrics', { headers: { authorization: `Bearer ${env.ADMIN_API_KEY}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    const value = (line: string) => Number(text.split('\n').find((l) => l.startsWith(line))?.split(' ').at(-1));
    expect(value('edge_requests_total{method="GET",route="/admin",status="2xx"}')).toBeGreaterThanOrEqual(3);
    expect(value('edge_requests_total{method="GET",route="/v1/admin/analytics/overview",status="4xx"}')).toBeGreaterThanOrEqual(1);
    expect(value('edge_requests_total{method="GET",route="unmatched",status="4xx"}')).toBeGreaterThanOrEqual(1);
    expect(text).not.toContain('/no/such/path/42');
    const count = value('edge_request_duration_ms_count{method="GET",route="/admin",status="2xx"}');
    expect(value('edge_request_duration_ms_bucket{method="GET",route="/admin",status="2xx",le="+Inf"}')).toBe(count);
  });

  it('is for the platform operator only; JSON on request', async () => {
    expect((await SELF.fetch('https://edge.test/v1/platform/metrics')).status).toBe(401);
    const res = await SELF.fetch('https://edge.test/v1/platform/metrics?format=json', { headers: { authorization: `Bearer ${env.ADMIN_API_KEY}` } });
    const body = (await res.json()) as { series: { route: string; count: number }[] };
    expect(body.series.some((s) => s.route === '/v1/platform/metrics')).toBe(true);
  });
});
