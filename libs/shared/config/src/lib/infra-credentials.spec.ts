import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigValidationError } from './config-validation.error';
import { isCredentialsError, redactUrl } from './infra-credentials';
import { loadServiceConfig } from './service-config';

const dir = mkdtempSync(join(tmpdir(), 'infra-credentials-'));
const file = (name: string, content: string): string => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};
const PEM = '-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n';

const BASE = {
  DATABASE_URL: 'postgres://platform@127.0.0.1:15432/platform',
  REDIS_URL: 'redis://127.0.0.1:16379',
  KAFKA_BROKERS: '127.0.0.1:19092',
};
const load = (env: Record<string, string>) =>
  loadServiceConfig({ name: 'bid', httpPort: 3101, grpcPort: 5101, dbSchema: 'bid' }, { ...BASE, ...env });
const issuesOf = (env: Record<string, string>) => {
  try {
    load(env);
  } catch (error) {
    if (error instanceof ConfigValidationError) return error.issues;
    throw error;
  }
  throw new Error('expected loadServiceConfig to throw');
};

describe('infra credentials (loadServiceConfig)', () => {
  describe('redis', () => {
    it('should have no auth and no TLS by default', () => {
      expect(load({}).redis).toMatchObject({ url: 'redis://127.0.0.1:16379', auth: null, tls: null });
    });

    it('should take the ACL user and password from REDIS_USERNAME/REDIS_PASSWORD', () => {
      expect(load({ REDIS_USERNAME: 'app', REDIS_PASSWORD: 'p@ss' }).redis.auth).toEqual({
        username: 'app',
        password: 'p@ss',
      });
    });

    it('should read the password from REDIS_PASSWORD_FILE', () => {
      const config = load({ REDIS_USERNAME: 'app', REDIS_PASSWORD_FILE: file('redis-pw', 'from-file\n') });
      expect(config.redis.auth).toEqual({ username: 'app', password: 'from-file' });
    });

    it('should move credentials out of REDIS_URL, REDIS_PASSWORD winning', () => {
      const fromUrl = load({ REDIS_URL: 'redis://app:url%40pw@127.0.0.1:16379/2' }).redis;
      expect(fromUrl).toMatchObject({
        url: 'redis://127.0.0.1:16379/2',
        auth: { username: 'app', password: 'url@pw' },
      });
      const overridden = load({ REDIS_URL: 'redis://app:old@127.0.0.1:16379', REDIS_PASSWORD: 'new' }).redis;
      expect(overridden.auth).toEqual({ username: 'app', password: 'new' });
    });

    it('should turn TLS on for rediss:// and read the CA, client cert and key', () => {
      const ca = file('ca.pem', PEM);
      const config = load({
        REDIS_URL: 'rediss://127.0.0.1:6380',
        REDIS_TLS_CA_FILE: ca,
        REDIS_TLS_CERT_FILE: file('client.pem', PEM),
        REDIS_TLS_KEY_FILE: file('client.key', PEM.replace(/CERTIFICATE/g, 'PRIVATE KEY')),
        REDIS_TLS_SERVERNAME: 'redis.internal',
      });
      expect(config.redis.url).toBe('redis://127.0.0.1:6380');
      expect(config.redis.tls?.ca).toEqual({ path: ca, pem: Buffer.from(PEM) });
      expect(config.redis.tls?.servername).toBe('redis.internal');
      expect(config.redis.tls?.key?.pem.toString()).toContain('PRIVATE KEY');
    });

    it('should turn TLS on with REDIS_TLS=true for a redis:// URL', () => {
      expect(load({ REDIS_TLS: 'true' }).redis.tls).toEqual({});
    });

    it('should name the variable of an unreadable or non-PEM certificate file', () => {
      const issues = issuesOf({
        REDIS_TLS: 'true',
        REDIS_TLS_CA_FILE: join(dir, 'absent.pem'),
        DATABASE_SSL_MODE: 'verify-full',
        DATABASE_SSL_CA_FILE: file('not-pem', 'hello'),
      });
      expect(issues).toEqual([
        { variable: 'REDIS_TLS_CA_FILE', message: expect.stringContaining('cannot be read (ENOENT)') },
        { variable: 'DATABASE_SSL_CA_FILE', message: expect.stringContaining('does not hold PEM data') },
      ]);
    });

    it('should refuse contradictions, naming the variable', () => {
      expect(issuesOf({ REDIS_URL: 'rediss://127.0.0.1:6380', REDIS_TLS: 'false' })).toEqual([
        { variable: 'REDIS_TLS', message: 'is false but REDIS_URL is rediss:// (TLS); drop one' },
      ]);
      expect(issuesOf({ REDIS_TLS_CA_FILE: file('ca2.pem', PEM) })).toEqual([
        {
          variable: 'REDIS_TLS_CA_FILE',
          message: 'is set but TLS is off: set REDIS_TLS=true or use rediss://',
        },
      ]);
      expect(issuesOf({ REDIS_TLS: '1', REDIS_TLS_CERT_FILE: file('c.pem', PEM) })).toEqual([
        {
          variable: 'REDIS_TLS_KEY_FILE',
          message: expect.stringContaining('is required when REDIS_TLS_CERT_FILE'),
        },
      ]);
      expect(issuesOf({ REDIS_USERNAME: 'app' })).toEqual([
        { variable: 'REDIS_PASSWORD', message: expect.stringContaining('is required when REDIS_USERNAME') },
      ]);
      expect(issuesOf({ REDIS_TLS: 'yes' })).toEqual([
        { variable: 'REDIS_TLS', message: 'must be true, false, 1 or 0' },
      ]);
    });
  });

  describe('database', () => {
    it('should default to sslmode disable and keep DATABASE_URL', () => {
      expect(load({}).database).toMatchObject({ url: BASE.DATABASE_URL, ssl: { mode: 'disable' } });
    });

    it('should put DATABASE_PASSWORD(_FILE) into the URL, over the URL password', () => {
      const config = load({
        DATABASE_URL: 'postgres://platform:old@127.0.0.1:15432/platform',
        DATABASE_PASSWORD_FILE: file('db-pw', 'n3w/p@ss:word\n'),
      });
      const url = new URL(config.database.url);
      expect(decodeURIComponent(url.password)).toBe('n3w/p@ss:word');
      expect(url.username).toBe('platform');
    });

    it('should read the mode and files, and take sslmode out of the URL', () => {
      const ca = file('db-ca.pem', PEM);
      const config = load({
        DATABASE_URL: `${BASE.DATABASE_URL}?sslmode=verify-full&application_name=x`,
        DATABASE_SSL_CA_FILE: ca,
      });
      expect(config.database.ssl).toEqual({ mode: 'verify-full', ca: { path: ca, pem: Buffer.from(PEM) } });
      expect(config.database.url).toBe(`${BASE.DATABASE_URL}?application_name=x`);
      expect(load({ DATABASE_SSL_MODE: 'require' }).database.ssl).toEqual({ mode: 'require' });
    });

    it('should refuse contradictions and unknown modes, naming the variable', () => {
      expect(issuesOf({ DATABASE_SSL_MODE: 'prefer' })).toEqual([
        {
          variable: 'DATABASE_SSL_MODE',
          message: 'must be one of disable, require, verify-ca, verify-full',
        },
      ]);
      expect(issuesOf({ DATABASE_SSL_CA_FILE: file('db-ca2.pem', PEM) })).toEqual([
        {
          variable: 'DATABASE_SSL_CA_FILE',
          message: expect.stringContaining('DATABASE_SSL_MODE is disable'),
        },
      ]);
      expect(
        issuesOf({ DATABASE_SSL_MODE: 'require', DATABASE_SSL_CA_FILE: file('db-ca3.pem', PEM) }),
      ).toEqual([
        {
          variable: 'DATABASE_SSL_CA_FILE',
          message: expect.stringContaining('use verify-ca or verify-full'),
        },
      ]);
      expect(
        issuesOf({ DATABASE_URL: `${BASE.DATABASE_URL}?sslmode=disable`, DATABASE_SSL_MODE: 'verify-ca' }),
      ).toEqual([{ variable: 'DATABASE_SSL_MODE', message: expect.stringContaining('sslmode=disable') }]);
      expect(issuesOf({ DATABASE_URL: `${BASE.DATABASE_URL}?sslmode=prefer` })).toEqual([
        { variable: 'DATABASE_URL', message: expect.stringContaining('use DATABASE_SSL_MODE') },
      ]);
    });
  });
});

