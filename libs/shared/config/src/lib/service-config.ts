import { z } from 'zod';
import { parseEnv } from './load-config';
import { boolVar, hostPortListVar, identifierVar, portVar, positiveIntVar, urlVar } from './env';
import { resolveSecretFiles } from './secret-files';
import { AUTH_MODES, AuthConfig, authIssues, MIN_AUTH_SECRET_LENGTH, toAuthConfig } from './auth-config';
import {
  DatabaseSsl,
  infraCredentialIssues,
  infraCredentialVars,
  RedisAuth,
  RedisTls,
  toDatabaseCredentials,
  toRedisCredentials,
} from './infra-credentials';
import {
  KafkaSecurityConfig,
  kafkaSecurityIssues,
  kafkaSecurityVars,
  toKafkaSecurity,
} from './kafka-security-config';
import { LimitsConfig, limitsVars, toLimitsConfig } from './limits-config';

/** Log levels accepted by `LOG_LEVEL`. */
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/** HTTP frameworks a service can run on (`HTTP_ADAPTER`). */
export const HTTP_ADAPTERS = ['fastify', 'express'] as const;

/** One of {@link HTTP_ADAPTERS}. */
export type HttpAdapterName = (typeof HTTP_ADAPTERS)[number];

/**
 * The outbox relay's defaults: what `OUTBOX_*` falls back to, and what an `OutboxRelay` built without
 * `@platform/config` (a test, a bench) uses. One table, so the two cannot drift.
 */
export const OUTBOX_RELAY_DEFAULTS = {
  /** `OUTBOX_POLL_INTERVAL_MS`: fallback poll when no wake-up arrives; a standby's lock retry. */
  pollIntervalMs: 1000,
  /** `OUTBOX_MIN_READ_INTERVAL_MS`: least time between two reads when woken by commits. */
  minReadIntervalMs: 20,
  /** `OUTBOX_BATCH_SIZE`: rows claimed and published per batch. */
  batchSize: 100,
  /** `OUTBOX_RETENTION_MS`: how long sent rows are kept (24 h). */
  retentionMs: 86_400_000,
  /** `OUTBOX_MAX_BACKOFF_MS`: longest wait between attempts while Kafka or Postgres is down. */
  maxBackoffMs: 10_000,
} as const;

/**
 * Another service this one calls over gRPC. Declared by the caller's client lib (e.g. routing's client), so
 * shared config validates the address variable without knowing which domains exist.
 */
export interface PeerDefaults {
  /** Key of the address in {@link ServiceConfig.peers}, e.g. `routing`. */
  name: string;
  /** The environment variable holding its `host:port`, e.g. `ROUTING_GRPC_ADDRESS`. */
  addressVar: string;
  /** The address when the variable is unset. */
  defaultAddress: string;
}

/** Per-service defaults: the ports and schema that differ between the four services. */
export interface ServiceDefaults {
  /** Service name, used for logs, the Kafka client id and the consumer group. */
  name: string;
  httpPort: number;
  grpcPort: number;
  /** Postgres schema that holds this service's tables. */
  dbSchema: string;
  /** Services this one calls; each adds its address variable to the validated config. */
  peers?: readonly PeerDefaults[];
  /**
   * Default of `CACHE_BUS_LIVENESS_MS` (3000): how long the service's L1 may go unconfirmed by the invalidation
   * bus before it stops being served. Below the service's published stale bound, so the bound holds while
   * Redis is down, slow or failing over.
   */
  cacheBusLivenessMs?: number;
}

