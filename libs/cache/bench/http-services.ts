/**
 * The real services for `npm run bench:http`: routing, bid and analytics started from their own `main.ts`
 * (each in its own process, as in production, through tools/bench/swc-register.cjs), migrated first, on the
 * local stack's Postgres, Redis and Kafka. Forked by path rather than imported, so the cache library does not
 * depend on the domains. Keys go under the run's cache prefix; consumer groups are the run's own; the outbox
 * relay is off, so the benchmark publishes nothing. `BENCH_HTTP_CPU_PROF=<dir>` profiles the served services.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { freePort } from '../src/testing';
import { NODE_RUNTIME_FLAGS, REDIS_URL } from './common';

/** A service name under `apps/`. */
export type BenchService = 'routing' | 'bid' | 'analytics';

/** A started service. */
export interface RunningBenchService {
  readonly name: BenchService;
  readonly httpUrl: string;
  readonly grpcAddress: string;
  /** Process id (its CPU profile's file name carries it). */
  readonly pid: number | undefined;
  stop(): Promise<void>;
}

/** Options of {@link startBenchService}. */
export interface StartBenchServiceOptions {
  readonly name: BenchService;
  readonly adapter: 'fastify' | 'express';
  /** Cache prefix of the run (`bench-http:<runId>:`); the service adds its name. */
  readonly prefix: string;
  /** `host:port` of the routing service's gRPC server, for the services that call it. */
  readonly routingGrpc?: string;
}

const ROOT = join(__dirname, '..', '..', '..');
const REGISTER = join(ROOT, 'tools', 'bench', 'swc-register.cjs');

/** Stack connections: the environment (`. .stack/stack.env`), else the stack's default ports. */
const stack = () => ({
  DATABASE_URL:
    process.env['DATABASE_URL'] ??
    `postgres://platform:platform@127.0.0.1:${process.env['PG_PORT'] ?? 15432}/platform`,
  REDIS_URL,
  KAFKA_BROKERS: process.env['KAFKA_BROKERS'] ?? '127.0.0.1:19092',
});

/** A pepper of this run's own (the services run with NODE_ENV=production, which has no default). */
const PEPPER = randomBytes(24).toString('hex');

/** `BENCH_HTTP_CPU_PROF=<dir>`: each served service writes a V8 CPU profile there when it stops. */
const CPU_PROF_DIR = process.env['BENCH_HTTP_CPU_PROF'];

function run(name: BenchService, command: string, env: Record<string, string>): ChildProcess {
  const profile = CPU_PROF_DIR !== undefined && command === 'serve';
  return fork(join(ROOT, 'apps', name, 'src', 'main.ts'), [command], {
    execArgv: [
      '-r',
      REGISTER,
      ...NODE_RUNTIME_FLAGS,
      ...(profile ? ['--cpu-prof', `--cpu-prof-dir=${CPU_PROF_DIR}`] : []),
    ],
    env: { ...process.env, ...env },
    // `BENCH_HTTP_SERVICE_STDOUT=inherit` shows the services' log lines (with BENCH_HTTP_LOG_LEVEL=debug, say).
    stdio: [
      'ignore',
      process.env['BENCH_HTTP_SERVICE_STDOUT'] === 'inherit' ? 'inherit' : 'ignore',
      'inherit',
      'ipc',
    ],
  });
}

/** Every topic a service consumes (the contracts' topics; the cache lib cannot import them). */
const TOPICS = [
  'bid.bid.changed.v1',
  'routing.buyer.changed.v1',
  'compliance.rules.changed.v1',
  'analytics.call.recorded.v1',
];

/**
 * Commits the run's new consumer group at the topics' ends before the service starts (as service-kit's
 * `startGroupAtTopicEnds`, which this lib cannot import): otherwise the service would first replay every
 * earlier run's events (over 100,000 on a long-lived stack) while its routes are being measured.
 */
