import type { ServiceConfig } from '@platform/config';
import * as pg from 'pg';
import { DataSource, MixedList } from 'typeorm';
import type { PostgresConnectionOptions } from 'typeorm/driver/postgres/PostgresConnectionOptions';
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
    extra: {
      max: config.database.poolSize,
      connectionTimeoutMillis: 3000,
      statement_timeout: config.database.statementTimeoutMs,
    },
  };
}

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
  const dataSource = new DataSource({ ...options, extra: { ...options.extra, statement_timeout: 0 } });
  await dataSource.initialize();
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
