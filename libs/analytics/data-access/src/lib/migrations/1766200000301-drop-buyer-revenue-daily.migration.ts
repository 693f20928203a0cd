import { schemaOf } from '@platform/database';
import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Drops the materialized view `buyer_revenue_daily` (and its indexes): no request reads it (buyer revenue is
 * aggregated live from `call_records` over `(buyer_id, started_at)`), yet it was refreshed every period with
 * the other views. `down` recreates it as `CreateCallMetricViews1766000000301` made it, populated.
 */
export class DropBuyerRevenueDaily1766200000301 implements MigrationInterface {
  name = 'DropBuyerRevenueDaily1766200000301';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP MATERIALIZED VIEW ${schemaOf(queryRunner)}.buyer_revenue_daily`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const s = schemaOf(queryRunner);
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
  }
}