/** The validated configuration every service runs with. */
export interface ServiceConfig {
  name: string;
  env: 'development' | 'test' | 'production';
  /**
   * The REST server: `HOST`, `HTTP_PORT`, and `HTTP_ADAPTER`, the HTTP framework under Nest (`fastify`, the
   * default, costs about half of Express per request; `express` is kept for what only runs on it).
   */
  http: {
    host: string;
    port: number;
    adapter: HttpAdapterName;
    /**
     * `HTTP_CACHE_FAST_PATH` (default on): on Fastify, fresh L1 hits of public HTTP-cached routes and of
     * `@CacheEntryRoute` routes are answered from a hook before Nest's router (the app's guards still run;
     * see `HttpCacheFastPath`).
     */
    cacheFastPath: boolean;
  };
  grpc: { host: string; port: number };
  /** Postgres; `url` carries `DATABASE_PASSWORD`, `ssl` the `DATABASE_SSL_*` settings (infra-credentials.ts). */
  database: {
    url: string;
    schema: string;
    poolSize: number;
    statementTimeoutMs: number;
    /**
     * `DB_PREPARED_STATEMENTS`: the platform's hot statements (outbox insert, inbox, relay reads) are named
     * statements, parsed and planned once per connection. Off behind a pooler that does not keep them
     * (PgBouncer in transaction mode before 1.21, or without `max_prepared_statements`).
     */
    preparedStatements: boolean;
    ssl: DatabaseSsl;
  };
  /**
   * Redis, standalone (`url`, without credentials) and Cluster (`clusterNodes`), both reached with `auth`
   * (`REDIS_USERNAME`/`REDIS_PASSWORD`) and `tls` (`REDIS_TLS*`); see infra-credentials.ts.
   */
  redis: { url: string; clusterNodes: string[]; auth: RedisAuth | null; tls: RedisTls | null };
  kafka: {
    brokers: string[];
    clientId: string;
    groupId: string;
    ensureTopics: boolean;
    /** SASL and TLS towards the brokers (`KAFKA_SASL_*`, `KAFKA_TLS*`, see kafka-security-config.ts). */
    security: KafkaSecurityConfig;
  };
  /** The transactional outbox relay (`OUTBOX_*`): publishes committed events from Postgres to Kafka. */
  outbox: {
    relayEnabled: boolean;
    pollIntervalMs: number;
    /** Least time between two reads of the outbox when woken by commits (`OUTBOX_MIN_READ_INTERVAL_MS`). */
    minReadIntervalMs: number;
    batchSize: number;
    retentionMs: number;
    maxBackoffMs: number;
  };
  /**
   * The Kafka consumer (`KAFKA_CONSUMER_*`): a handler failure is retried `maxAttempts` times with
   * exponential backoff from `retryInitialMs` (capped at `retryMaxMs`) before the message goes to
   * `<topic>.dlq`; a transient failure (Redis down) is retried, capped the same way, until it succeeds.
   */
  consumer: {
    maxAttempts: number;
    retryInitialMs: number;
    retryMaxMs: number;
    partitionsConsumedConcurrently: number;
  };
  /**
   * The cache: `CACHE_ENABLED`, the cache-off switch (`false`: every read goes to the source, HTTP responses
   * are `no-store`, writes evict instead of storing; for measuring the service without its cache);
   * `CACHE_PREFIX`, the prefix of this service's keys in the shared Redis and of its bus channel;
   * `CACHE_L2`, where L2 lives: `standalone` (`REDIS_URL`) or `cluster` (`REDIS_CLUSTER_NODES`);
   * `CACHE_BUS_LIVENESS_MS`, how long L1 is served without this instance hearing its own bus heartbeat back
   * (Redis down, slow or failing over): past it, reads skip L1 until the bus is heard again.
   */
  cache: { enabled: boolean; prefix: string; l2: 'standalone' | 'cluster'; busLivenessMs: number };
  /**
   * The L3 edge (`EDGE_VARNISH_URLS`): the Varnish listeners in front of this service, purged by surrogate
   * key (xkey) whenever the service invalidates cache keys or tags. Empty: no edge purge.
   */
  edge: { varnishUrls: string[] };
  /** gRPC `host:port` of each service this one calls, by {@link PeerDefaults.name}. */
  peers: Readonly<Record<string, string>>;
  /** Who may call the service, and its own credentials for calls to its peers (`AUTH_*`, see auth-config.ts). */
  auth: AuthConfig;
  /** Per-client rate limit, body and gRPC message sizes (`RATE_LIMIT_*`, `HTTP_*`, `GRPC_MAX_*`, see limits-config.ts). */
  limits: LimitsConfig;
  log: { level: (typeof LOG_LEVELS)[number] };
  shutdownTimeoutMs: number;
  /** How long readiness reports 'draining' before the servers stop accepting work. */
  shutdownDrainDelayMs: number;
  /**
   * The environment this config was loaded from (the process's, or a test's with its overrides). A feature's
   * own settings (`ANALYTICS_*`, `BID_*`, `COMPLIANCE_*`) are read from here, never from `process.env`, so
   * whatever started the service decides them.
   */
  vars: Readonly<Record<string, string | undefined>>;
}

