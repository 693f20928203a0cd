import { z } from 'zod';
import { ConfigIssue, ConfigValidationError } from './config-validation.error';

/**
 * Parses `env` with a zod schema whose keys are environment variable names. Throws
 * {@link ConfigValidationError} naming every missing or malformed variable.
 */
export function parseEnv<S extends z.ZodType>(
  service: string,
  schema: S,
  env: Record<string, string | undefined> = process.env,
): z.output<S> {
  const result = schema.safeParse(env);
  if (result.success) return result.data;
  const issues: ConfigIssue[] = result.error.issues.map((issue) => {
    const variable = issue.path.length > 0 ? issue.path.map(String).join('.') : '(environment)';
    const missing = env[variable] === undefined || env[variable] === '';
    return { variable, message: missing && issue.code === 'invalid_type' ? 'is required' : issue.message };
  });
  throw new ConfigValidationError(service, issues);
}
