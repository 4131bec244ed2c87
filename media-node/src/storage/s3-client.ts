import { createHash } from 'node:crypto';
import { S3Client, type S3ClientConfig } from '@aws-sdk/client-s3';
import { NodeHttpHandler } from '@smithy/node-http-handler';
import { ConfigError, type MediaS3Env } from '@vidplat/contracts';

// SDK releases after early 2027 need Node 22; the lock file pins a Node 20 one (README, "S3").
// The warning says so on every process start; the README carries it instead.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export interface S3Settings {
  endpoint: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  forcePathStyle: boolean;
  timeoutMs: number;
  maxAttempts: number;
}

/** S3 settings from the env; endpoint and credentials are required once a store is `s3`. */
export function s3SettingsFromEnv(env: MediaS3Env): S3Settings {
  const need = (name: 'MEDIA_S3_ENDPOINT' | 'MEDIA_S3_ACCESS_KEY_ID' | 'MEDIA_S3_SECRET_ACCESS_KEY'): string => {
    const v = env[name];
    if (!v) throw new ConfigError(name, 'required when MEDIA_UPLOAD_STORE or MEDIA_OUTPUT_STORE is s3');
    return v;
  };
  return {
    endpoint: need('MEDIA_S3_ENDPOINT'),
    region: env.MEDIA_S3_REGION,
    accessKeyId: need('MEDIA_S3_ACCESS_KEY_ID'),
    secretAccessKey: need('MEDIA_S3_SECRET_ACCESS_KEY'),
    forcePathStyle: env.MEDIA_S3_FORCE_PATH_STYLE,
    timeoutMs: env.MEDIA_S3_TIMEOUT_MS,
    maxAttempts: env.MEDIA_S3_MAX_ATTEMPTS,
  };
}

/**
 * Client options shared by our S3Client and the one @tus/s3-store builds: explicit connect and
 * socket timeouts per request, bounded attempts with the SDK's standard retry mode (exponential
 * backoff with jitter), and checksums only where the API requires them — R2 and Swift's S3 API
 * reject the SDK's default aws-chunked trailing checksums.
 */
export function s3ClientConfig(s: S3Settings): S3ClientConfig {
  return {
    endpoint: s.endpoint,
    region: s.region,
    forcePathStyle: s.forcePathStyle,
    credentials: { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey },
    maxAttempts: s.maxAttempts,
    retryMode: 'standard',
    requestHandler: new NodeHttpHandler({ connectionTimeout: Math.min(5000, s.timeoutMs), requestTimeout: s.timeoutMs }),
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  };
}

export function createS3Client(s: S3Settings): S3Client {
  return withContentMd5(new S3Client(s3ClientConfig(s)));
}

/**
 * DeleteObjects must carry Content-MD5 on S3 implementations that predate the flexible-checksum
 * headers (Swift's S3 API among them); SDK v3 only sends a CRC32. Adding it is harmless elsewhere.
 */
export function withContentMd5<C extends Pick<S3Client, 'middlewareStack'>>(client: C): C {
  type Args = { request?: { headers?: Record<string, string>; body?: unknown } };
  client.middlewareStack.add(
    ((next: (a: Args) => Promise<unknown>, context: { commandName?: string }) => async (args: Args) => {
      const req = args.request;
      if (context.commandName === 'DeleteObjectsCommand' && req?.headers && (typeof req.body === 'string' || req.body instanceof Uint8Array)) {
        req.headers['content-md5'] = createHash('md5').update(req.body).digest('base64');
      }
      return next(args);
    }) as never,
    { step: 'build', name: 'vidplatDeleteObjectsContentMd5', override: true },
  );
  return client;
}

/** True for the SDK's "no such key/upload/bucket" answers (404s). */
export function isNotFound(e: unknown): boolean {
  const err = e as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
  return err?.$metadata?.httpStatusCode === 404 || ['NoSuchKey', 'NotFound', 'NoSuchUpload'].includes(err?.name ?? err?.Code ?? '');
}
