import { schemaOf } from '@platform/database';
import { MigrationInterface, QueryRunner } from 'typeorm';

/** Indexes the expiry time of active bids, so the expiry job finds overdue bids without a scan. */
export class IndexActiveBidExpiry1766000000000 implements MigrationInterface {
  name = 'IndexActiveBidExpiry1766000000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE INDEX bids_active_expiry_idx ON ${schemaOf(queryRunner)}.bids (expires_at) WHERE status = 'active'`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX ${schemaOf(queryRunner)}.bids_active_expiry_idx`);
  }
}
