import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { EDGE_API_FILE, renderEdgeApi } from '../scripts/gen-edge-api.js';

describe('contracts/src/edge-api.ts (the typed client of the edge)', () => {
  it('is what the edge document generates today (else run `npm run gen:edge-api`)', async () => {
    const committed = await readFile(EDGE_API_FILE, 'utf8');
    expect(committed === (await renderEdgeApi()), 'contracts/src/edge-api.ts is stale: run `npm run gen:edge-api`').toBe(true);
  }, 120_000);
});
