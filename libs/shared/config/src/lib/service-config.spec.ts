import { ConfigValidationError } from './config-validation.error';
import { loadServiceConfig, ServiceDefaults } from './service-config';

// A peer as a client lib declares it; config knows its variable only through this declaration.
const defaults: ServiceDefaults = {
  name: 'bid',
  httpPort: 3101,
  grpcPort: 5101,
  dbSchema: 'bid',
  peers: [{ name: 'pricing', addressVar: 'PRICING_GRPC_ADDRESS', defaultAddress: '127.0.0.1:5109' }],
};
const validEnv = {
  DATABASE_URL: 'postgres://platform:platform@127.0.0.1:15432/platform',
  REDIS_URL: 'redis://127.0.0.1:16379',
  KAFKA_BROKERS: '127.0.0.1:19092',
};

const failureOf = (env: Record<string, string | undefined>): ConfigValidationError => {
  try {
    loadServiceConfig(defaults, env);
  } catch (error) {
    if (error instanceof ConfigValidationError) return error;
    throw error;
  }
  throw new Error('expected loadServiceConfig to throw');
};

describe('loadServiceConfig()', () => {
  it('should apply the service defaults when only the required variables are set', () => {
    const config = loadServiceConfig(defaults, validEnv);
    expect(config).toMatchObject({
      name: 'bid',
      http: { host: '127.0.0.1', port: 3101, adapter: 'fastify', cacheFastPath: true },
      grpc: { port: 5101 },
      database: { schema: 'bid', poolSize: 10 },
      redis: { clusterNodes: [] },
      kafka: { brokers: ['127.0.0.1:19092'], clientId: 'bid', groupId: 'bid' },
      log: { level: 'info' },
    });
  });

  it('should name every missing required variable', () => {
    const error = failureOf({});
    expect(error.code).toBe('CONFIG.INVALID');
    expect(error.issues.map((issue) => issue.variable).sort()).toEqual([
      'DATABASE_URL',
      'KAFKA_BROKERS',
      'REDIS_URL',
    ]);
    expect(error.message).toContain('DATABASE_URL: is required');
  });

  it('should reject malformed values and say why', () => {
    const error = failureOf({
      ...validEnv,
      HTTP_PORT: 'eighty',
      DATABASE_URL: 'mysql://x',
      KAFKA_BROKERS: 'no-port-here',
      LOG_LEVEL: 'loud',
      DB_SCHEMA: 'Bid; drop table x',
    });
    const byVariable = Object.fromEntries(error.issues.map((issue) => [issue.variable, issue.message]));
    expect(Object.keys(byVariable).sort()).toEqual([
      'DATABASE_URL',
      'DB_SCHEMA',
      'HTTP_PORT',
      'KAFKA_BROKERS',
      'LOG_LEVEL',
    ]);
    expect(byVariable['HTTP_PORT']).toBe('must be a number');
    expect(byVariable['DATABASE_URL']).toContain('postgres://');
  });

  it('should parse a Redis Cluster seed list', () => {
    const config = loadServiceConfig(defaults, {
      ...validEnv,
      REDIS_CLUSTER_NODES: '127.0.0.1:17001, 127.0.0.1:17002',
    });
    expect(config.redis.clusterNodes).toEqual(['127.0.0.1:17001', '127.0.0.1:17002']);
  });

  it('should refuse a drain delay that would outlast the shutdown timeout', () => {
    const error = failureOf({ ...validEnv, SHUTDOWN_TIMEOUT_MS: '2000', SHUTDOWN_DRAIN_DELAY_MS: '2000' });
    expect(error.issues).toEqual([
      { variable: 'SHUTDOWN_DRAIN_DELAY_MS', message: 'must be smaller than SHUTDOWN_TIMEOUT_MS' },
    ]);
  });

  it('should default the outbox relay settings and name each malformed one', () => {
    expect(loadServiceConfig(defaults, validEnv).outbox).toEqual({
      relayEnabled: true,
      pollIntervalMs: 1000,
      minReadIntervalMs: 20,
      batchSize: 100,
      retentionMs: 86_400_000,
      maxBackoffMs: 10_000,
    });
    expect(
      loadServiceConfig(defaults, { ...validEnv, OUTBOX_RELAY_ENABLED: 'false' }).outbox.relayEnabled,
    ).toBe(false);
    const error = failureOf({
      ...validEnv,
      OUTBOX_RELAY_ENABLED: 'sometimes',
      OUTBOX_POLL_INTERVAL_MS: '0',
      OUTBOX_MIN_READ_INTERVAL_MS: '5000',
      OUTBOX_BATCH_SIZE: '5000',
      OUTBOX_RETENTION_MS: 'a day',
      OUTBOX_MAX_BACKOFF_MS: '-1',
    });
    expect(Object.fromEntries(error.issues.map((issue) => [issue.variable, issue.message]))).toEqual({
      OUTBOX_RELAY_ENABLED: 'must be true, false, 1 or 0',
      OUTBOX_POLL_INTERVAL_MS: 'must be > 0',
      OUTBOX_MIN_READ_INTERVAL_MS: 'must be <= 1000',
      OUTBOX_BATCH_SIZE: 'must be <= 1000',
      OUTBOX_RETENTION_MS: 'must be a number',
      OUTBOX_MAX_BACKOFF_MS: 'must be > 0',
    });
  });

  it('should default the consumer, cache and peer settings, and name each malformed one', () => {
    expect(loadServiceConfig(defaults, validEnv)).toMatchObject({
      consumer: { maxAttempts: 5, retryInitialMs: 100, retryMaxMs: 5000, partitionsConsumedConcurrently: 3 },
      cache: { enabled: true, prefix: 'bid:', l2: 'standalone', busLivenessMs: 3000 },
      edge: { varnishUrls: [] },
      peers: { pricing: '127.0.0.1:5109' },
    });
    expect(loadServiceConfig(defaults, { ...validEnv, CACHE_PREFIX: '' }).cache.prefix).toBe('');
    const error = failureOf({
      ...validEnv,
      KAFKA_CONSUMER_MAX_ATTEMPTS: '0',
      CACHE_PREFIX: 'no colon',
      PRICING_GRPC_ADDRESS: 'pricing',
    });
    expect(error.issues.map((issue) => issue.variable).sort()).toEqual([
      'CACHE_PREFIX',
      'KAFKA_CONSUMER_MAX_ATTEMPTS',
      'PRICING_GRPC_ADDRESS',
    ]);
    expect(loadServiceConfig(defaults, { ...validEnv, PRICING_GRPC_ADDRESS: 'p:1' }).peers).toEqual({
      pricing: 'p:1',
    });
    const { peers: _none, ...withoutPeers } = defaults;
    expect(loadServiceConfig(withoutPeers, { ...validEnv, PRICING_GRPC_ADDRESS: 'bad' }).peers).toEqual({});
  });

  it('should turn the cache off only when CACHE_ENABLED says so, and name a malformed switch', () => {
    expect(loadServiceConfig(defaults, { ...validEnv, CACHE_ENABLED: 'false' }).cache.enabled).toBe(false);
    expect(loadServiceConfig(defaults, { ...validEnv, CACHE_ENABLED: '0' }).cache.enabled).toBe(false);
    expect(loadServiceConfig(defaults, { ...validEnv, CACHE_ENABLED: 'true' }).cache.enabled).toBe(true);
    expect(failureOf({ ...validEnv, CACHE_ENABLED: 'off' }).issues).toEqual([
      { variable: 'CACHE_ENABLED', message: 'must be true, false, 1 or 0' },
    ]);
  });

  it('should put L2 on the Redis Cluster only when its nodes are given, and parse the Varnish URLs', () => {
    const nodes = '127.0.0.1:17001';
    expect(
      loadServiceConfig(defaults, { ...validEnv, CACHE_L2: 'cluster', REDIS_CLUSTER_NODES: nodes }).cache.l2,
    ).toBe('cluster');
    expect(failureOf({ ...validEnv, CACHE_L2: 'cluster' }).issues).toEqual([
      { variable: 'CACHE_L2', message: 'is cluster but REDIS_CLUSTER_NODES is empty' },
    ]);
    expect(failureOf({ ...validEnv, CACHE_L2: 'sentinel' }).issues.map((issue) => issue.variable)).toEqual([
      'CACHE_L2',
    ]);
    const edge = { ...validEnv, EDGE_VARNISH_URLS: 'http://127.0.0.1:16081, http://127.0.0.1:16082' };
    expect(loadServiceConfig(defaults, edge).edge.varnishUrls).toEqual([
      'http://127.0.0.1:16081',
      'http://127.0.0.1:16082',
    ]);
    expect(
      failureOf({ ...validEnv, EDGE_VARNISH_URLS: 'varnish:6081' }).issues.map((i) => i.variable),
    ).toEqual(['EDGE_VARNISH_URLS']);
  });

  it('should run on Fastify unless HTTP_ADAPTER asks for Express, and refuse any other framework', () => {
    expect(loadServiceConfig(defaults, validEnv).http.adapter).toBe('fastify');
    expect(loadServiceConfig(defaults, { ...validEnv, HTTP_ADAPTER: 'express' }).http.adapter).toBe(
      'express',
    );
    expect(failureOf({ ...validEnv, HTTP_ADAPTER: 'koa' }).issues).toEqual([
      { variable: 'HTTP_ADAPTER', message: 'must be one of fastify, express' },
    ]);
  });
});
