import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigValidationError } from './config-validation.error';
import { loadServiceConfig, ServiceDefaults } from './service-config';

const defaults: ServiceDefaults = { name: 'bid', httpPort: 3101, grpcPort: 5101, dbSchema: 'bid' };
const base = {
  DATABASE_URL: 'postgres://platform:platform@127.0.0.1:15432/platform',
  REDIS_URL: 'redis://127.0.0.1:16379',
  KAFKA_BROKERS: '127.0.0.1:19092',
};
const dir = mkdtempSync(join(tmpdir(), 'kafka-security-'));
const file = (name: string, content: string): string => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};
const CA = '-----BEGIN CERTIFICATE-----\nca\n-----END CERTIFICATE-----\n';
const CERT = '-----BEGIN CERTIFICATE-----\nclient\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN PRIVATE KEY-----\nkey\n-----END PRIVATE KEY-----\n';

const security = (env: Record<string, string>) =>
  loadServiceConfig(defaults, { ...base, ...env }).kafka.security;

const issuesOf = (env: Record<string, string>): Record<string, string> => {
  try {
    loadServiceConfig(defaults, { ...base, ...env });
  } catch (error) {
    if (!(error instanceof ConfigValidationError)) throw error;
    return Object.fromEntries(error.issues.map((issue) => [issue.variable, issue.message]));
  }
  throw new Error('expected loadServiceConfig to throw');
};

describe('loadServiceConfig() Kafka security', () => {
  it('should connect in plaintext without SASL when nothing is set', () => {
    expect(security({})).toEqual({ sasl: null, tls: null });
  });

  it('should read SCRAM credentials and TLS with a CA, client certificate and server name', () => {
    expect(
      security({
        KAFKA_SASL_MECHANISM: 'scram-sha-512',
        KAFKA_SASL_USERNAME: 'bid',
        KAFKA_SASL_PASSWORD: 'pw',
        KAFKA_TLS: 'true',
        KAFKA_TLS_CA_FILE: file('ca.pem', CA),
        KAFKA_TLS_CERT_FILE: file('client.pem', CERT),
        KAFKA_TLS_KEY_FILE: file('client.key', KEY),
        KAFKA_TLS_SERVERNAME: 'kafka.internal',
      }),
    ).toEqual({
      sasl: { mechanism: 'scram-sha-512', username: 'bid', password: 'pw' },
      tls: { ca: CA, cert: CERT, key: KEY, servername: 'kafka.internal' },
    });
  });

  it('should read the password from KAFKA_SASL_PASSWORD_FILE', () => {
    expect(
      security({
        KAFKA_SASL_MECHANISM: 'scram-sha-256',
        KAFKA_SASL_USERNAME: 'bid',
        KAFKA_SASL_PASSWORD_FILE: file('kafka-password', 'from-a-file\n'),
      }).sasl,
    ).toEqual({ mechanism: 'scram-sha-256', username: 'bid', password: 'from-a-file' });
  });

  it('should use the system CAs when TLS is on without a CA file', () => {
    expect(security({ KAFKA_TLS: '1' }).tls).toEqual({});
  });

  it('should name an unknown mechanism', () => {
    expect(issuesOf({ KAFKA_SASL_MECHANISM: 'gssapi' })['KAFKA_SASL_MECHANISM']).toBe(
      'must be one of scram-sha-256, scram-sha-512, plain',
    );
  });

  it('should require the username and password with a mechanism, naming both', () => {
    expect(issuesOf({ KAFKA_SASL_MECHANISM: 'scram-sha-256' })).toEqual({
      KAFKA_SASL_USERNAME: 'is required when KAFKA_SASL_MECHANISM is set',
      KAFKA_SASL_PASSWORD: 'is required when KAFKA_SASL_MECHANISM is set (or KAFKA_SASL_PASSWORD_FILE)',
    });
  });

  it('should refuse credentials without a mechanism', () => {
    expect(issuesOf({ KAFKA_SASL_USERNAME: 'bid', KAFKA_SASL_PASSWORD: 'pw' })).toEqual({
      KAFKA_SASL_USERNAME: 'is set but KAFKA_SASL_MECHANISM is not; set both or neither',
      KAFKA_SASL_PASSWORD: 'is set but KAFKA_SASL_MECHANISM is not; set both or neither',
    });
  });

  it('should refuse SASL PLAIN without TLS in production, and allow it with TLS or outside production', () => {
    const plain = { KAFKA_SASL_MECHANISM: 'plain', KAFKA_SASL_USERNAME: 'bid', KAFKA_SASL_PASSWORD: 'pw' };
    const production = { NODE_ENV: 'production', AUTH_MODE: 'off' };
    expect(issuesOf({ ...plain, ...production })['KAFKA_SASL_MECHANISM']).toMatch(
      /^is plain without KAFKA_TLS=true: .*refused in production/,
    );
    expect(security({ ...plain, ...production, KAFKA_TLS: 'true' }).sasl?.mechanism).toBe('plain');
    expect(security(plain).tls).toBeNull();
  });

  it('should allow SCRAM without TLS in production (the password never crosses the wire)', () => {
    expect(
      security({
        NODE_ENV: 'production',
        AUTH_MODE: 'off',
        KAFKA_SASL_MECHANISM: 'scram-sha-256',
        KAFKA_SASL_USERNAME: 'bid',
        KAFKA_SASL_PASSWORD: 'pw',
      }).sasl?.mechanism,
    ).toBe('scram-sha-256');
  });

  it('should name an unreadable or non-PEM file', () => {
    const issues = issuesOf({
      KAFKA_TLS: 'true',
      KAFKA_TLS_CA_FILE: join(dir, 'missing.pem'),
      KAFKA_TLS_CERT_FILE: file('not-pem', 'hello'),
      KAFKA_TLS_KEY_FILE: file('k.pem', KEY),
    });
    expect(issues['KAFKA_TLS_CA_FILE']).toBe(`cannot be read (ENOENT): ${join(dir, 'missing.pem')}`);
    expect(issues['KAFKA_TLS_CERT_FILE']).toBe(`is not a PEM file: ${join(dir, 'not-pem')}`);
  });

  it('should refuse TLS settings while KAFKA_TLS is off, and a certificate without its key', () => {
    expect(issuesOf({ KAFKA_TLS_CA_FILE: file('ca2.pem', CA) })).toEqual({
      KAFKA_TLS_CA_FILE: 'is set but KAFKA_TLS is not true; set KAFKA_TLS=true to use it',
    });
    expect(issuesOf({ KAFKA_TLS: 'true', KAFKA_TLS_CERT_FILE: file('c.pem', CERT) })).toEqual({
      KAFKA_TLS_KEY_FILE:
        'is required: a client certificate needs both KAFKA_TLS_CERT_FILE and KAFKA_TLS_KEY_FILE',
    });
  });

  it('should name KAFKA_TLS when it is not a boolean', () => {
    expect(issuesOf({ KAFKA_TLS: 'yes' })['KAFKA_TLS']).toBe('must be true, false, 1 or 0');
  });
});
