import { schemaOf } from '@platform/database';
import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The read models behind the analytics dashboards:
 * - `call_hour_counters`: exact per-hour counters, bumped in the transaction that records a call (the open
 *   hour is read from here; the materialized views lag by up to one refresh);
 * - materialized views `call_metrics_hourly`, `buyer_revenue_daily` and `call_kpis_daily`, refreshed on a
 *   schedule with `REFRESH MATERIALIZED VIEW CONCURRENTLY` (each has the unique index that requires);
 * - `view_refreshes`: when each refresh ran and up to which `created_at` it is known to include, so a refresh
 *   can invalidate exactly the cache entries of the hours and buyers whose records arrived since the last one;
 * - an index on `call_records.created_at` for that question.
 */
export class CreateCallMetricViews1766000000301 implements MigrationInterface {
  name = 'CreateCallMetricViews1766000000301';

  async up(queryRunner: QueryRunner): Promise<void> {
    const s = schemaOf(queryRunner);
    await queryRunner.query(`CREATE INDEX call_records_created_idx ON ${s}.call_records (created_at)`);
    await queryRunner.query(`
      CREATE TABLE ${s}.call_hour_counters (
        hour timestamptz PRIMARY KEY,
        calls integer NOT NULL,
        connected_calls integer NOT NULL,
        revenue_cents bigint NOT NULL,
        duration_seconds bigint NOT NULL
      )`);
    await queryRunner.query(`
      INSERT INTO ${s}.call_hour_counters
      SELECT date_trunc('hour', started_at), count(*), count(*) FILTER (WHERE outcome = 'connected'),
             coalesce(sum(revenue_cents), 0), coalesce(sum(duration_seconds), 0)
        FROM ${s}.call_records GROUP BY 1`);
    await queryRunner.query(`
      CREATE MATERIALIZED VIEW ${s}.call_metrics_hourly AS
      SELECT date_trunc('hour', started_at) AS hour,
             count(*)::int AS calls,
             (count(*) FILTER (WHERE outcome = 'connected'))::int AS connected_calls,
             coalesce(sum(revenue_cents), 0)::bigint AS revenue_cents,
             coalesce(sum(duration_seconds), 0)::bigint AS duration_seconds,
             count(DISTINCT buyer_id)::int AS buyers
        FROM ${s}.call_records GROUP BY 1`);
    await queryRunner.query(`CREATE UNIQUE INDEX call_metrics_hourly_key ON ${s}.call_metrics_hourly (hour)`);
    await queryRunner.query(`
      CREATE MATERIALIZED VIEW ${s}.buyer_revenue_daily AS
      SELECT buyer_id, (started_at AT TIME ZONE 'UTC')::date AS day,
             count(*)::int AS calls,
             (count(*) FILTER (WHERE outcome = 'connected'))::int AS connected_calls,
             coalesce(sum(revenue_cents), 0)::bigint AS revenue_cents
        FROM ${s}.call_records GROUP BY 1, 2`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX buyer_revenue_daily_key ON ${s}.buyer_revenue_daily (buyer_id, day)`,
    );
    await queryRunner.query(`CREATE INDEX buyer_revenue_daily_day_idx ON ${s}.buyer_revenue_daily (day)`);
    await queryRunner.query(`
      CREATE MATERIALIZED VIEW ${s}.call_kpis_daily AS
      SELECT (started_at AT TIME ZONE 'UTC')::date AS day,
             count(*)::int AS calls,
             (count(*) FILTER (WHERE outcome = 'connected'))::float8 / count(*) AS connect_rate,
             avg(duration_seconds)::float8 AS avg_duration_seconds,
             coalesce(sum(revenue_cents), 0)::float8 / count(*) AS revenue_per_call_cents,
             coalesce(sum(revenue_cents), 0)::bigint AS revenue_cents
        FROM ${s}.call_records GROUP BY 1`);
    await queryRunner.query(`CREATE UNIQUE INDEX call_kpis_daily_key ON ${s}.call_kpis_daily (day)`);
    await queryRunner.query(`
      CREATE TABLE ${s}.view_refreshes (
        name varchar(64) PRIMARY KEY,
        refreshed_at timestamptz NOT NULL,
        includes_until timestamptz NOT NULL
      )`);
    await queryRunner.query(`INSERT INTO ${s}.view_refreshes VALUES ('call_views', now(), now())`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = schemaOf(queryRunner);
    await queryRunner.query(`DROP TABLE ${s}.view_refreshes`);
    await queryRunner.query(`DROP MATERIALIZED VIEW ${s}.call_kpis_daily`);
    await queryRunner.query(`DROP MATERIALIZED VIEW ${s}.buyer_revenue_daily`);
    await queryRunner.query(`DROP MATERIALIZED VIEW ${s}.call_metrics_hourly`);
    await queryRunner.query(`DROP TABLE ${s}.call_hour_counters`);
    await queryRunner.query(`DROP INDEX ${s}.call_records_created_idx`);
  }
}
