import { apiErrorFromZod, Item, ItemImportLine, MAX_IMPORT_LINE_BYTES, type ItemImportResponse } from '@vidplat/contracts';

export interface ParsedImport {
  items: Item[];
  rejected: ItemImportResponse['rejected'];
}

/**
 * Parses an NDJSON import body: one item per line, validated on its own. Bad lines (oversized,
 * not JSON, failing the schema, or repeating an itemId of an earlier line) are reported by their
 * 1-based line number; blank lines are skipped.
 */
export function parseItemImport(tenantId: string, body: string): ParsedImport {
  const items: Item[] = [];
  const rejected: ParsedImport['rejected'] = [];
  const seen = new Set<string>();
  const enc = new TextEncoder();
  const lines = body.split('\n');
  lines.forEach((raw, idx) => {
    const line = idx + 1;
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (!text.trim()) return;
    if (text.length > MAX_IMPORT_LINE_BYTES || enc.encode(text).length > MAX_IMPORT_LINE_BYTES) {
      rejected.push({ line, error: { code: 'payload_too_large', message: `line exceeds ${MAX_IMPORT_LINE_BYTES} bytes` } });
      return;
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      rejected.push({ line, error: { code: 'invalid_body', message: 'not a JSON object' } });
      return;
    }
    const r = ItemImportLine.safeParse(json);
    if (!r.success) {
      rejected.push({ line, error: apiErrorFromZod(r.error, 'invalid_field') });
      return;
    }
    if (seen.has(r.data.itemId)) {
      rejected.push({ line, error: { code: 'conflict', message: 'itemId repeated in this import', field: 'itemId' } });
      return;
    }
    seen.add(r.data.itemId);
    items.push({ ...r.data, tenantId });
  });
  return { items, rejected };
}

/** Lines in a body without splitting it twice: used to refuse bodies over MAX_IMPORT_LINES early. */
export function countLines(body: string): number {
  let n = 0;
  for (let i = body.indexOf('\n'); i !== -1; i = body.indexOf('\n', i + 1)) n++;
  return body.endsWith('\n') ? n : n + 1;
}
