/**
 * Rewrites an HLS playlist for a token-guarded origin: players resolve segment and rendition URIs
 * relative to the playlist without its query, so every URI gets the token appended. For trial
 * tokens, media segments starting at or after `maxPositionSeconds` are dropped and the playlist
 * ends there, so the trial limit holds at the origin too.
 */
export function rewritePlaylist(text: string, token: string, maxPositionSeconds?: number): string {
  const withToken = (uri: string) => (/^[a-z]+:/i.test(uri) ? uri : `${uri}${uri.includes('?') ? '&' : '?'}token=${encodeURIComponent(token)}`);
  const out: string[] = [];
  let elapsed = 0;
  let pendingDuration: number | null = null;
  let truncated = false;
  for (const line of text.split(/\r?\n/)) {
    if (truncated) break;
    if (line.startsWith('#EXTINF:')) {
      pendingDuration = parseFloat(line.slice(8));
      if (maxPositionSeconds !== undefined && elapsed >= maxPositionSeconds) {
        truncated = true;
        break;
      }
      out.push(line);
      continue;
    }
    if (line.startsWith('#EXT-X-ENDLIST')) continue;
    if (line.startsWith('#')) {
      out.push(line.replace(/URI="([^"]+)"/g, (_m, uri: string) => `URI="${withToken(uri)}"`));
      continue;
    }
    if (line.trim() === '') continue;
    out.push(withToken(line.trim()));
    if (pendingDuration !== null) {
      elapsed += Number.isFinite(pendingDuration) ? pendingDuration : 0;
      pendingDuration = null;
    }
  }
  // A media playlist (it has segments) always ends: VOD, or cut at the trial limit.
  if (/#EXTINF:/.test(text)) out.push('#EXT-X-ENDLIST');
  return `${out.join('\n')}\n`;
}

/** Segment URIs (as written in the media playlist) that start before `maxPositionSeconds`. */
export function segmentsWithin(text: string, maxPositionSeconds: number): Set<string> {
  const allowed = new Set<string>();
  let elapsed = 0;
  let duration: number | null = null;
  for (const line of text.split(/\r?\n/)) {
    if (line.startsWith('#EXTINF:')) duration = parseFloat(line.slice(8));
    else if (line.startsWith('#EXT-X-MAP:')) {
      const m = /URI="([^"]+)"/.exec(line);
      if (m) allowed.add(m[1]!); // the init segment is needed to play anything
    } else if (!line.startsWith('#') && line.trim() && duration !== null) {
      if (elapsed >= maxPositionSeconds) break;
      allowed.add(line.trim());
      elapsed += Number.isFinite(duration) ? duration : 0;
      duration = null;
    }
  }
  return allowed;
}
