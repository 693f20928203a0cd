import { Inject, Injectable } from '@nestjs/common';
import { hmacPhoneNumber } from '@platform/config';
import { COMPLIANCE_CONFIG, type ComplianceConfig } from './compliance.config';

/**
 * Normalises a phone number to E.164: drops the separators people type (spaces, dashes, dots,
 * parentheses) and keeps `+` and digits. Returns undefined when what is left is not E.164.
 */
export function normalizeE164(input: string): string | undefined {
  const compact = input.replace(/[\s().-]/g, '');
  return /^\+[1-9]\d{6,14}$/.test(compact) ? compact : undefined;
}

export { hmacPhoneNumber } from '@platform/config';

/**
 * Hashes phone numbers with a keyed hash (HMAC-SHA256, pepper from `COMPLIANCE_PHONE_HASH_PEPPER`): the
 * only form in which a number is stored, cached, published or logged. Unlike a plain SHA-256, the hash
 * cannot be reversed by enumerating the few billion possible numbers without the pepper.
 */
@Injectable()
export class PhoneHasher {
  constructor(@Inject(COMPLIANCE_CONFIG) private readonly config: ComplianceConfig) {}

  /** The hash of an (already validated) E.164 number. */
  hash(e164: string): string {
    return hmacPhoneNumber(this.config.phoneHashPepper, e164);
  }
}
