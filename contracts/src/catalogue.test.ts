import { describe, expect, it } from 'vitest';
import { cutPlaylistAt, segmentsWithin } from './catalogue.js';

// The shape FFmpeg writes for an fMP4 VOD rendition (media-node ladder: <rung>/index.m3u8).
const media = [
  '#EXTM3U',
  '#EXT-X-VERSION:7',
  '#EXT-X-TARGETDURATION:4',
  '#EXT-X-MEDIA-SEQUENCE:0',
  '#EXT-X-PLAYLIST-TYPE:VOD',
  '#EXT-X-MAP:URI="init.mp4"',
  '#EXTINF:4.004000,',
  'seg_00000.m4s',
  '#EXTINF:4.004000,',
  'seg_00001.m4s',
  '#EXTINF:4.004000,',
  'seg_00002.m4s',
  '#EXTINF:1.501000,',
  'seg_00003.m4s',
  '#EXT-X-ENDLIST',
  '',
].join('\n');

describe('trial limits on HLS playlists', () => {
  it('keeps the segments that start before the limit and ends the playlist', () => {
    const cut = cutPlaylistAt(media, 5);
    expect(cut.match(/^seg_\d+\.m4s$/gm)).toEqual(['seg_00000.m4s', 'seg_00001.m4s']);
    expect(cut).toContain('#EXT-X-MAP:URI="init.mp4"');
    expect(cut.trimEnd().endsWith('#EXT-X-ENDLIST')).toBe(true);
    expect(cutPlaylistAt(media, 1000).match(/^seg_\d+\.m4s$/gm)).toHaveLength(4);
    expect(cutPlaylistAt(media, 0).match(/^seg_\d+\.m4s$/gm)).toBeNull();
  });

  it('lists the same segments (and the init segment) as servable', () => {
    expect([...segmentsWithin(media, 5)]).toEqual(['init.mp4', 'seg_00000.m4s', 'seg_00001.m4s']);
    expect(segmentsWithin(media, 8.008).has('seg_00002.m4s')).toBe(false);
  });

  it('leaves master playlists alone', () => {
    const master = '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=900000\n360p/index.m3u8\n';
    expect(cutPlaylistAt(master, 10)).toBe(master);
  });
});
