import { readFileSync } from 'node:fs';
import { ConfigIssue, ConfigValidationError } from './config-validation.error';

/**
 * The variables that hold secrets. Each may instead be given as `<NAME>_FILE`, the path of a file holding
 * the value (a Kubernetes Secret or Docker secret mounted as a file), so the secret never has to sit in the
 * process environment, where `ps e`, crash dumps and child processes can see it.
 */
export const SECRET_VARIABLES = [
  'AUTH_JWT_SECRET',
  'AUTH_CLIENT_SECRET',
  'DATABASE_PASSWORD',
  'REDIS_PASSWORD',
  'KAFKA_SASL_PASSWORD',
] as const;

/** One of {@link SECRET_VARIABLES}. */
export type SecretVariable = (typeof SECRET_VARIABLES)[number];

/**
 * Returns `env` with every `<NAME>_FILE` of {@link SECRET_VARIABLES} read into `<NAME>` (one trailing
 * newline dropped, as `echo` and most secret tools write one). Setting both `<NAME>` and `<NAME>_FILE`, an
 * unreadable file or an empty one is a {@link ConfigValidationError} naming the variable: a service must not
 * start with a secret other than the one the operator meant.
 */
export function resolveSecretFiles(
  service: string,
  env: Record<string, string | undefined>,
  variables: readonly string[] = SECRET_VARIABLES,
): Record<string, string | undefined> {
  const resolved: Record<string, string | undefined> = { ...env };
  const issues: ConfigIssue[] = [];
  for (const name of variables) {
    const fileVariable = `${name}_FILE`;
    const path = env[fileVariable];
    if (path === undefined || path === '') continue;
    if (env[name] !== undefined && env[name] !== '') {
      issues.push({ variable: fileVariable, message: `is set together with ${name}; set only one` });
      continue;
    }
    let value: string;
    try {
      value = readFileSync(path, 'utf8').replace(/\r?\n$/, '');
    } catch (error) {
      const reason = (error as NodeJS.ErrnoException).code ?? 'unreadable';
      issues.push({ variable: fileVariable, message: `cannot be read (${reason}): ${path}` });
      continue;
    }
    if (value === '') {
      issues.push({ variable: fileVariable, message: `names an empty file: ${path}` });
      continue;
    }
    resolved[name] = value;
  }
  if (issues.length > 0) throw new ConfigValidationError(service, issues);
  return resolved;
}
