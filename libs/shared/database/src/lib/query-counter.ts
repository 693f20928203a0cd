/**
 * Counts the SQL statements a data source sends to Postgres: every `query()` TypeORM issues, transaction
 * statements (`START TRANSACTION`, `COMMIT`) included. Plain, so the metrics layer reads it at scrape time
 * (`db_queries_total` on `/metrics`) and the query path only pays an increment.
 */
export class QueryCounter {
  private queries = 0;

  /** Statements counted since the process started. */
  get total(): number {
    return this.queries;
  }

  /** Counts one statement. */
  add(): void {
    this.queries++;
  }
}
