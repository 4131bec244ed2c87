import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { z } from 'zod';
import * as contracts from '@vidplat/contracts';
import { streamServices } from '@vidplat/stream/services';
import { mediaServices } from '@vidplat/media-node/services';
import { REPO_ROOT } from './stack.js';

type Service = { environment?: Record<string, string>; 'x-vidplat-config'?: string; command?: string[] };

const compose = parse(readFileSync(join(REPO_ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, Service> };

/** Interpolates compose-style ${VAR:-default} / ${VAR:?msg} with what an operator would set. */
function interpolate(v: string): string {
  return v.replace(/\$\{([A-Z0-9_]+)(?::([-?])([^}]*))?\}/g, (_m, name: string, op?: string, arg?: string) => {
    if (op === '-') return arg ?? '';
    if (name === 'PLAYBACK_SIGNING_KEYS') return JSON.stringify({ k1: 'x'.repeat(40) });
    return 'operator-supplied-secret-value-0123456789';
  });
}

const configured = Object.entries(compose.services).filter(([, s]) => s['x-vidplat-config']);

describe('docker-compose.yml matches the config schemas', () => {
  it('names a config schema for every platform service', () => {
    const names = configured.map(([n]) => n);
    for (const n of ['edge', 'media-node', 'stream-ingest', 'stream-raw-events', 'transcode-worker']) expect(names).toContain(n);
  });

  it.each(configured)('%s: every variable is known to its schema and the set parses', (_name, svc) => {
    const schemaName = svc['x-vidplat-config']!;
    const schema = (contracts as unknown as Record<string, unknown>)[schemaName];
    expect(schema, `contracts exports ${schemaName}`).toBeInstanceOf(z.ZodObject);
    const obj = schema as z.ZodObject;
    const env = Object.fromEntries(Object.entries(svc.environment ?? {}).map(([k, v]) => [k, interpolate(String(v))]));
    const tooling = new Set(['WRANGLER_SEND_METRICS', 'CLOUDFLARE_CF_FETCH_ENABLED']);
    const unknown = Object.keys(env).filter((k) => !(k in obj.shape) && !tooling.has(k));
    expect(unknown, 'variables no schema reads (typo?)').toEqual([]);
    expect(() => contracts.parseEnv(obj, env)).not.toThrow();
  });

  it('runs every long-running service the dev stack runs', () => {
    const commands = Object.values(compose.services).map((s) => (s.command ?? []).join(' '));
    for (const svc of [...streamServices, ...mediaServices]) {
      expect(commands.some((c) => c.includes(svc.entry)), `${svc.name} (${svc.entry}) in docker-compose.yml`).toBe(true);
    }
  });

  it('a bad value stops start-up with a message naming the variable', () => {
    expect(() => contracts.parseEnv(contracts.StreamEnv, { KAFKA_BROKERS: 'not a broker list', INGEST_TOKEN: 'x'.repeat(20) })).toThrow(
      /KAFKA_BROKERS/,
    );
    expect(() => contracts.parseEnv(contracts.StreamEnv, { KAFKA_BROKERS: 'k:9092', INGEST_TOKEN: 'short' })).toThrow(/INGEST_TOKEN/);
  });
});
