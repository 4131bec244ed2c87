/**
 * Event ids derived from the fact an event reports, not drawn at random: the same fact always
 * gives the same id, so a retried request (or a replayed outbox row) emits the same event and the
 * sinks dedupe it (window processors by eventId; ClickHouse ReplacingMergeTree by eventId with the
 * same eventTime, which is why facts also fix their eventTime). The id keeps the UUIDv7 layout:
 * the fact's time in the first 48 bits (ids still sort by time), SHA-256 of the fact's parts in
 * the rest, with the version and variant bits set.
 */
export async function factEventId(factTimeMs: number, ...parts: string[]): Promise<string> {
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(parts.join('\u0000'))));
  const b = digest.slice(0, 16);
  let ts = Math.max(0, Math.floor(factTimeMs));
  for (let i = 5; i >= 0; i--) {
    b[i] = ts % 256;
    ts = Math.floor(ts / 256);
  }
  b[6] = (b[6]! & 0x0f) | 0x70;
  b[8] = (b[8]! & 0x3f) | 0x80;
  const h = Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
