import type { QueryRunner } from 'typeorm';
import type { PostgresConnectionOptions } from 'typeorm/driver/postgres/PostgresConnectionOptions';

/** A schema (or any identifier) quoted for SQL: `"name"`, with its own double quotes doubled. */
export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * The schema a migration runs in, quoted for SQL. Migrations use it instead of a hard-coded name so
 * one migration set can be applied to any schema (a scratch database in tests, a renamed schema).
 */
export function schemaOf(queryRunner: QueryRunner): string {
  const schema = (queryRunner.connection.options as PostgresConnectionOptions).schema ?? 'public';
  return quoteIdentifier(schema);
}
