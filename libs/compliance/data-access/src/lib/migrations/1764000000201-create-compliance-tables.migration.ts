import { schemaOf } from '@platform/database';
import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Creates `tcpa_rule_sets` (versioned, at most one active), `dnc_entries` (phone hashes only) and
 * `state_rules` (calling window checked: end after start).
 */
export class CreateComplianceTables1764000000201 implements MigrationInterface {
  name = 'CreateComplianceTables1764000000201';

  async up(queryRunner: QueryRunner): Promise<void> {
    const schema = schemaOf(queryRunner);
    await queryRunner.query(`
      CREATE TABLE ${schema}.tcpa_rule_sets (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        version integer NOT NULL CHECK (version >= 1),
        rules jsonb NOT NULL CHECK (jsonb_typeof(rules) = 'object'),
        effective_from timestamptz NOT NULL,
        active boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT tcpa_rule_sets_version_key UNIQUE (version)
      )`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX tcpa_rule_sets_one_active_idx ON ${schema}.tcpa_rule_sets (active) WHERE active`,
    );
    await queryRunner.query(`
      CREATE TABLE ${schema}.dnc_entries (
        phone_hash char(64) PRIMARY KEY CHECK (phone_hash ~ '^[a-f0-9]{64}$'),
        source varchar(64) NOT NULL,
        added_at timestamptz NOT NULL DEFAULT now(),
        expires_at timestamptz NULL
      )`);
    await queryRunner.query(`
      CREATE TABLE ${schema}.state_rules (
        state char(2) PRIMARY KEY CHECK (state ~ '^[A-Z]{2}$'),
        calling_hours_start smallint NOT NULL CHECK (calling_hours_start BETWEEN 0 AND 23),
        calling_hours_end smallint NOT NULL CHECK (calling_hours_end BETWEEN 1 AND 24),
        timezone varchar(64) NOT NULL,
        max_attempts_per_day integer NOT NULL CHECK (max_attempts_per_day >= 0),
        requires_consent boolean NOT NULL,
        version integer NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT state_rules_calling_hours_check CHECK (calling_hours_end > calling_hours_start)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const schema = schemaOf(queryRunner);
    await queryRunner.query(`DROP TABLE ${schema}.state_rules`);
    await queryRunner.query(`DROP TABLE ${schema}.dnc_entries`);
    await queryRunner.query(`DROP TABLE ${schema}.tcpa_rule_sets`);
  }
}
