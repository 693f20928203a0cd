import { schemaOf } from '@platform/database';
import { MigrationInterface, QueryRunner } from 'typeorm';

/** Creates `buyer_routing_criteria` (one row per buyer) with the GIN index behind "buyers for state X". */
export class CreateBuyerRoutingCriteria1764000000101 implements MigrationInterface {
  name = 'CreateBuyerRoutingCriteria1764000000101';

  async up(queryRunner: QueryRunner): Promise<void> {
    const schema = schemaOf(queryRunner);
    await queryRunner.query(`
      CREATE TABLE ${schema}.buyer_routing_criteria (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        buyer_id varchar(64) NOT NULL,
        states char(2)[] NOT NULL,
        min_bid_cents integer NOT NULL CHECK (min_bid_cents >= 0),
        max_concurrent_calls integer NOT NULL CHECK (max_concurrent_calls >= 0),
        priority integer NOT NULL DEFAULT 0,
        active boolean NOT NULL DEFAULT true,
        version integer NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CONSTRAINT buyer_routing_criteria_buyer_id_key UNIQUE (buyer_id)
      )`);
    await queryRunner.query(
      `CREATE INDEX buyer_routing_criteria_states_gin_idx ON ${schema}.buyer_routing_criteria USING gin (states)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE ${schemaOf(queryRunner)}.buyer_routing_criteria`);
  }
}
