import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { migrate } from '@vidplat/analytics';
import { startClickHouse } from './clickhouse.js';
import { startKafka } from './kafka.js';
import { freePort, httpOk, startProcess, waitFor, type ManagedProcess } from './process.js';
import { startRedis } from './redis.js';
import { startS3 } from './s3.js';
import { startUpstashBridge, type UpstashBridge } from './upstash-bridge.js';
import { startPlatformApis, type PlatformApis } from './platform-apis.js';
import { startMessagingApi, type MessagingApiServer } from './messaging-api.js';

export const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const bin = (name: string) => join(REPO_ROOT, 'node_modules', '.bin', name);

export interface StackOptions {
  /** Where logs, PID files and data live (default .run/dev). */
  runDir: string;
  /** Preferred ports; a taken one falls back to a free port. 0 = any free port. */
  ports?: Partial<Record<'clickhouse' | 'redis' | 'bridge' | 'ingest' | 'edge' | 'metrics' | 'mediaOrigin' | 'messaging', number>>;
  /** Start the stream services and the edge Worker on top of the infrastructure. */
  services?: boolean;
  /**
   * Run the Upstash bridge as its own process (`upstash-bridge`, PID file in the run dir) instead
   * of inside this one, so it can be killed and restarted alone (bench:chaos does).
   */
  bridgeProcess?: boolean;
  log?: (line: string) => void;
}

export interface Stack {
  env: Record<string, string>;
  versions: Record<string, string>;
  urls: Record<string, string>;
  stop(): Promise<void>;
  /** Synchronous last resort (process exit): SIGKILL every process group the stack started. */
  kill(): void;
}

/**
 * The whole local platform without Docker: Kafka-protocol broker, ClickHouse, Redis with the Upstash
 * REST bridge, and optionally the stream services and `wrangler dev`. Used by `npm start` and by the
 * integration tests' global setup, so both run exactly the same components.
 */
