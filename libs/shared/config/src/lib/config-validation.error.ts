/** One problem with one environment variable. */
export interface ConfigIssue {
  /** The environment variable at fault, e.g. `DATABASE_URL`. */
  variable: string;
  /** Why it was rejected, in words an operator can act on. */
  message: string;
}

/**
 * Thrown at boot when the environment is missing or malformed. The message names every bad variable,
 * so an operator fixes them all in one go instead of one restart per typo.
 */
export class ConfigValidationError extends Error {
  /** Stable code for logs and alerts. */
  readonly code = 'CONFIG.INVALID';

  constructor(
    readonly service: string,
    readonly issues: ConfigIssue[],
  ) {
    super(
      `Invalid configuration for ${service}:\n` +
        issues.map((issue) => `  - ${issue.variable}: ${issue.message}`).join('\n'),
    );
    this.name = 'ConfigValidationError';
  }
}
