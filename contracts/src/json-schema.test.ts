import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { jsonSchemas } from './json-schema.js';

const dir = join(dirname(fileURLToPath(import.meta.url)), '..', 'schema');

describe('published JSON Schema', () => {
  it('is generated from the zod source and committed up to date (npm run gen:schemas)', () => {
    const generated = jsonSchemas();
    const committed = readdirSync(dir).filter((f) => f.endsWith('.json')).map((f) => f.replace(/\.json$/, ''));
    expect(committed.sort()).toEqual(Object.keys(generated).sort());
    for (const [name, schema] of Object.entries(generated)) {
      expect(JSON.parse(readFileSync(join(dir, `${name}.json`), 'utf8')), name).toEqual(JSON.parse(JSON.stringify(schema)));
    }
  });

  it('describes the event union with its discriminator values', () => {
    const s = jsonSchemas().BehaviourEvent as { oneOf?: { properties: { type: { const: string } } }[]; anyOf?: unknown[] };
    const variants = (s.oneOf ?? s.anyOf) as { properties: { type: { const: string } } }[];
    expect(variants.map((v) => v.properties.type.const)).toContain('play_complete');
  });
});
