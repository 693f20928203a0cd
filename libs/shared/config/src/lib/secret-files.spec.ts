import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigValidationError } from './config-validation.error';
import { resolveSecretFiles } from './secret-files';
import { loadServiceConfig } from './service-config';

const dir = mkdtempSync(join(tmpdir(), 'secret-files-'));
const file = (name: string, content: string): string => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};

const issuesOf = (env: Record<string, string | undefined>) => {
  try {
    resolveSecretFiles('bid', env);
  } catch (error) {
    if (error instanceof ConfigValidationError) return error.issues;
    throw error;
  }
  throw new Error('expected resolveSecretFiles to throw');
};

describe('resolveSecretFiles()', () => {
  it('should read <NAME>_FILE into <NAME>, dropping one trailing newline', () => {
    const env = resolveSecretFiles('bid', { REDIS_PASSWORD_FILE: file('redis', 's3cret-value\n') });
    expect(env['REDIS_PASSWORD']).toBe('s3cret-value');
  });

  it('should leave variables alone when no file is given', () => {
    expect(resolveSecretFiles('bid', { DATABASE_PASSWORD: 'plain' })).toEqual({ DATABASE_PASSWORD: 'plain' });
  });

  it('should refuse both <NAME> and <NAME>_FILE, naming the file variable', () => {
    expect(issuesOf({ KAFKA_SASL_PASSWORD: 'x', KAFKA_SASL_PASSWORD_FILE: file('k', 'y') })).toEqual([
      {
        variable: 'KAFKA_SASL_PASSWORD_FILE',
        message: 'is set together with KAFKA_SASL_PASSWORD; set only one',
      },
    ]);
  });

  it('should refuse a missing or empty file', () => {
    const issues = issuesOf({
      DATABASE_PASSWORD_FILE: join(dir, 'absent'),
      REDIS_PASSWORD_FILE: file('e', '\n'),
    });
    expect(issues.map((issue) => issue.variable)).toEqual(['DATABASE_PASSWORD_FILE', 'REDIS_PASSWORD_FILE']);
    expect(issues[0]?.message).toContain('ENOENT');
    expect(issues[1]?.message).toContain('empty');
  });

  it('should feed a file secret to the service config as if it were set directly', () => {
    const secret = 'a'.repeat(40);
    const config = loadServiceConfig(
      { name: 'bid', httpPort: 3101, grpcPort: 5101, dbSchema: 'bid' },
      {
        DATABASE_URL: 'postgres://platform@127.0.0.1:15432/platform',
        REDIS_URL: 'redis://127.0.0.1:16379',
        KAFKA_BROKERS: '127.0.0.1:19092',
        AUTH_MODE: 'jwt',
        AUTH_ISSUER: 'platform-test',
        AUTH_JWT_SECRET_FILE: file('jwt', `${secret}\n`),
      },
    );
    expect(config.auth).toMatchObject({ mode: 'jwt', verify: { kind: 'secret', secret } });
    expect(config.vars['AUTH_JWT_SECRET']).toBe(secret);
  });
});