export async function startStack(o: StackOptions): Promise<Stack> {
  const log = o.log ?? (() => undefined);
  const runDir = resolve(o.runDir);
  mkdirSync(runDir, { recursive: true });
  const procs: ManagedProcess[] = [];
  let bridge: UpstashBridge | undefined;
  let platformApis: PlatformApis | undefined;
  let messaging: MessagingApiServer | undefined;
  const stop = async () => {
    await bridge?.close().catch(() => undefined);
    await platformApis?.close().catch(() => undefined);
    await messaging?.close().catch(() => undefined);
    for (const p of procs.reverse()) await p.stop();
  };
  try {
    const p = o.ports ?? {};
    const [chPort, redisPort, bridgePort] = await Promise.all([freePort(p.clickhouse ?? 0), freePort(p.redis ?? 0), freePort(p.bridge ?? 0)]);
    log('starting Kafka mock cluster, ClickHouse, Redis and the S3 server');
    const s3Buckets = { MEDIA_S3_UPLOAD_BUCKET: 'vidplat-uploads', MEDIA_S3_OUTPUT_BUCKET: 'vidplat-media' };
    const [kafka, ch, redis, s3] = await Promise.all([
      startKafka(runDir),
      startClickHouse(runDir, join(runDir, 'clickhouse'), chPort),
      startRedis(runDir, redisPort),
      // The media-node's stores stay local folders by default; MEDIA_UPLOAD_STORE=s3 /
      // MEDIA_OUTPUT_STORE=s3 switch them to this bucket server (the integration tests do).
      startS3(runDir, Object.values(s3Buckets)),
    ]);
    procs.push(kafka.process, ch.process, redis.process, ...s3.processes);
    const bridgeToken = randomBytes(18).toString('base64url');
    let bridgeUrl: string;
    if (o.bridgeProcess) {
      procs.push(await startBridgeProcess(runDir, redis.url, bridgeToken, bridgePort));
      bridgeUrl = `http://127.0.0.1:${bridgePort}`;
    } else {
      bridge = await startUpstashBridge(redis.url, bridgeToken, bridgePort);
      bridgeUrl = bridge.url;
    }
    // YouTube / TikTok / Douyin statistics APIs for the broadcaster's live fetchers (fresh keys per run).
    platformApis = await startPlatformApis();
    // The messaging API campaigns send through (LINE's shapes), in this process like the bridge.
    const messagingToken = randomBytes(24).toString('base64url');
    messaging = await startMessagingApi({ token: messagingToken, port: await freePort(p.messaging ?? 0) });
    const ingestToken = randomBytes(24).toString('base64url');
    const secret = () => randomBytes(32).toString('base64url');
    const env: Record<string, string> = {
      KAFKA_BROKERS: kafka.brokers,
      KAFKA_REPLICATION_FACTOR: '3',
      KAFKA_PARTITIONS: '4',
      CLICKHOUSE_URL: ch.url,
      CLICKHOUSE_DATABASE: 'vidplat',
      REDIS_URL: redis.url,
      UPSTASH_REDIS_REST_URL: bridgeUrl,
      UPSTASH_REDIS_REST_TOKEN: bridgeToken,
      MESSAGING_API_URL: messaging.url,
      MESSAGING_API_TOKEN: messagingToken,
      INGEST_TOKEN: ingestToken,
      ADMIN_API_KEY: `vp_platform_${secret()}`,
      EDGE_INTERNAL_TOKEN: secret(),
      // wrangler dev fills request.cf with a fixed mock (country US): regions come from X-Region locally.
      REGION_FROM_HEADER: '1',
      // Signing secrets of the stats broadcaster's webhooks, by the name a task refers to.
      BROADCAST_WEBHOOK_SECRETS: JSON.stringify({ demo: secret() }),
      PLAYBACK_SIGNING_KEYS: JSON.stringify({ [`k${Date.now().toString(36)}`]: secret() }),
      ...s3.env,
      ...s3Buckets,
      ...platformApis.env,
      PLATFORM_APIS_URL: platformApis.url,
    };
    await migrate({ url: ch.url, database: env.CLICKHOUSE_DATABASE! });
    const versions = { kafka: kafka.version, clickhouse: ch.version, redis: redis.version, s3: s3.version };
    const urls: Record<string, string> = { clickhouse: ch.url, featureStore: bridgeUrl, s3: s3.url, platformApis: platformApis.url, messagingApi: messaging.url };
    if (o.services) {
      const [ingestPort, edgePort, metricsPort] = await Promise.all([freePort(p.ingest ?? 0), freePort(p.edge ?? 0), freePort(p.metrics ?? 0)]);
      const mediaOriginPort = await freePort(p.mediaOrigin ?? 0);
      Object.assign(env, {
        INGEST_PORT: String(ingestPort),
        INGEST_URL: `http://127.0.0.1:${ingestPort}`,
        METRICS_PORT: String(metricsPort),
        // Known before anything starts, so services that call the edge can be configured up front.
        EDGE_URL: `http://127.0.0.1:${edgePort}`,
        // The media-node upload server also serves the HLS origin on MEDIA_PORT.
        MEDIA_PORT: String(mediaOriginPort),
        MEDIA_ORIGIN_URL: `http://127.0.0.1:${mediaOriginPort}`,
        MEDIA_UPLOAD_DIR: join(runDir, 'uploads'),
        MEDIA_OUTPUT_DIR: join(runDir, 'media'),
      });
      const svc = await startServices(runDir, env, edgePort, log);
      procs.push(...svc.procs);
      Object.assign(urls, { edge: svc.edgeUrl, ingest: env.INGEST_URL! });
      env.EDGE_URL = svc.edgeUrl;
    }
    const kill = () => {
      for (const proc of procs) {
        try {
          process.kill(-proc.pid, 'SIGKILL');
        } catch {
          /* already gone */
        }
      }
    };
    return { env, versions, urls, stop, kill };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** The Upstash bridge as a child process; resolves once it answers PING. */
export async function startBridgeProcess(runDir: string, redisUrl: string, token: string, port: number): Promise<ManagedProcess> {
  const proc = startProcess(runDir, 'upstash-bridge', bin('tsx'), [join(REPO_ROOT, 'tools', 'devstack', 'src', 'upstash-bridge.ts')], {
    env: { ...process.env, REDIS_URL: redisUrl, UPSTASH_REDIS_REST_TOKEN: token, UPSTASH_BRIDGE_PORT: String(port) },
    cwd: REPO_ROOT,
  });
  await waitFor('the Upstash bridge to answer PING', () => httpOk(`http://127.0.0.1:${port}/`, { method: 'POST', headers: { authorization: `Bearer ${token}` }, body: '["PING"]' }), 60_000, proc.logFile);
  return proc;
}

export const OFFLINE_WRANGLER_ENV = {
  WRANGLER_SEND_METRICS: 'false',
  CLOUDFLARE_CF_FETCH_ENABLED: 'false',
  WRANGLER_HIDE_BANNER: 'true',
  WRANGLER_LOG: 'warn',
};

/** Writes the edge's local secrets/vars file (git-ignored run dir), the .dev.vars equivalent. */
export function writeEdgeEnvFile(runDir: string, env: Record<string, string>): string {
  const file = join(runDir, 'edge.env');
  const keys = ['INGEST_URL', 'INGEST_TOKEN', 'UPSTASH_REDIS_REST_URL', 'UPSTASH_REDIS_REST_TOKEN', 'ADMIN_API_KEY', 'PLAYBACK_SIGNING_KEYS', 'CLICKHOUSE_URL', 'CLICKHOUSE_DATABASE', 'EDGE_INTERNAL_TOKEN', 'MEDIA_ORIGIN_URL', 'BROADCAST_WEBHOOK_SECRETS',
    'YOUTUBE_API_URL', 'YOUTUBE_API_KEY', 'TIKTOK_API_URL', 'TIKTOK_ACCESS_TOKEN', 'DOUYIN_API_URL', 'DOUYIN_ACCESS_TOKEN', 'DOUYIN_OPEN_ID', 'MESSAGING_API_URL', 'MESSAGING_API_TOKEN', 'REGION_FROM_HEADER'];
  writeFileSync(file, keys.map((k) => `${k}=${env[k] ?? ''}`).join('\n') + '\n', { mode: 0o600 });
  return file;
}

async function startServices(runDir: string, env: Record<string, string>, edgePort: number, log: (l: string) => void) {
  const childEnv: NodeJS.ProcessEnv = { ...process.env, ...env, ...OFFLINE_WRANGLER_ENV };
  const procs: ManagedProcess[] = [];
  const waits: Promise<void>[] = [];
  const { streamServices } = await import('@vidplat/stream/services');
  const { mediaServices } = await import('@vidplat/media-node/services');
  for (const svc of [...streamServices, ...mediaServices]) {
    if (!env[svc.healthPortVar]) env[svc.healthPortVar] = String(await freePort());
    childEnv[svc.healthPortVar] = env[svc.healthPortVar];
  }
  for (const svc of [...streamServices, ...mediaServices]) {
    log(`starting ${svc.name}`);
    const p = startProcess(runDir, svc.name, bin('tsx'), [join(REPO_ROOT, svc.entry)], { env: childEnv, cwd: REPO_ROOT });
    procs.push(p);
    const url = `http://127.0.0.1:${env[svc.healthPortVar]}${svc.healthPath}`;
    waits.push(waitFor(`${svc.name} ${svc.healthPath}`, () => httpOk(url), 90_000, p.logFile));
  }
  log('starting the edge Worker (wrangler dev)');
  const envFile = writeEdgeEnvFile(runDir, env);
  const persist = join(runDir, 'wrangler');
  mkdirSync(persist, { recursive: true });
  await applyD1Migrations(persist, childEnv);
  const edge = startProcess(
    runDir,
    'edge',
    bin('wrangler'),
    ['dev', '--ip', '127.0.0.1', '--port', String(edgePort), '--inspector-port', '0', '--persist-to', persist, '--env-file', envFile, '--show-interactive-dev-session=false', '--log-level', 'warn'],
    { env: childEnv, cwd: REPO_ROOT },
  );
  procs.push(edge);
  const edgeUrl = `http://127.0.0.1:${edgePort}`;
  waits.push(waitFor('wrangler dev', async () => (await fetch(`${edgeUrl}/healthz`, { signal: AbortSignal.timeout(2000) })).status < 500, 90_000, edge.logFile));
  await Promise.all(waits);
  return { procs, edgeUrl };
}
/** Applies edge/migrations to the local D1 database that `wrangler dev` will use. */
export async function applyD1Migrations(persistDir: string, env: NodeJS.ProcessEnv): Promise<void> {
  const { execFile } = await import('node:child_process');
  await new Promise<void>((resolvePromise, reject) => {
    // Wrangler exits 0 when the timeout's SIGTERM reaches it mid-apply: a killed run must fail
    // loudly, not start the Worker on a half-migrated database. Generous: a loaded machine is slow.
    const child = execFile(
      bin('wrangler'),
      ['d1', 'migrations', 'apply', 'vidplat-catalogue', '--local', '--persist-to', persistDir],
      { cwd: REPO_ROOT, env: { ...env, CI: 'true' }, timeout: 600_000 },
      (err, stdout, stderr) =>
        err || child.killed ? reject(new Error(`D1 migrations failed${child.killed ? ' (timed out)' : ''}: ${stderr || stdout || err?.message}`)) : resolvePromise(),
    );
  });
}
