import { schemaOf } from '@platform/database';
import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Creates `call_records` with the indexes behind `analytics:calls:{date}:{hour}` (started_at) and
 * `analytics:revenue:{buyerID}:{period}` (buyer_id, started_at).
 */
export class CreateCallRecords1764000000301 implements MigrationInterface {
  name = 'CreateCallRecords1764000000301';

  async up(queryRunner: QueryRunner): Promise<void> {
    const schema = schemaOf(queryRunner);
    await queryRunner.query(`
      CREATE TABLE ${schema}.call_records (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        call_id varchar(64) NOT NULL,
        buyer_id varchar(64) NOT NULL,
        state char(2) NOT NULL,
        started_at timestamptz NOT NULL,
        duration_seconds integer NOT NULL CHECK (duration_seconds >= 0),
        revenue_cents integer NOT NULL CHECK (revenue_cents >= 0),
        outcome varchar(16) NOT NULL CHECK (outcome IN ('connected', 'missed', 'rejected', 'failed')),
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT call_records_call_id_key UNIQUE (call_id)
      )`);
    await queryRunner.query(
      `CREATE INDEX call_records_buyer_started_idx ON ${schema}.call_records (buyer_id, started_at)`,
    );
    await queryRunner.query(`CREATE INDEX call_records_started_idx ON ${schema}.call_records (started_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE ${schemaOf(queryRunner)}.call_records`);
  }
}
