import { ConfigValidationError } from './config-validation.error';
import { loadServiceConfig, ServiceDefaults } from './service-config';

const defaults: ServiceDefaults = {
  name: 'bid',
  httpPort: 3101,
  grpcPort: 5101,
  dbSchema: 'bid',
  peers: [{ name: 'routing', addressVar: 'ROUTING_GRPC_ADDRESS', defaultAddress: '127.0.0.1:5102' }],
};
const base = {
  DATABASE_URL: 'postgres://platform:platform@127.0.0.1:15432/platform',
  REDIS_URL: 'redis://127.0.0.1:16379',
  KAFKA_BROKERS: '127.0.0.1:19092',
};
const SECRET = 'x'.repeat(32);

const issuesOf = (env: Record<string, string>): Record<string, string> => {
  try {
    loadServiceConfig(defaults, env);
  } catch (error) {
    if (!(error instanceof ConfigValidationError)) throw error;
    return Object.fromEntries(error.issues.map((issue) => [issue.variable, issue.message]));
  }
  throw new Error('expected loadServiceConfig to throw');
};

describe('loadServiceConfig() auth settings', () => {
  it('should leave auth off outside production when nothing is set', () => {
    expect(loadServiceConfig(defaults, base).auth).toEqual({
      mode: 'off',
      openPaths: ['/health', '/metrics'],
    });
  });

  it('should refuse to start in production without a way to verify tokens, naming the variables', () => {
    const issues = issuesOf({ ...base, NODE_ENV: 'production' });
    expect(issues['AUTH_JWT_SECRET']).toMatch(
      /AUTH_JWKS_FILE or AUTH_JWKS_URL.*production requires auth unless AUTH_MODE=off/,
    );
    expect(issues['AUTH_ISSUER']).toMatch(/is required/);
  });

  it('should start in production without auth only when AUTH_MODE=off says so', () => {
    expect(loadServiceConfig(defaults, { ...base, NODE_ENV: 'production', AUTH_MODE: 'off' }).auth.mode).toBe(
      'off',
    );
  });

  it('should read the secret mode with defaults for audience, skew and the own client token', () => {
    const auth = loadServiceConfig(defaults, {
      ...base,
      AUTH_MODE: 'jwt',
      AUTH_JWT_SECRET: SECRET,
      AUTH_ISSUER: 'platform-dev',
    }).auth;
    expect(auth).toEqual({
      mode: 'jwt',
      verify: { kind: 'secret', secret: SECRET },
      issuer: 'platform-dev',
      audience: ['platform'],
      clockSkewSeconds: 30,
      openPaths: ['/health', '/metrics'],
      client: { kind: 'secret', secret: SECRET, scopes: ['routing:read'], ttlSeconds: 300 },
    });
  });

  it('should read a JWKS file and a client token file', () => {
    const auth = loadServiceConfig(defaults, {
      ...base,
      AUTH_MODE: 'jwt',
      AUTH_JWKS_FILE: '/etc/jwks.json',
      AUTH_ISSUER: 'idp',
      AUTH_AUDIENCE: 'bid, platform',
      AUTH_CLIENT_TOKEN_FILE: '/run/token',
      AUTH_CLOCK_SKEW_S: '5',
    }).auth;
    expect(auth).toMatchObject({
      verify: { kind: 'jwks-file', path: '/etc/jwks.json' },
      audience: ['bid', 'platform'],
      clockSkewSeconds: 5,
      client: { kind: 'token-file', path: '/run/token' },
    });
  });

  it('should reject a short secret, a bad skew, two key sources and a caller without credentials', () => {
    expect(issuesOf({ ...base, AUTH_MODE: 'jwt', AUTH_JWT_SECRET: 'short', AUTH_ISSUER: 'i' })).toMatchObject(
      {
        AUTH_JWT_SECRET: 'must be at least 32 characters (HS256)',
      },
    );
    expect(
      issuesOf({
        ...base,
        AUTH_MODE: 'jwt',
        AUTH_JWT_SECRET: SECRET,
        AUTH_ISSUER: 'i',
        AUTH_CLOCK_SKEW_S: '900',
      }),
    ).toMatchObject({ AUTH_CLOCK_SKEW_S: 'must be between 0 and 300' });
    expect(
      issuesOf({
        ...base,
        AUTH_MODE: 'jwt',
        AUTH_JWT_SECRET: SECRET,
        AUTH_JWKS_FILE: '/j',
        AUTH_ISSUER: 'i',
      }),
    ).toMatchObject({ AUTH_JWT_SECRET: expect.stringMatching(/only one of/) });
    expect(
      issuesOf({ ...base, AUTH_MODE: 'jwt', AUTH_JWKS_URL: 'https://idp/jwks', AUTH_ISSUER: 'i' }),
    ).toEqual({
      AUTH_CLIENT_SECRET: expect.stringMatching(/calls routing/),
    });
    expect(issuesOf({ ...base, AUTH_MODE: 'maybe' })).toMatchObject({ AUTH_MODE: 'must be one of off, jwt' });
  });
});
