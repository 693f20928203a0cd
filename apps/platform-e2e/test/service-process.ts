import { ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { dropSchema, eventually, freePort, stackEnv } from '@platform/service-kit/testing';

/** One of the four services, running from its webpack bundle as a real child process. */
export interface ServiceProcess {
  name: string;
  httpUrl: string;
  grpcAddress: string;
  child: ChildProcess;
  output: () => string;
  /** Resolves with the exit code (or signal) once the process has ended. */
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

const workspaceRoot = join(__dirname, '../../..');

/** Path of a service's bundle; fails with the command that builds it. */
export function bundlePath(name: string): string {
  const path = join(workspaceRoot, 'dist/apps', name, 'main.js');
  if (!existsSync(path)) throw new Error(`${path} is missing: run \`npx nx build ${name}\` first`);
  return path;
}

/** Spawns `node dist/apps/<name>/main.js [args]` with the stack's connection settings. */
export function spawnService(name: string, env: Record<string, string>, args: string[] = []): ServiceProcess {
  let output = '';
  const child = spawn(process.execPath, [bundlePath(name), ...args], {
    cwd: workspaceRoot,
    env: { PATH: process.env['PATH'] ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  return {
    name,
    child,
    exited,
    output: () => output,
    httpUrl: `http://127.0.0.1:${env['HTTP_PORT']}`,
    grpcAddress: `127.0.0.1:${env['GRPC_PORT']}`,
  };
}

/** Runs migrations, starts the service on free ports and waits until `/health/ready` answers 200. */
export async function startService(
  name: string,
  extraEnv: Record<string, string> = {},
): Promise<ServiceProcess> {
  const env = {
    ...stackEnv(),
    HTTP_PORT: String(await freePort()),
    GRPC_PORT: String(await freePort()),
    LOG_LEVEL: 'info',
    SHUTDOWN_TIMEOUT_MS: '8000',
    SHUTDOWN_DRAIN_DELAY_MS: '1500',
    ...extraEnv,
  };
  const migrate = spawnService(name, env, ['migrate']);
  const migrated = await migrate.exited;
  if (migrated.code !== 0) throw new Error(`${name} migrate failed:\n${migrate.output()}`);

  const service = spawnService(name, env);
  try {
    await eventually(
      async () => {
        if (service.child.exitCode !== null) throw new Error(`${name} exited early`);
        const response = await fetch(`${service.httpUrl}/health/ready`);
        return response.status === 200;
      },
      60000,
      250,
    );
  } catch (error) {
    service.child.kill('SIGKILL');
    throw new Error(`${name} never became ready: ${String(error)}\n${service.output().slice(-3000)}`);
  }
  return service;
}

/** Sends SIGTERM and waits for the process to end. */
export async function stopService(service: ServiceProcess): Promise<void> {
  if (service.child.exitCode !== null || service.child.signalCode !== null) return;
  service.child.kill('SIGTERM');
  await service.exited;
}

/** The services of one suite, kept apart from every other suite's. */
export interface IsolatedServices {
  /** A short id of this run, for ids the suite makes up. */
  readonly run: string;
  /** The running services, in start order. */
  readonly started: ServiceProcess[];
  /** The database schema of service `name` in this run. */
  schemaOf(name: string): string;
  /** Starts `name` in this run's schema, with its own cache prefix and consumer group (plus `extra` env). */
  start(name: string, extra?: Record<string, string>): Promise<ServiceProcess>;
}

/**
 * Services started for one suite get their own database schemas, cache prefixes and consumer groups: the
 * inbox is per schema, and a service of another suite consuming the same topics must not record (and so
 * skip for us) our events. They are stopped, and their schemas dropped, after the suite.
 */
export function useIsolatedServices(label: string): IsolatedServices {
  const run = randomUUID().slice(0, 8);
  const started: ServiceProcess[] = [];
  const schemaOf = (name: string) => `${name}_${label}_${run}`;

  afterAll(async () => {
    await Promise.all(started.map(stopService));
    const names = new Set(started.map((service) => service.name));
    for (const name of names) await dropSchema(stackEnv()['DATABASE_URL'], schemaOf(name));
  }, 60000);

  return {
    run,
    started,
    schemaOf,
    async start(name, extra = {}) {
      const service = await startService(name, {
        DB_SCHEMA: schemaOf(name),
        CACHE_PREFIX: `${label}-${run}:${name}:`,
        KAFKA_GROUP_ID: `${name}-${label}-${run}`,
        LOG_LEVEL: 'warn',
        ...extra,
      });
      started.push(service);
      return service;
    },
  };
}
