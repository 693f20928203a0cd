import { execFile, spawnSync } from 'node:child_process';
import { chmod, chown, copyFile, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { existsSync, readdirSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { findOnPath, freePort, type TestCertificates } from '@platform/cache/testing';
import { Client } from 'pg';

/** Options of {@link startPostgresServer}. */
export interface PostgresServerOptions {
  /** How long `pg_ctl start` may take after a (re)start. Default 60 s. */
  readonly startTimeoutSecs?: number;
  /**
   * Serve TLS with these certificates (`ssl=on`) and accept TCP connections over TLS only (`hostssl` in
   * pg_hba.conf): a plain-text connection is refused with "no pg_hba.conf entry … no encryption".
   */
  readonly tls?: TestCertificates;
  /**
   * The password of role `platform`, checked with scram-sha-256 on every TCP connection (instead of `trust`).
   * The handle's `url` then carries no password: give it separately (e.g. `DATABASE_PASSWORD_FILE`).
   */
  readonly password?: string;
}

/** A throwaway PostgreSQL server started by {@link startPostgresServer}. */
export interface PostgresServerHandle {
  /**
   * `postgres://platform:platform@127.0.0.1:<port>/platform`, for `DATABASE_URL` (without a password when the
   * server was started with one).
   */
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

/** pg_hba.conf for {@link PostgresServerOptions}: the setup's own socket is trusted, TCP as asked. */
const hbaConf = ({ tls, password }: PostgresServerOptions): string => {
  const method = password === undefined ? 'trust' : 'scram-sha-256';
  return [
    'local all all trust',
    `${tls === undefined ? 'host' : 'hostssl'} all all 127.0.0.1/32 ${method}`,
    '',
  ].join('\n');
};

/**
 * Creates and starts a throwaway PostgreSQL cluster on 127.0.0.1 (own temp dir, `trust` auth unless a
 * `password` is given, TLS with `tls`, superuser and database `platform`) for integration tests that must stop
 * or crash Postgres, or secure it, without touching the shared stack. The server is stopped (immediate) if the
 * test process exits without destroying it.
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
  let owner: { uid: number; gid: number } | undefined;
  if (asRoot) {
    const pg = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const gid = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
    if (pg.status !== 0)
      throw new Error('startPostgresServer: running as root needs a `postgres` system user');
    owner = { uid: Number(pg.stdout.trim()), gid: Number(gid.stdout.trim()) };
    await chown(dir, owner.uid, owner.gid);
  }
  await chmod(dir, 0o700);
  /** Copies a file the server reads into its dir: owned by the server's user, private (a key must be). */
  const install = async (from: string, name: string) => {
    const to = join(dir, name);
    await copyFile(from, to);
    await chmod(to, 0o600);
    if (owner) await chown(to, owner.uid, owner.gid);
    return to;
  };
  let sslArgs = '';

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
      `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=50${sslArgs}`,
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
    if (options.tls !== undefined || options.password !== undefined) {
      const hba = join(data, 'pg_hba.conf');
      await writeFile(hba, hbaConf(options));
      if (owner) await chown(hba, owner.uid, owner.gid);
    }
    if (options.tls !== undefined) {
      const cert = await install(options.tls.serverCertFile, 'server.crt');
      const key = await install(options.tls.serverKeyFile, 'server.key');
      const ca = await install(options.tls.caFile, 'ca.crt');
      sslArgs = ` -c ssl=on -c ssl_cert_file=${cert} -c ssl_key_file=${key} -c ssl_ca_file=${ca}`;
    }
    await start();
    // Over the Unix socket, trusted whatever TCP requires.
    const admin = new Client({ host: dir, port, user: 'platform', database: 'postgres' });
    await admin.connect();
    try {
      await admin.query('CREATE DATABASE platform');
      if (options.password !== undefined)
        await admin.query(`ALTER ROLE platform PASSWORD ${admin.escapeLiteral(options.password)}`);
    } finally {
      await admin.end();
    }
  } catch (error) {
    await stop('immediate').catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
    throw error;
  }

  return {
    url:
      options.password === undefined
        ? `postgres://platform:platform@127.0.0.1:${port}/platform`
        : `postgres://platform@127.0.0.1:${port}/platform`,
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
