import { z } from 'zod';
import { ItemId, TenantId, UserId } from './ids.js';

/** Claims of a short-lived playback token; the media origin checks them on every segment request. */
export const PlaybackTokenClaims = z.object({
  kid: z.string().min(1).max(32).describe('signing key id, for rotation'),
  tenantId: TenantId,
  userId: UserId,
  videoId: ItemId,
  /** Every path the token grants must start with this prefix, e.g. /hls/t1/v42/. */
  pathPrefix: z.string().startsWith('/'),
  /** Expiry, seconds since epoch. */
  exp: z.number().int().positive(),
  /** Trial tokens stop at this media time (seconds); absent for full access. */
  maxPositionSeconds: z.number().min(0).optional(),
});
export type PlaybackTokenClaims = z.infer<typeof PlaybackTokenClaims>;
