import { schemaOf } from '@platform/database';
import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Adds the rest of a buyer's routing criteria (calling hours in the buyer's time zone, a daily cap) and
 * `routing_hourly_stats`, the calls routed per hour, state and winning buyer (written in the background).
 */
export class AddRoutingHoursCapsAndStats1766000000101 implements MigrationInterface {
  name = 'AddRoutingHoursCapsAndStats1766000000101';

  async up(queryRunner: QueryRunner): Promise<void> {
    const schema = schemaOf(queryRunner);
    await queryRunner.query(`
      ALTER TABLE ${schema}.buyer_routing_criteria
        ADD COLUMN time_zone varchar(64) NOT NULL DEFAULT 'UTC',
        ADD COLUMN hours_start_minute smallint NOT NULL DEFAULT 0
          CHECK (hours_start_minute BETWEEN 0 AND 1439),
        ADD COLUMN hours_end_minute smallint NOT NULL DEFAULT 1440
          CHECK (hours_end_minute BETWEEN 1 AND 1440),
        ADD COLUMN daily_cap integer CHECK (daily_cap >= 0)`);
    await queryRunner.query(`
      CREATE TABLE ${schema}.routing_hourly_stats (
        hour timestamptz NOT NULL,
        state char(2) NOT NULL,
        buyer_id varchar(64) NOT NULL,
        calls integer NOT NULL CHECK (calls >= 0),
        PRIMARY KEY (hour, state, buyer_id)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const schema = schemaOf(queryRunner);
    await queryRunner.query(`DROP TABLE ${schema}.routing_hourly_stats`);
    await queryRunner.query(`
      ALTER TABLE ${schema}.buyer_routing_criteria
        DROP COLUMN time_zone, DROP COLUMN hours_start_minute, DROP COLUMN hours_end_minute, DROP COLUMN daily_cap`);
  }
}
