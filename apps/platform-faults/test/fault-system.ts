import { ChildProcess, spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import {
  freePort,
  startRedisCluster,
  startRedisServer,
  type RedisClusterHandle,
  type RedisServerHandle,
} from '@platform/cache/testing';
import {
  eventually,
  startKafkaBroker,
  startPostgresServer,
  type KafkaBrokerHandle,
  type PostgresServerHandle,
} from '@platform/service-kit/testing';
import { isFailedRequestLogLine } from '../src/error-log';

const workspaceRoot = join(__dirname, '../../..');
/** Where each service's whole output goes (appended; the directory is emptied when the suite starts). */
export const LOG_DIR = join(workspaceRoot, 'tmp/faults/logs');

/** One service process started from its webpack bundle (`dist/apps/<name>/main.js`), as `npm start` runs it. */
export interface FaultService {
  readonly name: string;
  readonly label: string;
  readonly httpUrl: string;
  readonly grpcAddress: string;
  readonly child: ChildProcess;
  output(): string;
  /**
   * The log lines of failed requests (the cause with its stack, and the request line; not designed 503s) since
   * the last call, at most the last {@link KEPT_ERROR_LINES}. Collected as the process writes them:
   * `output()` keeps only a tail, which an outage's thousands of 503 lines overwrite in seconds.
   */
  takeFailedRequestLines(): string[];
  readonly exited: Promise<void>;
}

/** How many failed-request log lines a {@link FaultService} keeps between two `takeFailedRequestLines()`. */
const KEPT_ERROR_LINES = 50;

/** The throwaway servers the suite breaks: none of them is the shared stack's. */
export interface FaultInfra {
  readonly postgres: PostgresServerHandle;
  readonly redis: RedisServerHandle;
  readonly cluster: RedisClusterHandle;
  readonly kafka: KafkaBrokerHandle;
}

/** Where the services' cache L2 lives for a phase. */
export type L2Mode = 'standalone' | 'cluster';

function bundlePath(name: string): string {
  const path = join(workspaceRoot, 'dist/apps', name, 'main.js');
  if (!existsSync(path)) throw new Error(`${path} is missing: run \`npx nx build ${name}\` first`);
  return path;
}

function spawnBundle(
  name: string,
  label: string,
  env: Record<string, string>,
  args: string[] = [],
): FaultService {
  let output = '';
  let errorLines: string[] = [];
  const child = spawn(process.execPath, [bundlePath(name), ...args], {
    cwd: workspaceRoot,
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Every line also goes to tmp/faults/logs/<label>.log, to read a failed run's story afterwards.
  mkdirSync(LOG_DIR, { recursive: true });
  const file = createWriteStream(join(LOG_DIR, `${label.replace(/[^A-Za-z0-9]+/g, '-')}.log`), {
    flags: 'a',
  });
  child.once('exit', () => file.end());
  const collect = (stream: NodeJS.ReadableStream | null) => {
    let partial = '';
    stream?.on('data', (chunk: Buffer) => {
      file.write(chunk);
      const text = chunk.toString();
      output = (output + text).slice(-20000);
      const lines = (partial + text).split('\n');
      partial = lines.pop() ?? '';
      errorLines.push(...lines.filter(isFailedRequestLogLine));
      if (errorLines.length > KEPT_ERROR_LINES) errorLines = errorLines.slice(-KEPT_ERROR_LINES);
    });
  };
  collect(child.stdout);
  collect(child.stderr);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    name,
    label,
    child,
    exited,
    output: () => output,
    takeFailedRequestLines: () => {
      const taken = errorLines;
      errorLines = [];
      return taken;
    },
    httpUrl: `http://127.0.0.1:${env['HTTP_PORT']}`,
    grpcAddress: `127.0.0.1:${env['GRPC_PORT']}`,
  };
}

/**
 * Starts Postgres, Redis (with `DEBUG` allowed, for the slow-Redis fault), a Redis Cluster of 3 masters with a
 * replica each and a Kafka broker, all throwaway on loopback. Whatever started is stopped if a later one fails.
 */
export async function startFaultInfra(): Promise<FaultInfra> {
  const started: { stop(): Promise<void> }[] = [];
  // Kafka's JVM is the slowest to start: the others start meanwhile.
  const kafkaStarting = startKafkaBroker();
  try {
    const postgres = await startPostgresServer();
    started.push({ stop: () => postgres.destroy() });
    const redis = await startRedisServer({ args: ['--enable-debug-command', 'yes'] });
    started.push(redis);
    const cluster = await startRedisCluster({ masters: 3, replicasPerMaster: 1 });
    started.push(cluster);
    const kafka = await kafkaStarting;
    return { postgres, redis, cluster, kafka };
  } catch (error) {
    await Promise.allSettled([
      ...started.map((server) => server.stop()),
      kafkaStarting.then((kafka) => kafka.destroy()),
    ]);
    throw error;
  }
}

/** Stops every throwaway server; each failure is ignored so the others still stop. */
export async function stopFaultInfra(infra: Partial<FaultInfra>): Promise<void> {
  await Promise.allSettled([
    infra.kafka?.destroy(),
    infra.postgres?.destroy(),
    infra.redis?.stop(),
    infra.cluster?.stop(),
  ]);
}

/** The services of the suite: routing, and two bid instances sharing L2, the bus and a consumer group. */
export interface FaultServices {
  readonly routing: FaultService;
  readonly bidA: FaultService;
  readonly bidB: FaultService;
  readonly all: readonly FaultService[];
}

/**
 * Starts routing and two bid instances against `infra`, with their cache L2 on the standalone Redis or on
 * the Cluster. Migrations run first (once per service and database: they are idempotent).
 */
export async function startFaultServices(infra: FaultInfra, l2: L2Mode): Promise<FaultServices> {
  const base = async (): Promise<Record<string, string>> => ({
    DATABASE_URL: infra.postgres.url,
    REDIS_URL: infra.redis.url,
    REDIS_CLUSTER_NODES: infra.cluster.addresses.join(','),
    KAFKA_BROKERS: infra.kafka.brokers,
    CACHE_L2: l2,
    HOST: '127.0.0.1',
    HTTP_PORT: String(await freePort()),
    GRPC_PORT: String(await freePort()),
    AUTH_MODE: 'off',
    LOG_LEVEL: process.env['FAULT_LOG_LEVEL'] ?? 'warn',
    SHUTDOWN_TIMEOUT_MS: '8000',
    SHUTDOWN_DRAIN_DELAY_MS: '0',
    // Nothing listens there: the bid routes the load uses never ask compliance.
    COMPLIANCE_GRPC_ADDRESS: `127.0.0.1:${await freePort()}`,
  });
  const started: FaultService[] = [];
  try {
    const routingEnv = await base();
    await migrate('routing', routingEnv);
    const routing = await startOne('routing', 'routing', routingEnv, started);
    const bidEnv = { ROUTING_GRPC_ADDRESS: routing.grpcAddress };
    const envA = { ...(await base()), ...bidEnv };
    await migrate('bid', envA);
    const [bidA, bidB] = await Promise.all([
      startOne('bid', 'bid A', envA, started),
      base().then((env) => startOne('bid', 'bid B', { ...env, ...bidEnv }, started)),
    ]);
    return { routing, bidA, bidB, all: [routing, bidA, bidB] };
  } catch (error) {
    await stopFaultServices(started);
    throw error;
  }
}

async function migrate(name: string, env: Record<string, string>): Promise<void> {
  const run = spawnBundle(name, `${name} migrate`, env, ['migrate']);
  await run.exited;
  if (run.child.exitCode !== 0) throw new Error(`${name} migrate failed:\n${run.output()}`);
}

async function startOne(
  name: string,
  label: string,
  env: Record<string, string>,
  started: FaultService[],
): Promise<FaultService> {
  const service = spawnBundle(name, label, env);
  started.push(service);
  try {
    await eventually(
      async () => {
        if (service.child.exitCode !== null) throw new Error(`${label} exited early`);
        return (await fetch(`${service.httpUrl}/health/ready`)).status === 200;
      },
      90000,
      250,
    );
  } catch (error) {
    throw new Error(`${label} never became ready: ${String(error)}\n${service.output().slice(-3000)}`);
  }
  return service;
}

/** SIGTERM, then SIGKILL if a process has not ended within 15 s. */
export async function stopFaultServices(services: readonly FaultService[]): Promise<void> {
  await Promise.all(
    services.map(async (service) => {
      if (service.child.exitCode !== null || service.child.signalCode !== null) return;
      service.child.kill('SIGTERM');
      const timer = setTimeout(() => service.child.kill('SIGKILL'), 15000);
      await service.exited;
      clearTimeout(timer);
    }),
  );
}
