import { credentials, loadPackageDefinition, Metadata, ServiceError } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { freePort } from '@platform/cache/testing';
import { loadServiceConfig, ServiceConfig } from '@platform/config';
import { grpcLoaderOptions, protoPath, ProtoService } from '@platform/proto';
import { randomBytes, randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { runMigrations } from '@platform/database';
import { Kafka, KafkaMessage, logLevel } from 'kafkajs';
import { RunningService, startServiceApp } from './lib/bootstrap/create-service-app';
import { ServiceSpec } from './lib/bootstrap/service-spec';
import { kafkaConnectionOptions, type KafkaConnectionOptions } from './lib/kafka/kafka-connection';
import { dropSchema, readOutbox, refuseOutboxWrites, type OutboxTestRow } from './testing/outbox';

export * from './testing/auth-tokens';
export * from './testing/client-caller';
export * from './testing/kafka-broker';
export * from './testing/outbox';
export * from './testing/postgres-server';
export * from './testing/stale-bench';
export * from './testing/dto-properties';
export * from './testing/dlq-cli';

const findUp = (file: string, from = process.cwd()): string | undefined => {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, file))) return join(dir, file);
    if (dirname(dir) === dir) return undefined;
  }
};

/**
 * Connection settings of the local stack: `.stack/stack.env` written by `npm run stack:up`, overridden
 * by the process environment, with the stack's default ports as the last resort.
 */
export function stackEnv(): Record<string, string> {
  const env: Record<string, string> = {
    DATABASE_URL: `postgres://platform:platform@127.0.0.1:${process.env['PG_PORT'] ?? 15432}/platform`,
    REDIS_URL: `redis://127.0.0.1:${process.env['REDIS_PORT'] ?? 16379}`,
    REDIS_CLUSTER_NODES: [0, 1, 2]
      .map((i) => `127.0.0.1:${Number(process.env['REDIS_CLUSTER_BASE_PORT'] ?? 17001) + i}`)
      .join(','),
    KAFKA_BROKERS: `127.0.0.1:${process.env['KAFKA_PORT'] ?? 19092}`,
  };
  const file = findUp('.stack/stack.env');
  if (file) {
    for (const line of readFileSync(file, 'utf8').split('\n')) {
      const match = /^\s*(?:export\s+)?([A-Z0-9_]+)=(.*)$/.exec(line);
      if (match) env[match[1]] = match[2].replace(/^["']|["']$/g, '');
    }
  }
  for (const key of Object.keys(env)) env[key] = process.env[key] ?? env[key];
  return env;
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export { freePort };

/** Config of a service for a test: stack connections, free ports, a consumer group of its own, quiet logs. */
export async function testServiceConfig(
  spec: ServiceSpec,
  overrides: Record<string, string> = {},
): Promise<ServiceConfig> {
  return loadServiceConfig(spec.defaults, {
    ...stackEnv(),
    NODE_ENV: 'test',
    HTTP_PORT: String(await freePort()),
    GRPC_PORT: String(await freePort()),
    KAFKA_GROUP_ID: `${spec.defaults.name}-test-${randomUUID().slice(0, 8)}`,
    LOG_LEVEL: process.env['LOG_LEVEL'] ?? 'warn',
    SHUTDOWN_DRAIN_DELAY_MS: '0',
    ...overrides,
  });
}

/**
 * Starts a real service for an integration test: applies its migrations to the stack's Postgres, then
 * boots HTTP, gRPC and the Kafka consumer exactly as `main.ts` does. Call `app.close()` when done.
 */
export async function startTestService(
  spec: ServiceSpec,
  overrides: Record<string, string> = {},
  options: { skipTopicHistory?: boolean } = {},
): Promise<RunningService> {
  const config = await testServiceConfig(spec, overrides);
  await runMigrations(config, spec.database);
  if (options.skipTopicHistory) await startGroupAtTopicEnds(config.kafka, spec.kafka.consumes);
  return startServiceApp(spec, config);
}

/**
 * Commits a new (memberless) consumer group at the current end of each of `topics`, so a service started with it
 * reads what is produced from now on instead of replaying the topics' history first. A long-lived stack's topics
 * hold every earlier run's events (over 100,000 after a few benchmarks): a test waiting for its first event, or a
 * benchmark measuring a service, would otherwise wait for or measure that replay. A topic that does not exist yet
 * has no history to skip.
 */
export async function startGroupAtTopicEnds(
  group: Pick<ServiceConfig['kafka'], 'brokers' | 'groupId'> &
    Partial<Pick<ServiceConfig['kafka'], 'security'>>,
  topics: readonly string[],
): Promise<void> {
  const kafka = new Kafka({
    clientId: `test-offsets-${randomUUID().slice(0, 8)}`,
    brokers: group.brokers,
    ...(group.security ? kafkaConnectionOptions(group.security) : {}),
    logLevel: logLevel.NOTHING,
    retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 2000 },
  });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    for (const topic of topics.filter((t) => existing.has(t))) {
      const ends = await admin.fetchTopicOffsets(topic);
      await admin.setOffsets({
        groupId: group.groupId,
        topic,
        partitions: ends.map(({ partition, high }) => ({ partition, offset: high })),
      });
    }
  } finally {
    await admin.disconnect();
  }
}

/** A service started for a test suite, with a gRPC client of its API. */
export interface ServiceUnderTest extends RunningService {
  grpc: GrpcTestClient;
}

/**
 * Starts `spec` once for the enclosing suite (`beforeAll`) and closes it afterwards (`afterAll`). The
 * returned object is filled in by `beforeAll`: read it inside tests and hooks, not while describing.
 */
export function useTestService(
  spec: ServiceSpec,
  grpcService: ProtoService,
  overrides: Record<string, string> = {},
): ServiceUnderTest {
  let running: RunningService | undefined;
  let grpc: GrpcTestClient | undefined;
  const started = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('useTestService: read the service inside a test or hook');
    return value;
  };
  beforeAll(async () => {
    running = await startTestService(spec, overrides);
    grpc = grpcTestClient(grpcService, running.grpcAddress);
  }, 60000);
  afterAll(async () => {
    grpc?.close();
    await running?.app.close();
  });
  return {
    get app() {
      return started(running).app;
    },
    get config() {
      return started(running).config;
    },
    get httpUrl() {
      return started(running).httpUrl;
    },
    get grpcAddress() {
      return started(running).grpcAddress;
    },
    get grpc() {
      return started(grpc);
    },
  };
}