describe('redactUrl()', () => {
  it('should hide the password and secret-looking parameters', () => {
    expect(redactUrl('postgres://platform:s3cret@db:5432/platform?sslpassword=x&application_name=a')).toBe(
      'postgres://platform:***@db:5432/platform?sslpassword=***&application_name=a',
    );
    expect(redactUrl('redis://127.0.0.1:6379')).toBe('redis://127.0.0.1:6379');
    expect(redactUrl('not a url s3cret')).toBe('(unparsable URL)');
  });
});

describe('isCredentialsError()', () => {
  it('should tell credential and TLS errors from outages', () => {
    const coded = (message: string, code: string) => Object.assign(new Error(message), { code });
    expect(isCredentialsError(new Error('WRONGPASS invalid username-password pair'))).toBe(true);
    expect(
      isCredentialsError(coded('self-signed certificate in certificate chain', 'SELF_SIGNED_CERT_IN_CHAIN')),
    ).toBe(true);
    expect(isCredentialsError(coded('password authentication failed for user "platform"', '28P01'))).toBe(
      true,
    );
    expect(isCredentialsError(new Error('The server does not support SSL connections'))).toBe(true);
    expect(isCredentialsError(coded('connect ECONNREFUSED 127.0.0.1:1', 'ECONNREFUSED'))).toBe(false);
    expect(isCredentialsError('WRONGPASS')).toBe(false);
  });
});
