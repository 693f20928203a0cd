import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { findOnPath, freePort } from './local-process';
import type { TestCertificates } from './test-certificates';

/** Options of {@link startRedisServer}. */
export interface RedisServerOptions {
  /** Port to listen on (127.0.0.1). Default: a free port picked by the OS. */
  readonly port?: number;
  /** How long to wait for PING to answer after a (re)start. Default 10 s. */
  readonly startTimeoutMs?: number;
  /**
   * More `redis-server` arguments, after the defaults so they win (e.g. `['--cluster-enabled', 'yes']`).
   * Relative paths in them resolve against the server's temp dir, its working directory.
   */
  readonly args?: readonly string[];
  /**
   * Serve TLS only: `port` becomes the `tls-port` (no plain-text port) with these certificates; clients must
   * present a certificate of the same CA (`tls-auth-clients yes`). Readiness is checked over TLS.
   */
  readonly tls?: TestCertificates;
}

/** A throwaway redis-server started by {@link startRedisServer}. */
export interface RedisServerHandle {
  /** `redis://127.0.0.1:<port>` (`rediss://` with `tls`). */
  readonly url: string;
  /** The port it listens on; kept across {@link RedisServerHandle.restart}. */
  readonly port: number;
  /** Its temp dir (the working directory, holding e.g. a cluster node's `nodes.conf`). */
  readonly dir: string;
  /** Stops the server (SIGTERM, then SIGKILL after 5 s) and removes its temp dir. Idempotent. */
  stop(): Promise<void>;
  /** Kills the server with SIGKILL, simulating a crash; the temp dir is kept for a restart. */
  kill(): Promise<void>;
  /**
   * Starts the server again on the same port (SIGKILLing it first if it still runs, allowed after `stop()`),
   * empty, and waits for PING.
   */
  restart(): Promise<void>;
}

/**
 * One PING over a raw socket (TLS with `tls`): `true` when the server answers, `+PONG` or, when the `default`
 * user is off (ACL tests), `-NOAUTH`.
 */
const ping = (port: number, tls?: TestCertificates) =>
  new Promise<boolean>((resolve) => {
    const socket: Socket =
      tls === undefined
        ? connect({ host: '127.0.0.1', port })
        : connectTls({
            host: '127.0.0.1',
            port,
            ca: readFileSync(tls.caFile),
            cert: readFileSync(tls.clientCertFile),
            key: readFileSync(tls.clientKeyFile),
          });
    let reply = '';
    const finish = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => finish(false));
    socket.once('error', () => finish(false));
    socket.once(tls === undefined ? 'connect' : 'secureConnect', () => socket.write('PING\r\n'));
    socket.on('data', (data) => {
      reply += data.toString('latin1');
      if (reply.includes('\r\n')) finish(reply.startsWith('+PONG') || reply.startsWith('-NOAUTH'));
    });
  });

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const exited = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once('exit', () => resolve());
  });

/**
 * Spawns a throwaway `redis-server` on 127.0.0.1 (no persistence: `--save ''`, `--appendonly no`, in a temp
 * dir) and resolves once it answers PING. For integration tests that must stop, crash or restart Redis
 * without disturbing the shared stack. The process is SIGKILLed if the test process exits without stopping it.
 */
export async function startRedisServer(options: RedisServerOptions = {}): Promise<RedisServerHandle> {
  const binary = findOnPath('redis-server');
  if (binary === undefined) {
    throw new Error(
      'startRedisServer: `redis-server` is not on PATH. Run `npm run stack:up`, which installs Redis, and retry.',
    );
  }
  const port = options.port ?? (await freePort());
  const startTimeoutMs = options.startTimeoutMs ?? 10_000;
  let dir = await mkdtemp(join(tmpdir(), 'redis-test-'));
  let child: ChildProcess | undefined;
  let output = '';
  let removed = false;

  const killOnExit = () => child?.kill('SIGKILL');

  const launch = async (): Promise<void> => {
    output = '';
    const proc = spawn(
      binary,
      [
        ...(options.tls === undefined
          ? ['--port', String(port)]
          : [
              '--port',
              '0',
              '--tls-port',
              String(port),
              '--tls-cert-file',
              options.tls.serverCertFile,
              '--tls-key-file',
              options.tls.serverKeyFile,
              '--tls-ca-cert-file',
              options.tls.caFile,
            ]),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--dir',
        dir,
        '--daemonize',
        'no',
        '--protected-mode',
        'no',
        ...(options.args ?? []),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], cwd: dir },
    );
    child = proc;
    const keep = (data: Buffer) => {
      output = (output + data.toString()).slice(-4000);
    };
    proc.stdout?.on('data', keep);
    proc.stderr?.on('data', keep);
    let spawnError: Error | undefined;
    proc.once('error', (error) => (spawnError = error));
    process.once('exit', killOnExit);
    const deadline = Date.now() + startTimeoutMs;
    for (;;) {
      if (spawnError !== undefined)
        throw new Error(`startRedisServer: cannot spawn ${binary}: ${spawnError.message}`);
      if (proc.exitCode !== null || proc.signalCode !== null) {
        process.removeListener('exit', killOnExit);
        throw new Error(`startRedisServer: redis-server on port ${port} exited at start:\n${output}`);
      }
      if (await ping(port, options.tls)) return;
      if (Date.now() > deadline) {
        proc.kill('SIGKILL');
        await exited(proc);
        process.removeListener('exit', killOnExit);
        throw new Error(`startRedisServer: no PONG on port ${port} after ${startTimeoutMs} ms:\n${output}`);
      }
      await sleep(25);
    }
  };

  const terminate = async (signal: NodeJS.Signals): Promise<void> => {
    const proc = child;
    if (proc === undefined) return;
    child = undefined;
    process.removeListener('exit', killOnExit);
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    const gone = exited(proc);
    proc.kill(signal);
    if (signal !== 'SIGKILL') {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<'timeout'>((resolve) => {
        timer = setTimeout(() => resolve('timeout'), 5000);
      });
      const outcome = await Promise.race([gone, timeout]);
      clearTimeout(timer);
      if (outcome === 'timeout') proc.kill('SIGKILL');
    }
    await gone;
  };

  try {
    await launch();
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }

  return {
    url: `${options.tls === undefined ? 'redis' : 'rediss'}://127.0.0.1:${port}`,
    port,
    get dir() {
      return dir;
    },
    stop: async () => {
      await terminate('SIGTERM');
      if (!removed) {
        removed = true;
        await rm(dir, { recursive: true, force: true });
      }
    },
    kill: () => terminate('SIGKILL'),
    restart: async () => {
      await terminate('SIGKILL');
      if (removed) {
        dir = await mkdtemp(join(tmpdir(), 'redis-test-'));
        removed = false;
      }
      await launch();
    },
  };
}
