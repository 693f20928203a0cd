import { type DatabaseSsl, isCredentialsError, redactUrl, type ServiceConfig } from '@platform/config';
import type { ConnectionOptions, TlsOptions } from 'node:tls';
import * as pg from 'pg';
import { DataSource, MixedList } from 'typeorm';
import type { PostgresConnectionOptions } from 'typeorm/driver/postgres/PostgresConnectionOptions';
import { PreparingClient } from './prepared-statements';
import type { QueryCounter } from './query-counter';
import { SLOW_QUERY_MS, TypeOrmLogger } from './typeorm-logger';

/** Entities and migrations of one service; migrations are listed explicitly (bundlers cannot glob). */
export interface DatabaseSpec {
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  entities: MixedList<Function>;
  // eslint-disable-next-line @typescript-eslint/no-unsafe-function-type
  migrations: MixedList<Function>;
}

/** Extras of {@link dataSourceOptions}. */
export interface DataSourceExtras {
  /** Counts every statement the data source runs (the service's `db_queries_total`). */
  queries?: QueryCounter;
}

/**
 * TypeORM options for a service: its own schema, explicit migrations, never `synchronize`, bounded
 * pool and statement timeout so a slow query cannot pin every connection.
 */
export function dataSourceOptions(
  config: ServiceConfig,
  spec: DatabaseSpec,
  extras: DataSourceExtras = {},
): PostgresConnectionOptions {
  return {
    type: 'postgres',
    // Passed explicitly (TypeORM would require() it lazily) so bundlers and generated package.json see it.
    driver: pg,
    url: config.database.url,
    schema: config.database.schema,
    entities: spec.entities,
    migrations: spec.migrations,
    migrationsTableName: 'migrations',
    migrationsTransactionMode: 'each',
    migrationsRun: false,
    synchronize: false,
    logger: new TypeOrmLogger({ queries: extras.queries }),
    logging: ['error', 'warn', 'migration'],
    maxQueryExecutionTime: SLOW_QUERY_MS,
    applicationName: config.name,
    ssl: pgSslOptions(config.database.ssl),
    extra: {
      // The platform's registered statements go named (see prepared-statements.ts); pg.Pool takes `Client`.
      ...(config.database.preparedStatements ? { Client: PreparingClient } : {}),
      max: config.database.poolSize,
      connectionTimeoutMillis: 3000,
      statement_timeout: config.database.statementTimeoutMs,
    },
  };
}

/** What pg hands to `tls.connect` (typed as TypeORM's `ssl` wants it). */
export type PgSslOptions = Pick<
  TlsOptions & ConnectionOptions,
  'ca' | 'cert' | 'key' | 'rejectUnauthorized' | 'checkServerIdentity'
>;

/**
 * pg's `ssl` option for a `DATABASE_SSL_MODE`, as libpq's `sslmode`: `require` encrypts without checking the
 * server; `verify-ca` checks its certificate chains to the CA (Node's trusted CAs when no
 * `DATABASE_SSL_CA_FILE`) but not its name; `verify-full` checks both. Also for every other pg client of the
 * service (the outbox relay).
 */
export function pgSslOptions(ssl: DatabaseSsl): PgSslOptions | false {
  if (ssl.mode === 'disable') return false;
  const files: TlsOptions = {
    ...(ssl.ca ? { ca: ssl.ca.pem } : {}),
    ...(ssl.cert ? { cert: ssl.cert.pem } : {}),
    ...(ssl.key ? { key: ssl.key.pem } : {}),
  };
  if (ssl.mode === 'require') return { ...files, rejectUnauthorized: false };
  if (ssl.mode === 'verify-ca')
    return { ...files, rejectUnauthorized: true, checkServerIdentity: () => undefined };
  return { ...files, rejectUnauthorized: true };
}

/** Postgres refused the service's credentials or TLS settings: retrying cannot help, the service must not start. */
export class DatabaseCredentialsError extends Error {
  /** Stable code for logs and alerts. */
  readonly code = 'DATABASE.CREDENTIALS_REJECTED';

  constructor(url: string, cause: Error) {
    super(
      `Postgres (${redactUrl(url)}) rejected the connection: ${cause.message.replace(/\.$/, '')}. Check DATABASE_URL, ` +
        'DATABASE_PASSWORD(_FILE) and DATABASE_SSL_*.',
      { cause },
    );
    this.name = 'DatabaseCredentialsError';
  }
}

/**
 * Initializes a data source; a credentials or TLS error becomes a {@link DatabaseCredentialsError} naming
 * Postgres (its URL redacted). For TypeORM's `dataSourceFactory` and the migrations runner.
 */
export async function initializeDataSource(options: PostgresConnectionOptions): Promise<DataSource> {
  try {
    return await new DataSource(options).initialize();
  } catch (error) {
    if (isCredentialsError(error)) throw new DatabaseCredentialsError(options.url ?? '', error as Error);
    throw error;
  }
}

/** For TypeORM's `toRetry`: connecting again helps when Postgres is down, never when it refused credentials. */
export const isRetryableDatabaseError = (error: unknown): boolean =>
  !(error instanceof DatabaseCredentialsError) && !isCredentialsError(error);

/** Direction of {@link runMigrations}: apply pending, undo the last one, or undo all. */
export type MigrationDirection = 'up' | 'down' | 'down-all';

/**
 * Applies or reverts a service's migrations in its schema, creating the schema if needed. A Postgres
 * advisory lock makes concurrent runs (several pods starting at once) wait instead of colliding.
 * Returns the names of the migrations that ran or were reverted.
 */
export async function runMigrations(
  config: ServiceConfig,
  spec: DatabaseSpec,
  direction: MigrationDirection = 'up',
): Promise<string[]> {
  const options = dataSourceOptions(config, spec);
  // No statement timeout here: waiting for another pod's migration lock, or building an index on a big
  // table, may rightly take longer than a request ever should.
  const dataSource = await initializeDataSource({
    ...options,
    extra: { ...options.extra, statement_timeout: 0 },
  });
  const lockKey = `migrations:${config.database.schema}`;
  const runner = dataSource.createQueryRunner();
  try {
    await runner.connect();
    await runner.query('SELECT pg_advisory_lock(hashtext($1))', [lockKey]);
    await runner.query(`CREATE SCHEMA IF NOT EXISTS "${config.database.schema}"`);
    if (direction === 'up') {
      const ran = await dataSource.runMigrations({ transaction: 'each' });
      return ran.map((migration) => migration.name);
    }
    const reverted: string[] = [];
    do {
      const executed = await dataSource.query(
        `SELECT name FROM "${config.database.schema}"."migrations" ORDER BY id DESC LIMIT 1`,
      );
      if (executed.length === 0) break;
      await dataSource.undoLastMigration({ transaction: 'each' });
      reverted.push(executed[0].name);
    } while (direction === 'down-all');
    return reverted;
  } finally {
    await runner.query('SELECT pg_advisory_unlock(hashtext($1))', [lockKey]).catch(() => undefined);
    await runner.release();
    await dataSource.destroy();
  }
}
