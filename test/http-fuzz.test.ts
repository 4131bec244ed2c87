import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createClickHouse } from '@vidplat/analytics';
import { CreatedApiKey, ErrorBody, IngestResponse, MediaTopics, parseSigningKeys, SCHEMA_VERSION, Topics, uuidv7 } from '@vidplat/contracts';
import { createKafka, createProducer, ensureTopics, kafkaSettingsFromEnv, type Producer } from '@vidplat/node-runtime/kafka';
import { HttpVideoRegistry } from '@vidplat/media-node/catalogue/video-registry';
import { hlsOriginHandler } from '@vidplat/media-node/origin/hls-origin';
import { createUploadServer, UPLOAD_PATH } from '@vidplat/media-node/uploads/upload-server';
import type {} from '@vidplat/devstack/vitest-global-setup';

/**
 * Fuzzing of the Node HTTP doors against the running stack, as api-fuzz.test.ts does for the
 * edge (fast-check, bounded runs, fixed seeds): the ingest service (POST /ingest/events) and the
 * media-node (tus uploads, HLS origin). Besides "no 5xx, every error is the error schema", the
 * "no trace" rule: a rejected write leaves nothing behind.
 * - ingest: every event answered as written reaches events_raw exactly once, and no event of a
 *   rejected batch or index (nor of a 503, which promises nothing was written) is ever there;
 * - uploads: a refused creation leaves no upload file, no video in the catalogue and no
 *   transcode job.
 */
const { env } = inject('stack');
const run = `${process.pid}-${Date.now().toString(36)}`;
const RUNS = Number(process.env.FUZZ_RUNS ?? 60);

const odd = fc.constantFrom('', ' ', 'x', '..', '%00', '\u0000', 'é'.repeat(70), '🙂'.repeat(40), 'a'.repeat(5000), '<script>', "' OR 1=1 --", 'null', '-1', '1e309', 'NaN', '2035-01-01T00:00:00.000Z', '1990-01-01T00:00:00.000Z');
const scalar = fc.oneof(fc.constantFrom(null, true, false, 0, -1, 1.5, 2 ** 31, -(2 ** 53), Number.MAX_SAFE_INTEGER, 1e308), fc.string({ maxLength: 40 }), odd);
const anyJson: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  v: fc.oneof({ depthSize: 'small' }, scalar, fc.array(tie('v'), { maxLength: 3 }), fc.dictionary(fc.string({ maxLength: 10 }), tie('v'), { maxKeys: 4 })),
})).v;

function errorBodyOk(status: number, text: string): boolean {
  try {
    return ErrorBody.safeParse(JSON.parse(text)).success;
  } catch {
    return false;
  }
}

