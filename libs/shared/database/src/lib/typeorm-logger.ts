import { Logger as NestLogger } from '@nestjs/common';
import type { Logger, QueryRunner } from 'typeorm';
import type { QueryCounter } from './query-counter';

/** Queries slower than this are logged as warnings. */
export const SLOW_QUERY_MS = 500;

/**
 * Sends TypeORM's own messages through Nest's logger (pino JSON in the services) instead of the
 * console. Failed queries log at debug: the error reaches the caller, which decides whether it is
 * expected (a duplicate key turned into a 409) or worth an error log (the exception filter's 500).
 * TypeORM calls `logQuery` for every statement whatever `logging` says, so it also feeds a {@link QueryCounter}.
 */
export class TypeOrmLogger implements Logger {
  private readonly logger = new NestLogger('TypeORM');

  constructor(private readonly options: { queries?: QueryCounter } = {}) {}

  logQuery(): void {
    // Counted, not logged: every query at info would drown the logs; slow ones are reported by logQuerySlow.
    this.options.queries?.add();
  }

  logQueryError(error: string | Error, query: string, _parameters?: unknown[], _runner?: QueryRunner): void {
    this.logger.debug({ err: error instanceof Error ? error.message : error, query }, 'Query failed');
  }

  logQuerySlow(time: number, query: string): void {
    this.logger.warn({ durationMs: time, query }, 'Slow query');
  }

  logSchemaBuild(message: string): void {
    this.logger.debug(message);
  }

  logMigration(message: string): void {
    this.logger.log(message);
  }

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    if (level === 'warn') this.logger.warn(message);
    else this.logger.log(message);
  }
}
