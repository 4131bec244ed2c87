import { join } from 'node:path';
import type {} from 'vitest';
import type { TestProject } from 'vitest/node';
import { REPO_ROOT, startStack, type Stack } from './stack.js';
import { rmSync } from 'node:fs';

declare module 'vitest' {
  export interface ProvidedContext {
    stack: { env: Record<string, string>; urls: Record<string, string>; versions: Record<string, string> };
  }
}

let stack: Stack | undefined;

/** Starts the real platform once for all integration tests, on free ports, in .run/test. */
export async function setup(project: TestProject): Promise<void> {
  // One run dir per test run, so concurrent runs (two terminals, CI retries) never share state.
  const runDir = join(REPO_ROOT, '.run', 'test', String(process.pid));
  rmSync(runDir, { recursive: true, force: true });
  try {
    stack = await startStack({ runDir, services: true, log: (l) => console.log(`[stack] ${l}`) });
  } catch (e) {
    throw new Error(
      `could not start the local platform for integration tests: ${(e as Error).message}\n` +
        'Install the system packages with `npm run setup` (kcat, redis-server, ffmpeg, a C compiler), then run `npm test`.',
    );
  }
  console.log(`[stack] ${Object.values(stack.versions).join(' · ')}`);
  // A run killed from outside (timeout, Ctrl-C) skips teardown: leave no stack processes behind.
  const started = stack;
  process.once('exit', () => started.kill());
  for (const sig of ['SIGINT', 'SIGTERM'] as const) process.once(sig, () => (started.kill(), process.exit(130)));
  project.provide('stack', { env: stack.env, urls: stack.urls, versions: stack.versions });
}

export async function teardown(): Promise<void> {
  await stack?.stop();
}
