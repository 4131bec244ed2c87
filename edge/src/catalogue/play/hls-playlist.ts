import { cutPlaylistAt } from '@vidplat/contracts';

/**
 * Rewrites an HLS playlist for the token-guarded origin: players resolve segment and rendition
 * URIs relative to the playlist without its query, so every URI gets the token appended. For trial
 * tokens the media playlist is first cut at `maxPositionSeconds` (contracts' cutPlaylistAt, shared
 * with the media-node's origin).
 */
export function rewritePlaylist(text: string, token: string, maxPositionSeconds?: number): string {
  const q = `token=${encodeURIComponent(token)}`;
  const withToken = (uri: string) => (/^[a-z]+:/i.test(uri) ? uri : `${uri}${uri.includes('?') ? '&' : '?'}${q}`);
  const cut = maxPositionSeconds === undefined ? text : cutPlaylistAt(text, maxPositionSeconds);
  return cut
    .split('\n')
    .map((line) => (line.startsWith('#') ? line.replace(/URI="([^"]+)"/g, (_m, uri: string) => `URI="${withToken(uri)}"`) : line.trim() ? withToken(line.trim()) : line))
    .join('\n');
}
