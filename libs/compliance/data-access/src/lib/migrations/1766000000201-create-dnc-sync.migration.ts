import { schemaOf } from '@platform/database';
import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Creates what the background DNC sync needs: `dnc_list_state` (one row: the list's generation, bumped
 * when an import commits), `dnc_imports` (one checkpoint row per imported file, moved in the same
 * transaction as each batch) and an index on `dnc_entries.added_at` (the membership filter's catch-up
 * reads the entries added since it was built). `added_at` now defaults to the insert's own time
 * (`clock_timestamp()`), not its transaction's start, so an entry inserted after a filter scan started is
 * never older than the scan's horizon.
 */
export class CreateDncSync1766000000201 implements MigrationInterface {
  name = 'CreateDncSync1766000000201';

  async up(queryRunner: QueryRunner): Promise<void> {
    const schema = schemaOf(queryRunner);
    await queryRunner.query(`
      CREATE TABLE ${schema}.dnc_list_state (
        id smallint PRIMARY KEY CHECK (id = 1),
        generation integer NOT NULL CHECK (generation >= 0),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`INSERT INTO ${schema}.dnc_list_state (id, generation) VALUES (1, 0)`);
    await queryRunner.query(`
      CREATE TABLE ${schema}.dnc_imports (
        file_id char(64) PRIMARY KEY CHECK (file_id ~ '^[a-f0-9]{64}$'),
        file_name varchar(255) NOT NULL,
        file_bytes bigint NOT NULL CHECK (file_bytes >= 0),
        byte_offset bigint NOT NULL DEFAULT 0 CHECK (byte_offset >= 0 AND byte_offset <= file_bytes),
        line_offset bigint NOT NULL DEFAULT 0 CHECK (line_offset >= 0),
        added integer NOT NULL DEFAULT 0,
        removed integer NOT NULL DEFAULT 0,
        rejected integer NOT NULL DEFAULT 0,
        status varchar(16) NOT NULL DEFAULT 'running' CHECK (status IN ('running', 'done')),
        generation integer NULL,
        started_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        finished_at timestamptz NULL
      )`);
    await queryRunner.query(`CREATE INDEX dnc_entries_added_at_idx ON ${schema}.dnc_entries (added_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const schema = schemaOf(queryRunner);
    await queryRunner.query(`ALTER TABLE ${schema}.dnc_entries ALTER COLUMN added_at SET DEFAULT now()`);
    await queryRunner.query(`DROP INDEX ${schema}.dnc_entries_added_at_idx`);
    await queryRunner.query(`DROP TABLE ${schema}.dnc_imports`);
    await queryRunner.query(`DROP TABLE ${schema}.dnc_list_state`);
  }
}
