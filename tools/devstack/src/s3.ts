import { execFile } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, httpOk, startProcess, waitFor, type ManagedProcess } from './process.js';

const run = promisify(execFile);

export interface S3Server {
  processes: ManagedProcess[];
  /** S3 endpoint (path-style) and credentials, in the media-node's MEDIA_S3_* variables. */
  env: Record<string, string>;
  url: string;
  version: string;
}

/**
 * A real S3-compatible server for local runs and tests: OpenStack Swift (Debian 12's `swift-*`
 * 2.30) with its s3api middleware — the S3 REST API including multipart uploads, ListParts,
 * ListMultipartUploads and AbortMultipartUpload that @tus/s3-store needs — plus tempauth and the
 * memcached it requires. One replica, one device under the run dir, everything on loopback.
 * Neither MinIO, SeaweedFS nor Garage is packaged for Debian 12; the npm fakes (s3rver, fauxqs)
 * lack ListParts, without which tus cannot resume an S3 upload.
 */
export async function startS3(runDir: string, buckets: string[], port = 0): Promise<S3Server> {
  if (!existsSync('/usr/bin/swift-proxy-server') || !existsSync('/usr/bin/memcached')) {
    throw new Error('OpenStack Swift or memcached is not installed: run `npm run setup`');
  }
  const base = join(runDir, 's3');
  const etc = join(base, 'etc');
  const devices = join(base, 'srv');
  mkdirSync(join(devices, 'd1'), { recursive: true });
  // Rings name ports, which change between runs: rebuild them every start (the data stays).
  rmSync(etc, { recursive: true, force: true });
  mkdirSync(etc, { recursive: true });
  const [proxyPort, accountPort, containerPort, objectPort, cachePort] = await Promise.all([freePort(port), freePort(), freePort(), freePort(), freePort()]);
  const secret = `local-${Math.random().toString(36).slice(2)}${Date.now().toString(36)}`;
  const user = userInfo().username;
  writeFileSync(
    join(etc, 'swift.conf'),
    `[swift-hash]\nswift_hash_path_suffix = vidplat-local\nswift_hash_path_prefix = vidplat-local\n[storage-policy:0]\nname = Policy-0\ndefault = yes\n`,
  );
  const common = `[DEFAULT]\nbind_ip = 127.0.0.1\nworkers = 0\nuser = ${user}\nswift_dir = ${etc}\nlog_level = WARNING\n`;
  const servers = { account: accountPort, container: containerPort, object: objectPort };
  await Promise.all(
    Object.entries(servers).map(async ([name, p]) => {
      const builder = join(etc, `${name}.builder`);
      await run('swift-ring-builder', [builder, 'create', '6', '1', '1']);
      await run('swift-ring-builder', [builder, 'add', `r1z1-127.0.0.1:${p}/d1`, '1']);
      await run('swift-ring-builder', [builder, 'rebalance']).catch((e: { code?: number }) => {
        if (e.code !== 1) throw e; // 1 = warnings (a single device), the ring is written
      });
      writeFileSync(
        join(etc, `${name}-server.conf`),
        `${common}bind_port = ${p}\ndevices = ${devices}\nmount_check = false\ndisable_fallocate = true\n[pipeline:main]\npipeline = ${name}-server\n[app:${name}-server]\nuse = egg:swift#${name}\n`,
      );
    }),
  );
  writeFileSync(
    join(etc, 'proxy-server.conf'),
    `${common}bind_port = ${proxyPort}
[pipeline:main]
pipeline = catch_errors gatekeeper healthcheck proxy-logging cache listing_formats s3api tempauth copy slo dlo versioned_writes proxy-logging proxy-server
[app:proxy-server]
use = egg:swift#proxy
account_autocreate = true
[filter:s3api]
use = egg:swift#s3api
# R2's region name, so clients configured for production sign for the same region.
location = auto
[filter:tempauth]
use = egg:swift#tempauth
user_vidplat_media = ${secret} .admin
[filter:cache]
use = egg:swift#memcache
memcache_servers = 127.0.0.1:${cachePort}
${['catch_errors', 'gatekeeper', 'healthcheck', 'proxy_logging', 'listing_formats', 'copy', 'slo', 'dlo', 'versioned_writes']
  .map((f) => `[filter:${f.replace('proxy_logging', 'proxy-logging')}]\nuse = egg:swift#${f}\n`)
  .join('')}`,
  );
  const processes: ManagedProcess[] = [startProcess(runDir, 's3-memcached', 'memcached', ['-l', '127.0.0.1', '-p', String(cachePort), '-U', '0', '-m', '32', ...(process.getuid?.() === 0 ? ['-u', 'root'] : [])])];
  for (const name of ['account', 'container', 'object', 'proxy']) {
    processes.push(startProcess(runDir, `s3-${name}`, `/usr/bin/swift-${name}-server`, [join(etc, `${name}-server.conf`), '-v']));
  }
  const url = `http://127.0.0.1:${proxyPort}`;
  const proxyLog = processes.at(-1)!.logFile;
  try {
    // A cold machine's first Swift start imports its Python packages from disk: 30 s was seen to fail once.
    await waitFor('Swift proxy /healthcheck', () => httpOk(`${url}/healthcheck`), 90_000, proxyLog);
    // Buckets are Swift containers of the account: create them over Swift's own API.
    let auth: { token: string; storage: string } | undefined;
    await waitFor(
      'Swift tempauth and bucket creation',
      async () => {
        const r = await fetch(`${url}/auth/v1.0`, { headers: { 'x-auth-user': 'vidplat:media', 'x-auth-key': secret }, signal: AbortSignal.timeout(3000) });
        if (!r.ok) return false;
        auth = { token: r.headers.get('x-auth-token')!, storage: r.headers.get('x-storage-url')! };
        for (const b of buckets) {
          const c = await fetch(`${auth.storage}/${b}`, { method: 'PUT', headers: { 'x-auth-token': auth.token }, signal: AbortSignal.timeout(3000) });
          if (c.status !== 201 && c.status !== 202) return false;
        }
        return true;
      },
      30_000,
      proxyLog,
    );
  } catch (e) {
    for (const p of processes.reverse()) await p.stop();
    throw e;
  }
  const version = (await run('dpkg-query', ['-W', '-f=${Version}', 'swift']).catch(() => ({ stdout: '?' }))).stdout.split('-')[0];
  return {
    processes,
    url,
    version: `OpenStack Swift ${version} (s3api)`,
    env: {
      MEDIA_S3_ENDPOINT: url,
      MEDIA_S3_REGION: 'auto',
      MEDIA_S3_ACCESS_KEY_ID: 'vidplat:media',
      MEDIA_S3_SECRET_ACCESS_KEY: secret,
      MEDIA_S3_FORCE_PATH_STYLE: 'true',
    },
  };
}
