import type { Provider } from '@nestjs/common';
import { parseEnv, type ServiceConfig } from '@platform/config';
import { SERVICE_CONFIG } from '@platform/service-kit';
import { z } from 'zod';

/** Injection token of the validated {@link ComplianceConfig}. */
export const COMPLIANCE_CONFIG = Symbol('compliance:config');

/** Settings only the compliance service reads. */
export interface ComplianceConfig {
  /**
   * `COMPLIANCE_PHONE_HASH_PEPPER`: the HMAC-SHA256 key of phone hashes (≥ 32 characters). Required in
   * production; development and tests fall back to a fixed, public pepper so hashes are reproducible.
   */
  phoneHashPepper: string;
}

/** The fallback pepper outside production: public, so never good enough to protect real numbers. */
export const DEVELOPMENT_PEPPER = 'development-only-pepper-not-for-production-use';

const schema = z.object({
  COMPLIANCE_PHONE_HASH_PEPPER: z.string().min(32, 'must be at least 32 characters').optional(),
});

/**
 * Reads the compliance settings from `env`. Throws `ConfigValidationError` naming
 * `COMPLIANCE_PHONE_HASH_PEPPER` when it is malformed, or missing in production.
 */
export function loadComplianceConfig(
  nodeEnv: ServiceConfig['env'],
  env: Record<string, string | undefined> = process.env,
): ComplianceConfig {
  const required = nodeEnv === 'production' ? schema.required() : schema;
  const vars = parseEnv('compliance', required, env);
  return { phoneHashPepper: vars.COMPLIANCE_PHONE_HASH_PEPPER ?? DEVELOPMENT_PEPPER };
}

/** Provides {@link COMPLIANCE_CONFIG} from the process environment and the service's `NODE_ENV`. */
export const complianceConfigProvider: Provider = {
  provide: COMPLIANCE_CONFIG,
  inject: [SERVICE_CONFIG],
  useFactory: (config: ServiceConfig) => loadComplianceConfig(config.env),
};
