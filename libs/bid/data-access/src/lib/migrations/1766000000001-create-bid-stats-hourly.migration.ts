import { schemaOf } from '@platform/database';
import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Creates `bid_stats_hourly` (bids and amount per UTC hour of creation, buyer and status, written by the
 * background aggregation job), `bid_stats_hours` (which hours it wrote, and whether each was closed then:
 * a closed hour is aggregated once), and an index on `bids.created_at` for the job's per-hour range scans.
 */
export class CreateBidStatsHourly1766000000001 implements MigrationInterface {
  name = 'CreateBidStatsHourly1766000000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    const schema = schemaOf(queryRunner);
    await queryRunner.query(`
      CREATE TABLE ${schema}.bid_stats_hourly (
        hour timestamptz NOT NULL,
        buyer_id varchar(64) NOT NULL,
        status varchar(16) NOT NULL,
        bids integer NOT NULL CHECK (bids > 0),
        amount_cents bigint NOT NULL CHECK (amount_cents >= 0),
        PRIMARY KEY (hour, buyer_id, status)
      )`);
    await queryRunner.query(`
      CREATE TABLE ${schema}.bid_stats_hours (
        hour timestamptz PRIMARY KEY,
        closed boolean NOT NULL,
        aggregated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX bids_created_at_idx ON ${schema}.bids (created_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const schema = schemaOf(queryRunner);
    await queryRunner.query(`DROP INDEX ${schema}.bids_created_at_idx`);
    await queryRunner.query(`DROP TABLE ${schema}.bid_stats_hours`);
    await queryRunner.query(`DROP TABLE ${schema}.bid_stats_hourly`);
  }
}
