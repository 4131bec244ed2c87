import { join, resolve } from 'node:path';
import type { S3Client } from '@aws-sdk/client-s3';
import type { MediaS3Env } from '@vidplat/contracts';
import { LocalOutputStore } from './local-output-store.js';
import type { OutputStore } from './output-store.js';
import { createS3Client, s3SettingsFromEnv, type S3Settings } from './s3-client.js';
import { S3OutputStore } from './s3-output-store.js';
import { FileUploadStorage, S3UploadStorage, type UploadStorage } from './upload-storage.js';

type StoreEnv = MediaS3Env & { MEDIA_UPLOAD_STORE: 'file' | 's3'; MEDIA_OUTPUT_STORE: 'file' | 's3'; MEDIA_UPLOAD_DIR: string; MEDIA_OUTPUT_DIR: string };

/** The S3 client, built only when some store is `s3` (then endpoint and credentials are required). */
export function s3FromEnv(env: StoreEnv): { client: S3Client; settings: S3Settings } | undefined {
  if (env.MEDIA_UPLOAD_STORE !== 's3' && env.MEDIA_OUTPUT_STORE !== 's3') return undefined;
  const settings = s3SettingsFromEnv(env);
  return { client: createS3Client(settings), settings };
}

export function outputStoreFromEnv(env: StoreEnv, s3 = s3FromEnv(env)): OutputStore {
  if (env.MEDIA_OUTPUT_STORE === 's3') return new S3OutputStore(s3!.client, env.MEDIA_S3_OUTPUT_BUCKET);
  return new LocalOutputStore(env.MEDIA_OUTPUT_DIR);
}

export function uploadStorageFromEnv(env: StoreEnv & { MEDIA_UPLOAD_EXPIRY_S: number }, s3 = s3FromEnv(env)): UploadStorage {
  const expiryMs = env.MEDIA_UPLOAD_EXPIRY_S * 1000;
  if (env.MEDIA_UPLOAD_STORE === 's3') return new S3UploadStorage(s3!.client, s3!.settings, env.MEDIA_S3_UPLOAD_BUCKET, join(resolve(env.MEDIA_UPLOAD_DIR), '.scratch'), expiryMs);
  return new FileUploadStorage(env.MEDIA_UPLOAD_DIR, expiryMs);
}
