import { createHmac } from 'node:crypto';
import { z } from 'zod';
import { parseEnv } from './load-config';
import type { ServiceConfig } from './service-config';

/**
 * The compliance phone hash: HMAC-SHA256 of an E.164 number under the pepper, lowercase hex. It is the only
 * form in which a number appears in a key, an event, a log or the audit. Every service that caches
 * compliance answers must hash with the same pepper, or compliance's events (which name the hash) would never
 * evict its copies. Unlike a plain SHA-256, it cannot be reversed by enumerating the few billion possible
 * numbers without the pepper.
 */
export const hmacPhoneNumber = (pepper: string, e164: string): string =>
  createHmac('sha256', pepper).update(e164, 'utf8').digest('hex');

/** The fallback pepper outside production: public, so never good enough to protect real numbers. */
export const DEVELOPMENT_PEPPER = 'development-only-pepper-not-for-production-use';

const schema = z.object({
  COMPLIANCE_PHONE_HASH_PEPPER: z.string().min(32, 'must be at least 32 characters').optional(),
});

/**
 * `COMPLIANCE_PHONE_HASH_PEPPER` from `env` (≥ 32 characters), shared by compliance and every service
 * that caches its answers. Required in production; development and tests fall back to
 * {@link DEVELOPMENT_PEPPER} so hashes are reproducible. Throws `ConfigValidationError` naming the
 * variable when it is malformed, or missing in production.
 */
export function loadPhoneHashPepper(
  service: string,
  nodeEnv: ServiceConfig['env'],
  env: Record<string, string | undefined> = process.env,
): string {
  const vars = parseEnv(service, nodeEnv === 'production' ? schema.required() : schema, env);
  return vars.COMPLIANCE_PHONE_HASH_PEPPER ?? DEVELOPMENT_PEPPER;
}
