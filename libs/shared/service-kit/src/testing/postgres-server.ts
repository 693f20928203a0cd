import { execFile, spawnSync } from 'node:child_process';
import { chmod, chown, mkdtemp, rm } from 'node:fs/promises';
import { existsSync, readdirSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { findOnPath, freePort } from '@platform/cache/testing';
import { Client } from 'pg';

/** Options of {@link startPostgresServer}. */
export interface PostgresServerOptions {
  /** How long `pg_ctl start` may take after a (re)start. Default 60 s. */
  readonly startTimeoutSecs?: number;
}

/** A throwaway PostgreSQL server started by {@link startPostgresServer}. */
export interface PostgresServerHandle {
  /** `postgres://platform:platform@127.0.0.1:<port>/platform`, for `DATABASE_URL`. */
  readonly url: string;
  /** The port it listens on; kept across restarts. */
  readonly port: number;
  /**
   * Stops the server: `fast` disconnects clients and shuts down cleanly, `immediate` is a crash (no
   * checkpoint). The data directory is kept, so {@link PostgresServerHandle.start} brings the data back.
   */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  /**
   * Starts the server again on the same port and data directory, and waits until it accepts connections.
   * Does nothing when it runs.
   */
  start(): Promise<void>;
  /** Stops the server (immediate) and deletes its directory. Idempotent. */
  destroy(): Promise<void>;
}

/** The directory of the newest installed PostgreSQL's `initdb`/`pg_ctl` (Debian layout first, then PATH). */
function postgresBinDir(): string {
  const root = '/usr/lib/postgresql';
  const versions = existsSync(root)
    ? readdirSync(root)
        .filter((v) => existsSync(join(root, v, 'bin', 'initdb')))
        .sort((a, b) => Number(a) - Number(b))
    : [];
  if (versions.length > 0) return join(root, versions[versions.length - 1], 'bin');
  const initdb = findOnPath('initdb');
  if (initdb) return join(initdb, '..');
  throw new Error(
    'startPostgresServer: PostgreSQL binaries (initdb, pg_ctl) are not installed. Run `npm run stack:up`, ' +
      'which installs them, and retry.',
  );
}

/** Postgres refuses to run as root: as root, the server's files and processes belong to `postgres`. */
const asRoot = userInfo().uid === 0;

const run = (command: string, args: string[]) =>
  new Promise<void>((resolve, reject) => {
    const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', command, ...args]] : [command, args];
    execFile(file, argv, { timeout: 120_000 }, (error, stdout, stderr) =>
      error
        ? reject(new Error(`${command} ${args.join(' ')} failed: ${error.message}\n${stdout}${stderr}`))
        : resolve(),
    );
  });

/**
 * Creates and starts a throwaway PostgreSQL cluster on 127.0.0.1 (own temp dir, `trust` auth, superuser
 * and database `platform`) for integration tests that must stop or crash Postgres without touching the
 * shared stack. The server is stopped (immediate) if the test process exits without destroying it.
 */
export async function startPostgresServer(
  options: PostgresServerOptions = {},
): Promise<PostgresServerHandle> {
  const bin = postgresBinDir();
  const pgCtl = join(bin, 'pg_ctl');
  const startTimeout = String(options.startTimeoutSecs ?? 60);
  const port = await freePort();
  const dir = await mkdtemp(join(tmpdir(), 'pg-test-'));
  const data = join(dir, 'data');
  const log = join(dir, 'postgres.log');
  if (asRoot) {
    const pg = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
    if (pg.status !== 0)
      throw new Error('startPostgresServer: running as root needs a `postgres` system user');
    await chown(dir, Number(pg.stdout.trim()), Number(gid.stdout.trim()));
  }
  await chmod(dir, 0o700);

  let running = false;
  let destroyed = false;
  const stopOnExit = () => {
    const argv = [pgCtl, '-D', data, '-m', 'immediate', 'stop'];
    spawnSync(asRoot ? 'runuser' : argv[0], asRoot ? ['-u', 'postgres', '--', ...argv] : argv.slice(1));
  };

  const start = async () => {
    if (running) return;
    await run(pgCtl, [
      '-D',
      data,
      '-l',
      log,
      '-w',
      '-t',
      startTimeout,
      '-o',
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50`,
      'start',
    ]);
    running = true;
    process.once('exit', stopOnExit);
  };
  const stop = async (mode: 'fast' | 'immediate' = 'fast') => {
    if (!running) return;
    await run(pgCtl, ['-D', data, '-m', mode, '-w', '-t', '60', 'stop']);
    running = false;
    process.removeListener('exit', stopOnExit);
  };

  try {
    await run(join(bin, 'initdb'), [
      '-D',
      data,
      '-U',
      'platform',
      '-A',
      'trust',
      '-E',
      'UTF8',
      '--no-locale',
    ]);
    await start();
    const admin = new Client({ connectionString: `postgres://platform@127.0.0.1:${port}/postgres` });
    await admin.connect();
    try {
      await admin.query('CREATE DATABASE platform');
    } finally {
      await admin.end();
    }
  } catch (error) {
    await stop('immediate').catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
    throw error;
  }

  return {
    url: `postgres://platform:platform@127.0.0.1:${port}/platform`,
    port,
    stop,
    start,
    destroy: async () => {
      if (destroyed) return;
      destroyed = true;
      await stop('immediate').catch(() => undefined);
      await rm(dir, { recursive: true, force: true });
    },
  };
}