describe('ingest fuzzing (POST /ingest/events)', () => {
  const tenant = `fz-ingest-${run}`;
  const ch = createClickHouse({ url: env.CLICKHOUSE_URL!, database: env.CLICKHOUSE_DATABASE! });
  afterAll(() => ch.close());

  /** A valid event, then maybe one field set to anything, one removed, one added. */
  /** Some of the time (weight 1 in 4) the mutation; else none. */
  const sometimes = <T,>(a: fc.Arbitrary<T>) => fc.oneof({ weight: 3, arbitrary: fc.constant(undefined) }, { weight: 1, arbitrary: a });
  const event = fc
    .record({
      set: sometimes(fc.tuple(fc.constantFrom('eventId', 'tenantId', 'eventTime', 'schemaVersion', 'type', 'userId', 'itemId', 'backfill', 'actor', 'value'), anyJson)),
      drop: sometimes(fc.constantFrom('eventId', 'tenantId', 'eventTime', 'schemaVersion', 'type', 'userId', 'itemId')),
      extra: sometimes(fc.tuple(fc.string({ minLength: 1, maxLength: 10 }), anyJson)),
      type: fc.oneof({ weight: 4, arbitrary: fc.constantFrom('click', 'like', 'dislike', 'impression', 'share') }, { weight: 1, arbitrary: fc.constantFrom('schedule', 'enrol', 'nonsense') }),
      skewMs: fc.oneof({ weight: 4, arbitrary: fc.constantFrom(0, -1000, 119_000, -6 * 86_400_000) }, { weight: 1, arbitrary: fc.constantFrom(121_000, 3_600_000, -8 * 86_400_000) }),
    })
    .map(({ set, drop, extra, type, skewMs }) => {
      const e: Record<string, unknown> = { eventId: uuidv7(), tenantId: tenant, eventTime: new Date(Date.now() + skewMs).toISOString(), schemaVersion: SCHEMA_VERSION, type, userId: 'u1', itemId: 'i1' };
      if (set) e[set[0]] = set[1];
      if (drop) delete e[drop];
      if (extra) e[extra[0]] = extra[1];
      return e;
    });
  const request = fc.oneof(
    { weight: 6, arbitrary: fc.record({ body: fc.array(event, { minLength: 1, maxLength: 5 }).map((events) => JSON.stringify({ events })), type: fc.constant('application/json'), auth: fc.constant('ok') }) },
    { weight: 1, arbitrary: fc.record({ body: fc.oneof(fc.string(), anyJson.map((v) => JSON.stringify(v) ?? 'null'), fc.constant(`{"events":[${'{"x":1},'.repeat(600)}{}]}`)), type: fc.constantFrom('application/json', 'text/plain', ''), auth: fc.constant('ok') }) },
    { weight: 1, arbitrary: fc.record({ body: fc.array(event, { minLength: 1, maxLength: 2 }).map((events) => JSON.stringify({ events })), type: fc.constant('application/json'), auth: fc.constantFrom('none', 'wrong') }) },
  );

  it('no 5xx but 503 upstream_unavailable, errors in the error schema; written events land once, rejected ones never', async () => {
    const written = new Set<string>();
    const refused = new Set<string>();
    const statuses: Record<number, number> = {};
    await fc.assert(
      fc.asyncProperty(request, async (r) => {
        const headers: Record<string, string> = {};
        if (r.type) headers['content-type'] = r.type;
        if (r.auth === 'ok') headers.authorization = `Bearer ${env.INGEST_TOKEN}`;
        else if (r.auth === 'wrong') headers.authorization = 'Bearer not-the-ingest-token';
        const res = await fetch(`${env.INGEST_URL}/ingest/events`, { method: 'POST', headers, body: r.body });
        const text = await res.text();
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        const where = `${res.status} for ${r.body.slice(0, 200)}: ${text.slice(0, 300)}`;
        if (res.status >= 500) expect(res.status, where).toBe(503);
        if (res.status >= 400) expect(errorBodyOk(res.status, text), where).toBe(true);
        if (res.status === 503) expect((JSON.parse(text) as ErrorBody).error.code, where).toBe('upstream_unavailable');
        // Which events of the batch were written (by eventId, as sent).
        let events: unknown[] = [];
        try {
          const parsed = JSON.parse(r.body) as { events?: unknown };
          if (Array.isArray(parsed?.events)) events = parsed.events;
        } catch {
          // not JSON: nothing to track
        }
        const idOf = (e: unknown) => (e && typeof e === 'object' && typeof (e as { eventId?: unknown }).eventId === 'string' ? (e as { eventId: string }).eventId : null);
        let rejectedIdx = new Set<number>(events.map((_, i) => i));
        if (res.status === 200) rejectedIdx = new Set();
        else if (res.status === 400) {
          const body = IngestResponse.partial().safeParse(JSON.parse(text));
          // A 400 naming rejected indexes wrote the others; a 400 without them wrote nothing.
          if (body.success && body.data.rejected?.length) rejectedIdx = new Set(body.data.rejected.map((x) => x.index));
          if (body.success && body.data.written !== undefined) expect(body.data.written, where).toBe(events.length - rejectedIdx.size);
        }
        events.forEach((e, i) => {
          const id = idOf(e);
          if (!id) return;
          if (rejectedIdx.has(i)) refused.add(id);
          else written.add(id);
        });
      }),
      { numRuns: RUNS, seed: 2020 },
    );
    console.log('ingest fuzz statuses', JSON.stringify(statuses), 'written', written.size, 'refused', refused.size);
    expect(written.size).toBeGreaterThan(5);
    expect(refused.size).toBeGreaterThan(5);
    for (const id of written) expect(refused.has(id)).toBe(false);

    // Every written event reaches events_raw once (the raw-events copier flushes within seconds).
    const rows = async () => {
      const r = await ch.query({
        query: 'SELECT toString(event_id) AS id, count() AS n FROM events_raw WHERE toString(event_id) IN {ids:Array(String)} GROUP BY id',
        query_params: { ids: [...written, ...refused] },
        format: 'JSONEachRow',
      });
      return r.json<{ id: string; n: string }>();
    };
    let got = await rows();
    const until = Date.now() + 90_000;
    while (got.filter((g) => written.has(g.id)).length < written.size && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 1000));
      got = await rows();
    }
    // Once the written ones are in, anything of the same batches would be too.
    await new Promise((r) => setTimeout(r, 3000));
    got = await rows();
    const lost = [...written].filter((id) => !got.some((g) => g.id === id));
    const traces = got.filter((g) => refused.has(g.id)).map((g) => g.id);
    expect({ lost, traces }).toEqual({ lost: [], traces: [] });
  }, 300_000);
});

