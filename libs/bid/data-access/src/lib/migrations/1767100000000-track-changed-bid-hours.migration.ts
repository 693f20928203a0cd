import { schemaOf } from '@platform/database';
import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Creates `bid_stats_changed_hours`: the closed hours whose bids changed since they were aggregated (a bid's
 * status moves on after its creation hour closes: won, lost, expired), so the statistics job aggregates them again
 * instead of keeping the statuses of the moment the hour closed.
 */
export class TrackChangedBidHours1767100000000 implements MigrationInterface {
  name = 'TrackChangedBidHours1767100000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE ${schemaOf(queryRunner)}.bid_stats_changed_hours (hour timestamptz PRIMARY KEY)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE ${schemaOf(queryRunner)}.bid_stats_changed_hours`);
  }
}