/** Polls `check` until it returns a value other than undefined/false, or fails after `timeoutMs`. */
export async function eventually<T>(
  check: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 15000,
  intervalMs = 100,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== false) return value as T;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      throw new Error(`Condition not met within ${timeoutMs} ms${lastError ? `: ${String(lastError)}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** A parsed JSON response body, loosely typed on purpose: tests assert its shape. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type JsonBody = any;

/** Reads a fetch Response as JSON for assertions (`(await fetch(...)).json()` is typed `unknown`). */
export async function readJson(response: Response): Promise<JsonBody> {
  return response.json();
}

/** A unary-call client for one of the services' gRPC APIs, loaded from its `.proto` at runtime. */
export interface GrpcTestClient {
  /**
   * Calls `method` (lowerCamel, e.g. `getBid`) with optional metadata (e.g. `{ authorization: 'Bearer …' }`);
   * rejects with the gRPC `ServiceError` on failure.
   */
  call(method: string, request: object, metadata?: Record<string, string>): Promise<JsonBody>;
  close(): void;
}

type UnaryMethod = (
  request: object,
  metadata: Metadata,
  callback: (error: ServiceError | null, response: JsonBody) => void,
) => void;

/** Opens a gRPC client to `<service>.v1.<Service>Service` at `address` (`host:port`), as real callers do. */
export function grpcTestClient(service: ProtoService, address: string): GrpcTestClient {
  const definition = loadPackageDefinition(loadSync(protoPath(service), grpcLoaderOptions)) as JsonBody;
  const serviceName = `${service[0].toUpperCase()}${service.slice(1)}Service`;
  const Client = definition[service].v1[serviceName];
  const client = new Client(address, credentials.createInsecure());
  return {
    call: (method, request, metadata = {}) =>
      new Promise((resolve, reject) => {
        const unary = client[method] as UnaryMethod | undefined;
        if (!unary) return reject(new Error(`${serviceName} has no method ${method}`));
        const sent = new Metadata();
        for (const [name, value] of Object.entries(metadata)) sent.set(name, value);
        unary.call(client, request, sent, (error, response) => (error ? reject(error) : resolve(response)));
      }),
    close: () => client.close(),
  };
}

/**
 * Sends `body` as JSON with `method` to `url`. A string body is sent as it is, so tests can send
 * malformed JSON on purpose.
 */
export function sendJson(method: string, url: string, body: unknown): Promise<Response> {
  return fetch(url, {
    method,
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/**
 * JSON text nested `depth` levels deep around `leaf`: arrays (`[[[1]]]`) or objects (`{"a":{"a":1}}`).
 * Built without recursion, so tests can send bodies far deeper than any stack.
 */
export function deeplyNestedJson(depth: number, shape: 'array' | 'object', leaf = '1'): string {
  return shape === 'array'
    ? `${'['.repeat(depth)}${leaf}${']'.repeat(depth)}`
    : `${'{"a":'.repeat(depth)}${leaf}${'}'.repeat(depth)}`;
}

/** A body an endpoint must refuse with 400, and the path its `fields` entry must name. */
export interface DeepBodyCase {
  body: string;
  field: RegExp;
}

/**
 * Bodies nested `depth` levels deep: inside `field` as arrays and as objects, and as the whole body. Each
 * comes with the path the edge names in its 400 (down to the first level past the limit).
 */
export function deeplyNestedBodies(field: string, depth = 1500): DeepBodyCase[] {
  return [
    { body: `{"${field}":${deeplyNestedJson(depth, 'array')}}`, field: new RegExp(`^${field}(\\.0)+$`) },
    { body: `{"${field}":${deeplyNestedJson(depth, 'object')}}`, field: new RegExp(`^${field}(\\.a)+$`) },
    { body: deeplyNestedJson(depth, 'array'), field: /^0(\.0)+$/ },
  ];
}

/** Messages of one topic, read by a consumer group of the test's own from the start of the topic. */
export interface TopicRecording {
  /** Every message read so far, in partition order. */
  readonly messages: KafkaMessage[];
  /** Waits until `count` messages pass `filter`, and returns those. */
  waitFor(
    filter: (message: KafkaMessage) => boolean,
    count?: number,
    timeoutMs?: number,
  ): Promise<KafkaMessage[]>;
  stop(): Promise<void>;
}

/**
 * Starts recording `topic` and resolves once the consumer has joined its group and been assigned the
 * topic's partitions, so nothing produced afterwards can be missed (a consumer that is still joining
 * when the record is produced is the usual cause of flaky "event was published" tests). `brokers`
 * defaults to the stack's Kafka (e.g. pass a {@link startKafkaBroker} handle's `brokers`); `connection`
 * is how to log in to a secure broker (its handle's `clientOptions()`).
 */
export async function recordTopic(
  topic: string,
  joinTimeoutMs = 30000,
  brokers = stackEnv()['KAFKA_BROKERS'],
  connection: KafkaConnectionOptions = {},
): Promise<TopicRecording> {
  const kafka = new Kafka({
    clientId: `test-recorder-${randomUUID().slice(0, 8)}`,
    brokers: brokers.split(','),
    ...connection,
    logLevel: logLevel.NOTHING,
    retry: { retries: 10, initialRetryTime: 100, maxRetryTime: 2000 },
  });
  const consumer = kafka.consumer({ groupId: `test-recorder-${randomUUID()}`, retry: { retries: 10 } });
  const messages: KafkaMessage[] = [];
  let joinTimer: NodeJS.Timeout | undefined;
  const joined = new Promise<void>((resolve, reject) => {
    consumer.on(consumer.events.GROUP_JOIN, (event) => {
      if ((event.payload.memberAssignment[topic] ?? []).length > 0) resolve();
    });
    consumer.on(consumer.events.CRASH, (event) => {
      if (!event.payload.restart) reject(event.payload.error);
    });
    joinTimer = setTimeout(
      () => reject(new Error(`recordTopic: no partition of ${topic} assigned within ${joinTimeoutMs} ms`)),
      joinTimeoutMs,
    );
  });
  try {
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void messages.push(message) });
    await joined;
  } catch (error) {
    await consumer.disconnect();
    throw error;
  } finally {
    clearTimeout(joinTimer);
  }
  return {
    messages,
    waitFor: (filter, count = 1, timeoutMs = 20000) =>
      eventually(() => {
        const matching = messages.filter(filter);
        return matching.length >= count && matching;
      }, timeoutMs),
    stop: () => consumer.disconnect(),
  };
}

/** A service started for the suite in a schema, cache prefix and Kafka consumer group of its own. */
export interface IsolatedService {
  service: ServiceUnderTest;
  /** The suite's schema (also the cache prefix, with a `:`), dropped after the suite. */
  schema: string;
  /** The stack's Postgres, which holds the schema. */
  databaseUrl: string;
}

/** Options of {@link useIsolatedService}. */
export interface IsolatedServiceOptions {
  /** Start of the schema's name; a random suffix follows (`bid_dc` gives `bid_dc_1a2b3c4d`). */
  schemaPrefix: string;
  /** Further settings of the service; they win over the ones this sets (`LOG_LEVEL: 'fatal'` included). */
  overrides?: Record<string, string>;
  /** Timeout of the `afterAll` that drops the schema; Jest's default when not given. */
  dropTimeoutMs?: number;
}

/**
 * Starts the service for the suite with a schema, cache prefix (`<schema>:`) and consumer group
 * (`<service>-<schema>`) of its own, so parallel suites do not collide, and only fatal logs; the schema
 * is dropped after the suite.
 */
export function useIsolatedService(
  spec: ServiceSpec,
  grpcService: ProtoService,
  { schemaPrefix, overrides = {}, dropTimeoutMs }: IsolatedServiceOptions,
): IsolatedService {
  const schema = `${schemaPrefix}_${randomBytes(4).toString('hex')}`;
  const databaseUrl = stackEnv()['DATABASE_URL'];
  const service = useTestService(spec, grpcService, {
    DB_SCHEMA: schema,
    CACHE_PREFIX: `${schema}:`,
    KAFKA_GROUP_ID: `${spec.defaults.name}-${schema}`,
    LOG_LEVEL: 'fatal',
    ...overrides,
  });
  afterAll(() => dropSchema(databaseUrl, schema), dropTimeoutMs);
  return { service, schema, databaseUrl };
}

/** A service started without its outbox relay, in a schema of its own, and that schema's outbox. */
export interface ServiceWithOutbox {
  service: ServiceUnderTest;
  /** The outbox rows (optionally only those keyed `messageKey`), oldest first. */
  readOutbox(messageKey?: string): Promise<OutboxTestRow[]>;
  /** Makes every outbox insert fail until the returned function is called. */
  refuseOutboxWrites(): Promise<() => Promise<void>>;
}

/**
 * Starts the service for the suite in a schema of its own with the relay off, so the events its use cases
 * queue stay in `outbox_events` where the test reads them; the schema is dropped after the suite. Refused
 * writes are logged as 500s on purpose, so the service logs only fatal errors.
 */
export function useServiceWithoutRelay(spec: ServiceSpec, grpcService: ProtoService): ServiceWithOutbox {
  const schema = `${spec.defaults.name}_outbox_${randomBytes(4).toString('hex')}`;
  const databaseUrl = stackEnv()['DATABASE_URL'];
  const service = useTestService(spec, grpcService, {
    DB_SCHEMA: schema,
    OUTBOX_RELAY_ENABLED: 'false',
    LOG_LEVEL: 'fatal',
  });
  afterAll(() => dropSchema(databaseUrl, schema));
  return {
    service,
    readOutbox: (messageKey) => readOutbox(databaseUrl, schema, messageKey),
    refuseOutboxWrites: () => refuseOutboxWrites(databaseUrl, schema),
  };
}
export * from './lib/openapi/testing/openapi-coverage';
export * from './lib/openapi/testing/openapi-suite';
