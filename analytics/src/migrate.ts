import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createClickHouse, type ClickHouseOptions } from './client.js';

export const MIGRATIONS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'migrations');

/** Splits a migration file into statements; files keep one statement per `;` at line end. */
export function statements(sql: string): string[] {
  return sql
    .split(/;\s*(?:\n|$)/)
    .map((s) => s.replace(/^\s*--.*$/gm, '').trim())
    .filter(Boolean);
}

/**
 * Applies versioned SQL files (NNNN_name.sql) in order, once each, recording them in
 * schema_migrations. Safe to run concurrently from several processes: statements are idempotent.
 */
export async function migrate(opts: ClickHouseOptions, dir = MIGRATIONS_DIR): Promise<string[]> {
  const admin = createClickHouse({ ...opts, database: 'default' });
  try {
    await admin.command({ query: `CREATE DATABASE IF NOT EXISTS ${opts.database}` });
  } finally {
    await admin.close();
  }
  const ch = createClickHouse(opts);
  try {
    await ch.command({
      query: `CREATE TABLE IF NOT EXISTS schema_migrations (version String, applied_at DateTime64(3, 'UTC') DEFAULT now64(3))
              ENGINE = ReplacingMergeTree ORDER BY version`,
    });
    const done = new Set(
      (await (await ch.query({ query: 'SELECT version FROM schema_migrations FINAL', format: 'JSONEachRow' })).json<{ version: string }>()).map(
        (r) => r.version,
      ),
    );
    const applied: string[] = [];
    for (const file of readdirSync(dir).filter((f) => /^\d{4}_.+\.sql$/.test(f)).sort()) {
      if (done.has(file)) continue;
      for (const stmt of statements(readFileSync(join(dir, file), 'utf8'))) await ch.command({ query: stmt });
      await ch.insert({ table: 'schema_migrations', values: [{ version: file }], format: 'JSONEachRow' });
      applied.push(file);
    }
    return applied;
  } finally {
    await ch.close();
  }
}