async function startGroupAtTopicEnds(brokers: string, groupId: string): Promise<void> {
  const admin = new Kafka({ brokers: brokers.split(','), logLevel: logLevel.NOTHING }).admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    for (const topic of TOPICS.filter((t) => existing.has(t))) {
      const ends = await admin.fetchTopicOffsets(topic);
      await admin.setOffsets({
        groupId,
        topic,
        partitions: ends.map((p) => ({ partition: p.partition, offset: p.high })),
      });
    }
  } finally {
    await admin.disconnect();
  }
}

const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) =>
    child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code)),
  );

/** Migrates and starts a service, and waits until `/health/ready` answers 200. */
export async function startBenchService(options: StartBenchServiceOptions): Promise<RunningBenchService> {
  const { name } = options;
  const env: Record<string, string> = {
    ...stack(),
    NODE_ENV: 'production',
    // The bench sends no tokens: it measures the cache, not JWT checks (production requires a choice).
    AUTH_MODE: 'off',
    // One client firing thousands of requests: the per-client limit (on in production) would measure 429s.
    RATE_LIMIT_ENABLED: 'false',
    // Production requires the pepper of compliance's phone hash (bid caches compliance answers by it).
    COMPLIANCE_PHONE_HASH_PEPPER: PEPPER,
    HTTP_ADAPTER: options.adapter,
    HTTP_PORT: String(await freePort()),
    GRPC_PORT: String(await freePort()),
    CACHE_PREFIX: `${options.prefix}${name}:`,
    KAFKA_GROUP_ID: `${options.prefix.replace(/:/g, '-')}${name}`,
    OUTBOX_RELAY_ENABLED: 'false',
    LOG_LEVEL: process.env['BENCH_HTTP_LOG_LEVEL'] ?? 'info',
    SHUTDOWN_DRAIN_DELAY_MS: '0',
    ...(options.routingGrpc === undefined ? {} : { ROUTING_GRPC_ADDRESS: options.routingGrpc }),
  };
  await startGroupAtTopicEnds(env['KAFKA_BROKERS'], env['KAFKA_GROUP_ID']);
  const migrated = await exited(run(name, 'migrate', env));
  if (migrated !== 0) throw new Error(`${name}: migrate exited with ${migrated}`);
  const child = run(name, 'serve', env);
  const httpUrl = `http://127.0.0.1:${env['HTTP_PORT']}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name}: exited with ${child.exitCode} while starting`);
    const ready = await fetch(`${httpUrl}/health/ready`).then(
      (response) => response.status === 200,
      () => false,
    );
    if (ready) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${name}: not ready after 60 s`);
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await caughtUp(name, httpUrl);
  return {
    name,
    httpUrl,
    grpcAddress: `127.0.0.1:${env['GRPC_PORT']}`,
    pid: child.pid,
    stop: async () => {
      if (child.exitCode !== null) return;
      const done = exited(child);
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await done;
      clearTimeout(timer);
    },
  };
}

/**
 * Waits until the service's Kafka consumer has caught up (every `kafka_consumer_lag` sample ≤ 50). Each run
 * uses a consumer group of its own, which starts from the oldest event: on a machine whose topics hold the
 * history of many runs, the replay would otherwise share the CPU with the measured requests. Gives up after
 * 15 s without any sample (nothing to consume) or 180 s in all, saying so.
 */
async function caughtUp(name: BenchService, httpUrl: string): Promise<void> {
  const started = Date.now();
  for (;;) {
    const text = await fetch(`${httpUrl}/metrics`).then(
      (response) => response.text(),
      () => '',
    );
    const lags = [...text.matchAll(/^kafka_consumer_lag\{[^}]*\} (\d+(?:\.\d+)?)$/gm)].map((m) =>
      Number(m[1]),
    );
    const waited = Date.now() - started;
    if (lags.length > 0 && lags.every((lag) => lag <= 50)) return;
    if ((lags.length === 0 && waited > 15_000) || waited > 180_000) {
      process.stderr.write(
        `bench:http ${name}: consumer lag not caught up after ${waited} ms (${lags.join(', ')})\n`,
      );
      return;
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
