import { ConfigValidationError } from './config-validation.error';
import { DEFAULT_GRPC_MAX_MESSAGE_BYTES, DEFAULT_HTTP_BODY_LIMIT_BYTES } from './limits-config';
import { loadServiceConfig, ServiceDefaults } from './service-config';

const defaults: ServiceDefaults = { name: 'bid', httpPort: 3101, grpcPort: 5101, dbSchema: 'bid' };
const validEnv = {
  DATABASE_URL: 'postgres://platform:platform@127.0.0.1:15432/platform',
  REDIS_URL: 'redis://127.0.0.1:16379',
  KAFKA_BROKERS: '127.0.0.1:19092',
};
// Production needs a decision on auth; these tests are about limits.
const production = { ...validEnv, NODE_ENV: 'production', AUTH_MODE: 'off' };

const failureOf = (env: Record<string, string>): ConfigValidationError => {
  try {
    loadServiceConfig(defaults, env);
  } catch (error) {
    if (error instanceof ConfigValidationError) return error;
    throw error;
  }
  throw new Error('expected loadServiceConfig to throw');
};

describe('toLimitsConfig()', () => {
  it('should turn rate limiting on by default in production only', () => {
    expect(loadServiceConfig(defaults, validEnv).limits.rateLimit.enabled).toBe(false);
    expect(loadServiceConfig(defaults, production).limits.rateLimit.enabled).toBe(true);
    expect(
      loadServiceConfig(defaults, { ...production, RATE_LIMIT_ENABLED: 'false' }).limits.rateLimit.enabled,
    ).toBe(false);
    expect(
      loadServiceConfig(defaults, { ...validEnv, RATE_LIMIT_ENABLED: 'true' }).limits.rateLimit.enabled,
    ).toBe(true);
  });

  it('should apply the defaults', () => {
    expect(loadServiceConfig(defaults, validEnv).limits).toEqual({
      rateLimit: { enabled: false, points: 600, windowSeconds: 60, redisTimeoutMs: 50 },
      trustProxy: false,
      httpBodyLimitBytes: DEFAULT_HTTP_BODY_LIMIT_BYTES,
      grpcMaxReceiveMessageBytes: DEFAULT_GRPC_MAX_MESSAGE_BYTES,
      grpcMaxSendMessageBytes: DEFAULT_GRPC_MAX_MESSAGE_BYTES,
    });
  });

  it('should read how long the limiter waits for Redis', () => {
    expect(
      loadServiceConfig(defaults, { ...validEnv, RATE_LIMIT_REDIS_TIMEOUT_MS: '250' }).limits.rateLimit
        .redisTimeoutMs,
    ).toBe(250);
  });

  it('should read HTTP_TRUST_PROXY as a boolean or a hop count', () => {
    const trust = (value: string) =>
      loadServiceConfig(defaults, { ...validEnv, HTTP_TRUST_PROXY: value }).limits.trustProxy;
    expect(trust('true')).toBe(true);
    expect(trust('FALSE')).toBe(false);
    expect(trust('2')).toBe(2);
    expect(trust('0')).toBe(false);
  });

  it('should name every malformed limit variable', () => {
    const error = failureOf({
      ...validEnv,
      RATE_LIMIT_ENABLED: 'yes',
      RATE_LIMIT_POINTS: '0',
      RATE_LIMIT_WINDOW_S: 'a minute',
      RATE_LIMIT_REDIS_TIMEOUT_MS: '0',
      HTTP_TRUST_PROXY: 'everyone',
      HTTP_BODY_LIMIT_BYTES: '-1',
      GRPC_MAX_RECEIVE_MESSAGE_BYTES: '1.5',
      GRPC_MAX_SEND_MESSAGE_BYTES: 'big',
    });
    expect(error.issues.map((issue) => issue.variable).sort()).toEqual([
      'GRPC_MAX_RECEIVE_MESSAGE_BYTES',
      'GRPC_MAX_SEND_MESSAGE_BYTES',
      'HTTP_BODY_LIMIT_BYTES',
      'HTTP_TRUST_PROXY',
      'RATE_LIMIT_ENABLED',
      'RATE_LIMIT_POINTS',
      'RATE_LIMIT_REDIS_TIMEOUT_MS',
      'RATE_LIMIT_WINDOW_S',
    ]);
  });
});
