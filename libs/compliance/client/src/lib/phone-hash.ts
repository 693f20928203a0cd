import { createHash } from 'node:crypto';

/**
 * The compliance service's phone hash: SHA-256 of an E.164 number as lowercase hex, the only form in which
 * a number appears in a key or an event (`compliance:dnc:{phoneHash}`). Must match the compliance service's
 * own hash, or a caller's DNC copies would never be evicted by compliance events.
 */
export const hashPhoneNumber = (e164: string): string =>
  createHash('sha256').update(e164, 'utf8').digest('hex');
