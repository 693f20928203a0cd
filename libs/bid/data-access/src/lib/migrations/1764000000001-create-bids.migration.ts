import { schemaOf } from '@platform/database';
import { MigrationInterface, QueryRunner } from 'typeorm';

/** Creates `bids` with the indexes behind `bids:call:{callID}` and `bids:buyer:{buyerID}:active`. */
export class CreateBids1764000000001 implements MigrationInterface {
  name = 'CreateBids1764000000001';

  async up(queryRunner: QueryRunner): Promise<void> {
    const schema = schemaOf(queryRunner);
    await queryRunner.query(`
      CREATE TABLE ${schema}.bids (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        call_id varchar(64) NOT NULL,
        buyer_id varchar(64) NOT NULL,
        amount_cents integer NOT NULL CHECK (amount_cents >= 0),
        currency char(3) NOT NULL DEFAULT 'USD',
        status varchar(16) NOT NULL DEFAULT 'pending'
          CHECK (status IN ('pending', 'active', 'won', 'lost', 'expired', 'cancelled')),
        expires_at timestamptz NULL,
        version integer NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX bids_call_id_idx ON ${schema}.bids (call_id)`);
    await queryRunner.query(`CREATE INDEX bids_buyer_status_idx ON ${schema}.bids (buyer_id, status)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE ${schemaOf(queryRunner)}.bids`);
  }
}
