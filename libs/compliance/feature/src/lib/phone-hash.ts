import { createHash } from 'node:crypto';

/** SHA-256 of an E.164 phone number as lowercase hex: the only form in which a number is stored or published. */
export const hashPhoneNumber = (e164: string): string =>
  createHash('sha256').update(e164, 'utf8').digest('hex');