const HOST_PORT = /^[^\s:]+:\d{1,5}$/;

/** One `host:port` variable per peer; typed as no keys, so the fixed variables keep their types. */
const peerVars = (peers: readonly PeerDefaults[]) =>
  Object.fromEntries(
    peers.map((peer) => [
      peer.addressVar,
      z.string().regex(HOST_PORT, 'must be host:port').default(peer.defaultAddress),
    ]),
  ) as Record<never, never>;

const peerNames = (defaults: ServiceDefaults) => (defaults.peers ?? []).map((peer) => peer.name);

const schemaFor = (defaults: ServiceDefaults) =>
  z
    .object({
      NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
      HOST: z.string().min(1).default('127.0.0.1'),
      HTTP_PORT: portVar().default(defaults.httpPort),
      HTTP_ADAPTER: z
        .enum(HTTP_ADAPTERS, { message: `must be one of ${HTTP_ADAPTERS.join(', ')}` })
        .default('fastify'),
      HTTP_CACHE_FAST_PATH: boolVar().default(true),
      GRPC_HOST: z.string().min(1).optional(),
      GRPC_PORT: portVar().default(defaults.grpcPort),
      DATABASE_URL: urlVar('postgres:', 'postgresql:'),
      DB_SCHEMA: identifierVar().default(defaults.dbSchema),
      DB_POOL_SIZE: positiveIntVar().default(10),
      DB_STATEMENT_TIMEOUT_MS: positiveIntVar().default(5000),
      DB_PREPARED_STATEMENTS: boolVar().default(true),
      REDIS_URL: urlVar('redis:', 'rediss:'),
      REDIS_CLUSTER_NODES: z
        .string()
        .optional()
        .transform((value) => (value ?? '').trim())
        .pipe(z.union([z.literal(''), hostPortListVar()]))
        .transform((value) => (value === '' ? [] : value)),
      KAFKA_BROKERS: hostPortListVar(),
      KAFKA_CLIENT_ID: z.string().min(1).default(defaults.name),
      KAFKA_GROUP_ID: z.string().min(1).default(defaults.name),
      KAFKA_ENSURE_TOPICS: boolVar().default(true),
      OUTBOX_RELAY_ENABLED: boolVar().default(true),
      OUTBOX_POLL_INTERVAL_MS: positiveIntVar().default(OUTBOX_RELAY_DEFAULTS.pollIntervalMs),
      OUTBOX_MIN_READ_INTERVAL_MS: positiveIntVar()
        .max(1000, 'must be <= 1000')
        .default(OUTBOX_RELAY_DEFAULTS.minReadIntervalMs),
      OUTBOX_BATCH_SIZE: positiveIntVar()
        .max(1000, 'must be <= 1000')
        .default(OUTBOX_RELAY_DEFAULTS.batchSize),
      OUTBOX_RETENTION_MS: positiveIntVar().default(OUTBOX_RELAY_DEFAULTS.retentionMs),
      OUTBOX_MAX_BACKOFF_MS: positiveIntVar().default(OUTBOX_RELAY_DEFAULTS.maxBackoffMs),
      KAFKA_CONSUMER_MAX_ATTEMPTS: positiveIntVar().max(100, 'must be <= 100').default(5),
      KAFKA_CONSUMER_RETRY_INITIAL_MS: positiveIntVar().default(100),
      KAFKA_CONSUMER_RETRY_MAX_MS: positiveIntVar().default(5000),
      KAFKA_CONSUMER_CONCURRENCY: positiveIntVar().max(64, 'must be <= 64').default(3),
      CACHE_ENABLED: boolVar().default(true),
      CACHE_PREFIX: z
        .string()
        .regex(/^([A-Za-z0-9_.-]+:)*$/, 'must be empty or `segment:` parts of letters, digits, _ . -')
        .default(`${defaults.name}:`),
      EDGE_VARNISH_URLS: z
        .string()
        .optional()
        .transform((value) =>
          (value ?? '')
            .split(',')
            .map((url) => url.trim())
            .filter((url) => url !== ''),
        )
        .refine((urls) => urls.every((url) => urlVar('http:', 'https:').safeParse(url).success), {
          message: 'must be comma-separated URLs starting with http:// or https://',
        }),
      CACHE_L2: z
        .enum(['standalone', 'cluster'], { message: 'must be standalone or cluster' })
        .default('standalone'),
      CACHE_BUS_LIVENESS_MS: positiveIntVar().default(defaults.cacheBusLivenessMs ?? 3000),
      LOG_LEVEL: z.enum(LOG_LEVELS, { message: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
      SHUTDOWN_TIMEOUT_MS: positiveIntVar().default(10000),
      SHUTDOWN_DRAIN_DELAY_MS: z.coerce
        .number({ message: 'must be a number' })
        .int('must be a whole number')
        .min(0, 'must be >= 0')
        .default(3000),
      // Who may call the service, and its own credentials for its peers (checked together in auth-config.ts).
      AUTH_MODE: z.enum(AUTH_MODES, { message: `must be one of ${AUTH_MODES.join(', ')}` }).optional(),
      AUTH_JWT_SECRET: z
        .string()
        .min(MIN_AUTH_SECRET_LENGTH, `must be at least ${MIN_AUTH_SECRET_LENGTH} characters (HS256)`)
        .optional(),
      AUTH_JWKS_FILE: z.string().min(1).optional(),
      AUTH_JWKS_URL: z
        .string()
        .regex(/^https?:\/\/\S+$/, 'must be a URL starting with http:// or https://')
        .optional(),
      AUTH_ISSUER: z.string().min(1).optional(),
      AUTH_AUDIENCE: z.string().optional(),
      AUTH_CLOCK_SKEW_S: z.coerce
        .number({ message: 'must be a number' })
        .int('must be a whole number')
        .min(0, 'must be between 0 and 300')
        .max(300, 'must be between 0 and 300')
        .default(30),
      AUTH_OPEN_PATHS: z.string().optional(),
      AUTH_CLIENT_TOKEN_FILE: z.string().min(1).optional(),
      AUTH_CLIENT_SECRET: z
        .string()
        .min(MIN_AUTH_SECRET_LENGTH, `must be at least ${MIN_AUTH_SECRET_LENGTH} characters (HS256)`)
        .optional(),
      AUTH_CLIENT_SCOPES: z.string().optional(),
      AUTH_CLIENT_TTL_S: positiveIntVar().min(30, 'must be >= 30').default(300),
    })
    .extend(peerVars(defaults.peers ?? []))
    .extend(infraCredentialVars)
    .extend(kafkaSecurityVars)
    .extend(limitsVars)
    .superRefine((vars, ctx) => {
      for (const issue of [
        ...authIssues(vars, peerNames(defaults)),
        ...infraCredentialIssues(vars),
        ...kafkaSecurityIssues(vars),
      ])
        ctx.addIssue({ code: 'custom', path: [issue.variable], message: issue.message });
    })
    .refine((vars) => vars.SHUTDOWN_DRAIN_DELAY_MS < vars.SHUTDOWN_TIMEOUT_MS, {
      path: ['SHUTDOWN_DRAIN_DELAY_MS'],
      message: 'must be smaller than SHUTDOWN_TIMEOUT_MS',
    })
    .refine((vars) => vars.CACHE_L2 !== 'cluster' || vars.REDIS_CLUSTER_NODES.length > 0, {
      path: ['CACHE_L2'],
      message: 'is cluster but REDIS_CLUSTER_NODES is empty',
    });

/**
 * Reads and validates a service's configuration from the environment. A missing or malformed
 * variable throws a {@link ConfigValidationError} that names it; the app must not start. Secrets may come
 * from mounted files (`<NAME>_FILE`, see {@link resolveSecretFiles}).
 */
export function loadServiceConfig(
  defaults: ServiceDefaults,
  processEnv: Record<string, string | undefined> = process.env,
): ServiceConfig {
  const env = resolveSecretFiles(defaults.name, processEnv);
  const vars = parseEnv(defaults.name, schemaFor(defaults), env);
  return {
    name: defaults.name,
    env: vars.NODE_ENV,
    http: {
      host: vars.HOST,
      port: vars.HTTP_PORT,
      adapter: vars.HTTP_ADAPTER,
      cacheFastPath: vars.HTTP_CACHE_FAST_PATH,
    },
    grpc: { host: vars.GRPC_HOST ?? vars.HOST, port: vars.GRPC_PORT },
    database: {
      ...toDatabaseCredentials(vars),
      schema: vars.DB_SCHEMA,
      poolSize: vars.DB_POOL_SIZE,
      statementTimeoutMs: vars.DB_STATEMENT_TIMEOUT_MS,
      preparedStatements: vars.DB_PREPARED_STATEMENTS,
    },
    redis: { ...toRedisCredentials(vars), clusterNodes: vars.REDIS_CLUSTER_NODES },
    kafka: {
      brokers: vars.KAFKA_BROKERS,
      clientId: vars.KAFKA_CLIENT_ID,
      groupId: vars.KAFKA_GROUP_ID,
      ensureTopics: vars.KAFKA_ENSURE_TOPICS,
      security: toKafkaSecurity(vars),
    },
    outbox: {
      relayEnabled: vars.OUTBOX_RELAY_ENABLED,
      pollIntervalMs: vars.OUTBOX_POLL_INTERVAL_MS,
      minReadIntervalMs: vars.OUTBOX_MIN_READ_INTERVAL_MS,
      batchSize: vars.OUTBOX_BATCH_SIZE,
      retentionMs: vars.OUTBOX_RETENTION_MS,
      maxBackoffMs: vars.OUTBOX_MAX_BACKOFF_MS,
    },
    consumer: {
      maxAttempts: vars.KAFKA_CONSUMER_MAX_ATTEMPTS,
      retryInitialMs: vars.KAFKA_CONSUMER_RETRY_INITIAL_MS,
      retryMaxMs: vars.KAFKA_CONSUMER_RETRY_MAX_MS,
      partitionsConsumedConcurrently: vars.KAFKA_CONSUMER_CONCURRENCY,
    },
    cache: {
      enabled: vars.CACHE_ENABLED,
      prefix: vars.CACHE_PREFIX,
      l2: vars.CACHE_L2,
      busLivenessMs: vars.CACHE_BUS_LIVENESS_MS,
    },
    edge: { varnishUrls: vars.EDGE_VARNISH_URLS },
    peers: Object.fromEntries(
      (defaults.peers ?? []).map((peer) => [
        peer.name,
        (vars as Record<string, unknown> as Record<string, string>)[peer.addressVar],
      ]),
    ),
    auth: toAuthConfig(vars, peerNames(defaults)),
    limits: toLimitsConfig(vars),
    log: { level: vars.LOG_LEVEL },
    shutdownTimeoutMs: vars.SHUTDOWN_TIMEOUT_MS,
    shutdownDrainDelayMs: vars.SHUTDOWN_DRAIN_DELAY_MS,
    vars: { ...env },
  };
}