describe('media-node fuzzing (tus uploads, HLS origin)', () => {
  let dir: string;
  let uploadUrl: string;
  let originUrl: string;
  let superKey: string;
  let producer: Producer;
  let closeServer: () => void;
  const tenant = `fz-media-${run}`;
  const jobsTopic = `transcode-jobs-fuzz-${run}`;
  const registry = new HttpVideoRegistry(env.EDGE_URL!, { timeoutMs: 10_000 });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'media-fuzz-'));
    const res = await fetch(`${env.EDGE_URL}/v1/platform/tenants`, {
      method: 'POST',
      headers: { authorization: `Bearer ${env.ADMIN_API_KEY}`, 'content-type': 'application/json' },
      body: JSON.stringify({ tenantId: tenant, name: 'media fuzz' }),
    });
    expect(res.status).toBe(201);
    superKey = CreatedApiKey.parse(await res.json()).apiKey;
    const settings = { ...kafkaSettingsFromEnv(env), replicationFactor: 1 };
    const kafka = createKafka(settings);
    await ensureTopics(kafka, settings, [jobsTopic, Topics.transcodeProgress, MediaTopics.transcodeControl]);
    producer = createProducer(kafka);
    await producer.connect();
    // A file beside the output folder: no path may reach it.
    await writeFile(join(dir, 'secret.txt'), 'not media');
    const origin = hlsOriginHandler({ outputRoot: join(dir, 'out'), keys: parseSigningKeys(env.PLAYBACK_SIGNING_KEYS!).keys });
    const up = createUploadServer({ uploadDir: join(dir, 'uploads'), maxBytes: 1024 * 1024, registry, producer, jobsTopic, origin });
    await new Promise<void>((r) => up.server.listen(0, '127.0.0.1', r));
    originUrl = `http://127.0.0.1:${(up.server.address() as AddressInfo).port}`;
    uploadUrl = `${originUrl}${UPLOAD_PATH}`;
    closeServer = () => up.server.close();
  }, 120_000);

  /** Every message on the jobs topic before the sentinels this call writes to each partition. */
  async function jobsBefore(sentinel: string): Promise<string[]> {
    const kafka = createKafka({ ...kafkaSettingsFromEnv(env), replicationFactor: 1 });
    const partitions = [0, 1, 2, 3];
    await producer.send({ topic: jobsTopic, messages: partitions.map((partition) => ({ partition, key: sentinel, value: sentinel })) });
    const c = kafka.consumer({ kafkaJS: { groupId: `fz-jobs-${run}`, fromBeginning: true, autoCommit: false } });
    await c.connect();
    await c.subscribe({ topics: [jobsTopic] });
    const others: string[] = [];
    const seen = new Set<number>();
    void c.run({
      eachMessage: async ({ partition, message }) => {
        const v = message.value?.toString() ?? '';
        if (v === sentinel) seen.add(partition);
        else if (!seen.has(partition)) others.push(v.slice(0, 200));
      },
    });
    const until = Date.now() + 60_000;
    while (seen.size < partitions.length && Date.now() < until) await new Promise((r) => setTimeout(r, 200));
    await c.disconnect();
    expect(seen.size).toBe(partitions.length);
    return others;
  }

  afterAll(async () => {
    closeServer?.();
    await producer?.disconnect().catch(() => undefined);
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const hex64 = fc.constantFrom('0'.repeat(64), 'f'.repeat(64), 'F'.repeat(64), 'xyz');
  const metaPair = fc.oneof(
    fc.tuple(fc.constantFrom('filename', 'filetype', 'title', 'videoId', 'courseId', 'sha256', 'zzz'), fc.oneof(fc.string({ maxLength: 30 }), odd)).map(([k, v]) => `${k} ${b64(v)}`),
    fc.string({ maxLength: 20 }),
  );
  let n = 0;
  const creation = fc.record({
    // Mostly near-valid metadata with one thing off; sometimes garbage pairs.
    metadata: fc.oneof(
      fc
        .record({
          filename: fc.oneof({ weight: 3, arbitrary: fc.constant('a.mp4') }, { weight: 1, arbitrary: fc.constantFrom('a.exe', '', 'a'.repeat(300), '../../a.mp4') }),
          filetype: fc.oneof({ weight: 3, arbitrary: fc.constant('video/mp4') }, { weight: 1, arbitrary: fc.constantFrom('text/html', '', 'video/mp4; x') }),
          sha256: fc.oneof({ weight: 3, arbitrary: fc.constant('0'.repeat(64)) }, { weight: 1, arbitrary: hex64 }),
          videoId: fc.oneof({ weight: 3, arbitrary: fc.constant('v1') }, { weight: 1, arbitrary: fc.constantFrom('', '../x', 'é'.repeat(3), 'a'.repeat(300)) }),
        })
        .map((m) => ({ m, header: Object.entries(m).map(([k, v]) => `${k} ${b64(v)}`).join(',') })),
      fc.array(metaPair, { maxLength: 5 }).map((ps) => ({ m: null, header: ps.join(',') })),
    ),
    length: fc.oneof({ weight: 2, arbitrary: fc.integer({ min: 1, max: 1024 * 1024 }).map(String) }, { weight: 1, arbitrary: fc.constantFrom('', '-1', '0', '1048577', '99999999999999999999', 'abc', '1.5', ' 10') }),
    resumable: fc.oneof({ weight: 4, arbitrary: fc.constant('1.0.0') }, { weight: 1, arbitrary: fc.constantFrom('', '0.2.2', 'x') }),
    auth: fc.oneof({ weight: 3, arbitrary: fc.constant('ok') }, { weight: 1, arbitrary: fc.constantFrom('none', 'forged') }),
  });

  it('uploads: no 5xx, errors in the error schema; a refused creation leaves no file, no video and no job', async () => {
    const refusedVideos = new Set<string>();
    // A 0-byte upload is complete at creation and verified at once; one that fails verification
    // (460 checksum, 422 corrupt, 415 not video) is recorded on purpose: the video stays, failed,
    // with the reason, and its file is discarded.
    const verifiedFailed = new Set<string>();
    const statuses: Record<number, number> = {};
    const filesBefore = await readdir(join(dir, 'uploads')).catch(() => [] as string[]);
    let created = 0;
    await fc.assert(
      fc.asyncProperty(creation, async (c) => {
        // Each case its own videoId, so a trace is attributable.
        const videoId = c.metadata.m && /^v1$/.test(c.metadata.m.videoId) ? `fz-${run}-${n++}` : null;
        const header = videoId && c.metadata.m ? Object.entries({ ...c.metadata.m, videoId }).map(([k, v]) => `${k} ${b64(v)}`).join(',') : c.metadata.header;
        const headers: Record<string, string> = {};
        if (c.resumable) headers['tus-resumable'] = c.resumable;
        if (c.length) headers['upload-length'] = c.length;
        if (header) headers['upload-metadata'] = header;
        if (c.auth === 'ok') headers.authorization = `Bearer ${superKey}`;
        else if (c.auth === 'forged') headers.authorization = 'Bearer vp_forged_0123456789';
        const res = await fetch(uploadUrl, { method: 'POST', headers });
        const text = await res.text();
        statuses[res.status] = (statuses[res.status] ?? 0) + 1;
        const where = `POST ${JSON.stringify(headers).slice(0, 400)} → ${res.status}: ${text.slice(0, 300)}`;
        expect(res.status, where).toBeLessThan(500);
        if (res.status >= 400) expect(errorBodyOk(res.status, text), where).toBe(true);
        if (res.status === 201) created++;
        else if (videoId && c.auth === 'ok' && c.length === '0' && [415, 422, 460].includes(res.status) && !/only video files/.test(text)) verifiedFailed.add(videoId);
        else if (videoId) refusedVideos.add(videoId);
      }),
      { numRuns: RUNS * 2, seed: 2021 },
    );
    // Other methods on upload URLs that do not exist.
    await fc.assert(
      fc.asyncProperty(fc.constantFrom('PATCH', 'HEAD', 'DELETE', 'GET', 'OPTIONS'), fc.oneof(fc.string({ minLength: 1, maxLength: 30 }), odd.filter((s) => s.length > 0)), fc.constantFrom('0', '-1', 'x', ''), async (method, id, offset) => {
        const res = await fetch(`${uploadUrl}/${encodeURIComponent(id)}`, {
          method,
          headers: { 'tus-resumable': '1.0.0', authorization: `Bearer ${superKey}`, ...(offset ? { 'upload-offset': offset } : {}), ...(method === 'PATCH' ? { 'content-type': 'application/offset+octet-stream' } : {}) },
          ...(method === 'PATCH' ? { body: 'x'.repeat(10) } : {}),
        });
        const text = await res.text();
        const where = `${method} ${id.slice(0, 40)} → ${res.status}: ${text.slice(0, 200)}`;
        expect(res.status, where).toBeLessThan(500);
        if (res.status >= 400 && method !== 'HEAD') expect(errorBodyOk(res.status, text), where).toBe(true);
      }),
      { numRuns: RUNS, seed: 2022 },
    );
    console.log('upload fuzz statuses', JSON.stringify(statuses), 'created', created, 'refused with a videoId', refusedVideos.size, 'failed verification', verifiedFailed.size);
    expect(refusedVideos.size).toBeGreaterThan(3);

    // No trace: no video in the catalogue for a refused creation...
    const leaked: string[] = [];
    for (const v of refusedVideos) {
      const r = await fetch(`${env.EDGE_URL}/v1/videos/${encodeURIComponent(v)}`, { headers: { authorization: `Bearer ${superKey}` } });
      if (r.status !== 404) leaked.push(`${v}: ${r.status}`);
      await r.arrayBuffer();
    }
    expect(leaked).toEqual([]);
    for (const v of verifiedFailed) {
      const r = await fetch(`${env.EDGE_URL}/v1/videos/${encodeURIComponent(v)}`, { headers: { authorization: `Bearer ${superKey}` } });
      expect(r.status).toBe(200);
      expect(((await r.json()) as { status: string }).status, v).toBe('failed');
    }
    // ...no upload file beyond the created uploads' own (data file + owner/info sidecars)...
    const filesAfter = (await readdir(join(dir, 'uploads')).catch(() => [] as string[])).filter((f) => !filesBefore.includes(f));
    const ids = new Set(filesAfter.map((f) => f.split('.')[0]));
    expect(ids.size).toBe(created);
    // ...and no transcode job (nothing completed an upload): the jobs topic holds only the
    // sentinels written now, one per partition, read back from the beginning.
    expect(await jobsBefore('sentinel')).toEqual([]);
  }, 300_000);

  it('HLS origin: no 5xx, errors in the error schema, nothing outside the output folder is ever served', async () => {
    const segment = fc.oneof(fc.string({ minLength: 1, maxLength: 20 }), fc.constantFrom('..', '.', '%2e%2e', '%2E%2E', '..%2f', '%00', 'secret.txt', 'index.m3u8', '', '//'));
    await fc.assert(
      fc.asyncProperty(fc.array(segment, { minLength: 1, maxLength: 6 }), fc.constantFrom('', 'x', 'a.b.c', 'v1.e30.sig'), fc.constantFrom('GET', 'HEAD', 'POST'), async (segs, token, method) => {
        const path = `/hls/${segs.map((s) => (s.includes('%') ? s : encodeURIComponent(s))).join('/')}`;
        const res = await fetch(`${originUrl}${path}${token ? `?token=${token}` : ''}`, { method });
        const text = await res.text();
        const where = `${method} ${path} → ${res.status}: ${text.slice(0, 200)}`;
        expect(res.status, where).toBeLessThan(500);
        expect(res.status, where).toBeGreaterThanOrEqual(400); // no token here is valid, and no file exists
        expect(text, where).not.toContain('not media');
        if (method !== 'HEAD' && res.status !== 404) expect(errorBodyOk(res.status, text), where).toBe(true);
      }),
      { numRuns: RUNS, seed: 2023 },
    );
  }, 120_000);
});
