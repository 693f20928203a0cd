import type { Provider } from '@nestjs/common';
import { loadPhoneHashPepper, type ServiceConfig } from '@platform/config';
import { SERVICE_CONFIG } from '@platform/service-kit';

export { DEVELOPMENT_PEPPER } from '@platform/config';

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

/**
 * Reads the compliance settings from `env`. Throws `ConfigValidationError` naming
 * `COMPLIANCE_PHONE_HASH_PEPPER` when it is malformed, or missing in production.
 */
export function loadComplianceConfig(
  nodeEnv: ServiceConfig['env'],
  env: Record<string, string | undefined> = process.env,
): ComplianceConfig {
  return { phoneHashPepper: loadPhoneHashPepper('compliance', nodeEnv, env) };
}

/** Provides {@link COMPLIANCE_CONFIG} from the service's environment and `NODE_ENV`. */
export const complianceConfigProvider: Provider = {
  provide: COMPLIANCE_CONFIG,
  inject: [SERVICE_CONFIG],
  useFactory: (config: ServiceConfig) => loadComplianceConfig(config.env, config.vars),
};
