import { schemaOf } from '@platform/database';
import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Creates `check_audit`, the append-only trail of compliance check decisions (phone hash, result, TCPA
 * version, reasons, time): a trigger refuses UPDATE and DELETE, so a record once written stays as written.
 */
export class CreateComplianceAudit1764000000202 implements MigrationInterface {
  name = 'CreateComplianceAudit1764000000202';

  async up(queryRunner: QueryRunner): Promise<void> {
    const schema = schemaOf(queryRunner);
    await queryRunner.query(`
      CREATE TABLE ${schema}.check_audit (
        id bigserial PRIMARY KEY,
        phone_hash char(64) NOT NULL,
        allowed boolean NOT NULL,
        rule_version integer NULL,
        reasons text[] NOT NULL,
        state char(2) NOT NULL,
        checked_at timestamptz NOT NULL,
        recorded_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE FUNCTION ${schema}.check_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN RAISE EXCEPTION 'check_audit is append-only'; END $$`);
    await queryRunner.query(`
      CREATE TRIGGER check_audit_append_only BEFORE UPDATE OR DELETE ON ${schema}.check_audit
      FOR EACH ROW EXECUTE FUNCTION ${schema}.check_audit_append_only()`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    const schema = schemaOf(queryRunner);
    await queryRunner.query(`DROP TABLE ${schema}.check_audit`);
    await queryRunner.query(`DROP FUNCTION ${schema}.check_audit_append_only()`);
  }
}
