import { schemaOf } from '@platform/database';
import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Lets `call_records` hold calls known only from a won bid (`bid.bid.changed.v1`): the bid says who bought the
 * call, for how much and when, but not the caller's state, the talk time or how the call ended, so `state`,
 * `duration_seconds` and `outcome` become nullable (NULL = unknown; the checks still hold for known values).
 * `down` restores NOT NULL and so fails while such records exist.
 */
export class AllowCallsSoldThroughBids1766100000301 implements MigrationInterface {
  name = 'AllowCallsSoldThroughBids1766100000301';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE ${schemaOf(queryRunner)}.call_records
        ALTER COLUMN state DROP NOT NULL,
        ALTER COLUMN duration_seconds DROP NOT NULL,
        ALTER COLUMN outcome DROP NOT NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      ALTER TABLE ${schemaOf(queryRunner)}.call_records
        ALTER COLUMN state SET NOT NULL,
        ALTER COLUMN duration_seconds SET NOT NULL,
        ALTER COLUMN outcome SET NOT NULL`);
  }
}
